"""Self-check of a written analysis, and what happens to what still fails.

Deterministic validators run always; an LLM critic, when the critic role has a
model, judges whether each claim's cited sentences support it (agent/writing/support_check.py).
Failures go back to the writer (at most `max_revisions` times); what still fails
is removed (bad citations, unsupported claims) or marked in the report
(everything else), never silently kept.
"""

from __future__ import annotations

import logging

from langgraph.runtime import Runtime

from agent.context import GraphContext, context_of
from agent.state import CheckReport, CitedText, Note, PaperAnalysis, PaperResult, PaperState
from agent.writing.support_check import remove_unsupported, review_support, support_findings
from agent.writing.validators import cited_evidence_holds, find_markers, validate_analysis
from agent.writing.writer import note_label
from tools.paper_model import PaperDocument

log = logging.getLogger(__name__)


def check_analysis(state: PaperState, runtime: Runtime[GraphContext]) -> dict:
    ctx = context_of(runtime)
    paper = state["paper"]
    doc = ctx.load_paper(paper)
    kind = state["kind"].kind if state.get("kind") else "method"
    findings = validate_analysis(state["analysis"], state["notes"], doc, language=ctx.language, settings=ctx.profile.writer, kind=kind)
    critic_used = not ctx.llm.is_offline("critic")
    degraded, verdicts = [], []
    if critic_used:
        verdicts, failed = review_support(ctx, state["analysis"], state["notes"], doc, paper.versioned_id, kind)
        findings += support_findings(verdicts, state["analysis"])
        degraded += [failed] if failed else []
    ctx.events("paper", {"id": paper.versioned_id, "step": f"self-check: {len(findings)} finding(s)"})
    return {"check": CheckReport(findings=findings, critic_used=critic_used and not degraded, verdicts=verdicts), "degraded": degraded}


# --- what still fails ------------------------------------------------------------------------


def _repair(item: CitedText, notes: dict[str, Note], doc: PaperDocument, language: str) -> CitedText:
    """Drop evidence that fails, drop markers nothing backs, add markers for evidence not shown."""
    good = [e for e in item.evidence if e in notes and cited_evidence_holds(notes[e].citation, doc)]
    cited = {(notes[e].citation.section_id, notes[e].citation.page) for e in good}
    text = item.text
    for marker in find_markers(text, doc, language):
        if marker.section is None or (marker.section.id, marker.page) not in cited:
            text = text.replace(marker.text, "")
    shown = {(m.section.id, m.page) for m in find_markers(text, doc, language) if m.section}
    for e in good:
        c = notes[e].citation
        if (c.section_id, c.page) not in shown:
            text = f"{text.rstrip()}{note_label(notes[e], doc, language)}"
            shown.add((c.section_id, c.page))
    return item.model_copy(update={"text": text, "evidence": good})


def repair_analysis(analysis: PaperAnalysis, notes: list[Note], doc: PaperDocument, language: str) -> PaperAnalysis:
    by_id = {n.id: n for n in notes}
    fix = lambda item: _repair(item, by_id, doc, language)  # noqa: E731
    return PaperAnalysis(
        summary=fix(analysis.summary), motivation=fix(analysis.motivation),
        contributions=[fix(c) for c in analysis.contributions], method=fix(analysis.method),
        experiments=fix(analysis.experiments),
        future=analysis.future.model_copy(update={"author_limitations": [fix(c) for c in analysis.future.author_limitations],
                                                  "author_future_work": [fix(c) for c in analysis.future.author_future_work]}),
    )


def finalize_paper(state: PaperState, runtime: Runtime[GraphContext]) -> dict:
    ctx = context_of(runtime)
    paper = state["paper"]
    if state.get("failure"):
        ctx.events("paper", {"id": paper.versioned_id, "step": "failed", "done": True, "why": state["failure"]})
        result = PaperResult(
            paper=paper, verdict=state["verdict"], status="failed", title=paper.title, abstract=paper.abstract,
            failure=state["failure"], degraded=state.get("degraded", []), pdf_fetched=state.get("pdf_fetched", False),
        )
        return {"results": [result]}
    doc = ctx.load_paper(paper)
    analysis = repair_analysis(state["analysis"], state["notes"], doc, ctx.language)
    # Claims the critic still finds unsupported after the last revision are taken out, and the JSON says which.
    analysis, verdicts = remove_unsupported(analysis, state["check"].verdicts, ctx.language)
    check = state["check"].model_copy(update={"verdicts": verdicts})
    kind = state.get("kind")
    unresolved = validate_analysis(analysis, state["notes"], doc, language=ctx.language, settings=ctx.profile.writer, kind=kind.kind if kind else "method")
    ctx.ledger.mark(ctx.profile.name, paper.arxiv_id, "written")
    ctx.events("paper", {"id": paper.versioned_id, "step": "written", "done": True})
    result = PaperResult(
        paper=paper, verdict=state["verdict"], status="written", title=paper.title, abstract=paper.abstract,
        analysis=analysis, draft=state["analysis"], notes=state["notes"], check=check, revisions=state.get("revisions", 0),
        unresolved=unresolved, reading=state["reading"], degraded=state.get("degraded", []), writer_mode=state.get("writer_mode", "model"),
        **({"kind": kind} if kind else {}),
    )
    return {"results": [result]}
