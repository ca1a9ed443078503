"""Self-check of a written analysis, and what happens to what still fails.

Deterministic validators run always; an LLM critic, when the critic role has a
model, flags claims the cited evidence does not support. Failures go back to
the writer (at most `max_revisions` times); what still fails is removed (bad
citations) or marked in the report (everything else), never silently kept.
"""

from __future__ import annotations

import logging

from langchain_core.messages import HumanMessage
from langgraph.runtime import Runtime
from pydantic import BaseModel

from agent.context import GraphContext, context_of
from agent.state import PART_TITLES, CheckReport, CitedText, Finding, Note, PaperAnalysis, PaperResult, PaperState, bounded
from agent.structured import call_structured
from agent.validators import citation_exists, find_markers, quote_in_section, validate_analysis
from agent.writer import note_label
from tools.paper_model import PaperDocument

log = logging.getLogger(__name__)


class UnsupportedClaim(BaseModel):
    part: str = bounded(max_length=20, description="summary, motivation, contributions, method, experiments or future")
    claim: str = bounded(max_length=200, description="the sentence that its evidence does not support")
    reason: str = bounded(max_length=200)


class Critique(BaseModel):
    unsupported: list[UnsupportedClaim] = bounded(max_items=6, default_factory=list)


def _part_name(part: str) -> str:
    """The critic's part names, mapped to the schema's (a model may answer with a title)."""
    key = part.strip().lower()
    for name, titles in ((k, {k, PART_TITLES["zh"][k], PART_TITLES["en"][k].lower()}) for k in PART_TITLES["zh"]):
        if key in titles:
            return name
    return "future" if key.startswith("future") else key or "summary"


def critic_findings(
    analysis: PaperAnalysis, notes: list[Note], doc: PaperDocument, runtime: Runtime[GraphContext], paper_id: str
) -> tuple[list[Finding], dict | None]:
    ctx = context_of(runtime)
    by_id = {n.id: n for n in notes}
    parts = [
        {"part": part, "title": PART_TITLES[ctx.language][part], "text": item.text,
         "evidence": [by_id[e].citation.quote for e in item.evidence if e in by_id]}
        for part, item in analysis.cited_texts()
    ]
    prompt = ctx.prompts.render("critic", paper={"title": doc.title, "arxiv_id": paper_id}, parts=parts, language=ctx.language)
    critique, failed = call_structured(ctx.llm, "critic", Critique, [HumanMessage(prompt)], paper=paper_id)
    if failed:
        return [], failed
    claims = critique.unsupported
    return [Finding(part=_part_name(c.part), code="unsupported", message=f"{c.claim} — {c.reason}") for c in claims], None


def check_analysis(state: PaperState, runtime: Runtime[GraphContext]) -> dict:
    ctx = context_of(runtime)
    paper = state["paper"]
    doc = ctx.load_paper(paper)
    findings = validate_analysis(state["analysis"], state["notes"], doc, language=ctx.language, settings=ctx.profile.writer)
    critic_used = not ctx.llm.is_offline("critic")
    degraded = []
    if critic_used:
        more, failed = critic_findings(state["analysis"], state["notes"], doc, runtime, paper.versioned_id)
        findings += more
        degraded += [failed] if failed else []
    ctx.events("paper", {"id": paper.versioned_id, "step": f"self-check: {len(findings)} finding(s)"})
    return {"check": CheckReport(findings=findings, critic_used=critic_used), "degraded": degraded}


# --- what still fails ------------------------------------------------------------------------


def _repair(item: CitedText, notes: dict[str, Note], doc: PaperDocument, language: str) -> CitedText:
    """Drop evidence that fails, drop markers nothing backs, add markers for evidence not shown."""
    good = [e for e in item.evidence if e in notes and citation_exists(notes[e].citation, doc) and quote_in_section(notes[e].citation, doc)]
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
    return CitedText(text=text, evidence=good)


def repair_analysis(analysis: PaperAnalysis, notes: list[Note], doc: PaperDocument, language: str) -> PaperAnalysis:
    by_id = {n.id: n for n in notes}
    fix = lambda item: _repair(item, by_id, doc, language)  # noqa: E731
    return PaperAnalysis(
        summary=fix(analysis.summary), motivation=fix(analysis.motivation),
        contributions=[fix(c) for c in analysis.contributions], method=fix(analysis.method),
        experiments=fix(analysis.experiments),
        future=analysis.future.model_copy(update={"author_limitations": [fix(c) for c in analysis.future.author_limitations]}),
    )


def finalize_paper(state: PaperState, runtime: Runtime[GraphContext]) -> dict:
    ctx = context_of(runtime)
    paper = state["paper"]
    if state.get("failure"):
        ctx.events("paper", {"id": paper.versioned_id, "step": "failed", "done": True})
        result = PaperResult(
            paper=paper, verdict=state["verdict"], status="failed", title=paper.title, abstract=paper.abstract,
            failure=state["failure"], degraded=state.get("degraded", []), pdf_fetched=state.get("pdf_fetched", False),
        )
        return {"results": [result]}
    doc = ctx.load_paper(paper)
    analysis = repair_analysis(state["analysis"], state["notes"], doc, ctx.language)
    unresolved = validate_analysis(analysis, state["notes"], doc, language=ctx.language, settings=ctx.profile.writer)
    # Critic findings cannot be repaired mechanically: they stay, marked, if the last check had them.
    unresolved += [f for f in state["check"].findings if f.code == "unsupported"]
    ctx.ledger.mark(ctx.profile.name, paper.arxiv_id, "written")
    ctx.events("paper", {"id": paper.versioned_id, "step": "written", "done": True})
    result = PaperResult(
        paper=paper, verdict=state["verdict"], status="written", title=paper.title, abstract=paper.abstract,
        analysis=analysis, draft=state["analysis"], notes=state["notes"], check=state["check"], revisions=state.get("revisions", 0),
        unresolved=unresolved, reading=state["reading"], degraded=state.get("degraded", []),
    )
    return {"results": [result]}
