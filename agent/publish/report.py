"""The report node: freezes a day's results into one data structure, the JSON contract (`agent.publish.render` draws it)."""

from __future__ import annotations

from pathlib import Path

from langgraph.runtime import Runtime

from agent.context import GraphContext, context_of
from agent.reading.evidence_reader import classified_sentences, note_fits
from agent.reading.kind_schema import kind_spec
from agent.roles import MODEL_ROLES
from agent.state import CitedText, Excluded, MonitorState, Note, PaperResult, RelevanceVerdict
from agent.writing.validators import cited_evidence_holds
from tools.feeds import PaperMeta
from tools.paper_model import PaperDocument

SCHEMA_VERSION = 3  # 3: papers[].kind, kind_evidence, parts (the kind's parts), future.author_future_work


def _citation(note: Note, doc_titles: dict[str, str], doc: PaperDocument | None = None) -> dict:
    """A citation record: section id, page, sentence ids, quote, and the url that opens the paper at it."""
    citation = doc.with_url(note.citation) if doc is not None else note.citation
    return {**citation.model_dump(), "section_title": doc_titles.get(note.citation.section_id, "")}


def _cited(item: CitedText, notes: dict[str, Note], titles: dict[str, str], doc: PaperDocument | None = None) -> dict:
    entry = {"text": item.text, "citations": [_citation(notes[e], titles, doc) for e in item.evidence if e in notes]}
    return entry | {"absent": True} if item.absent else entry  # the part says the paper has nothing that fits it


def self_check_entry(r: PaperResult, doc: PaperDocument, used: list[Note]) -> dict:
    """What the self-check verified, counted, so the report can say exactly that."""
    check = r.check
    verdicts = check.verdicts if check else []
    candidates = {c.sentence.id: c for c in classified_sentences(doc)}
    judged = [v for v in verdicts if not v.removed]
    return {
        "passed": not r.unresolved,
        "revisions": r.revisions,
        "critic_used": bool(check and check.critic_used),
        "unresolved": [f.model_dump() for f in r.unresolved],
        "quotes_total": len(used),
        "quotes_verified": sum(1 for n in used if cited_evidence_holds(n.citation, doc)),
        "role_fit": sum(1 for n in used if note_fits(doc, n, r.kind.kind, candidates)),
        "claims": [v.model_dump() for v in verdicts],
        "claims_supported": sum(1 for v in judged if v.verdict == "supported"),
        "claims_partial": sum(1 for v in judged if v.verdict == "partial"),
        "claims_removed": sum(1 for v in verdicts if v.removed),
        "support_rate": round(sum(1 for v in verdicts if v.verdict == "supported") / len(verdicts), 3) if verdicts else None,
    }


def paper_entry(r: PaperResult, doc: PaperDocument) -> dict:
    titles = section_titles(doc)
    p = r.paper
    entry = {
        "arxiv_id": p.versioned_id,
        "title": p.title,
        "authors": p.authors,
        "categories": p.categories,
        "primary_category": p.primary_category,
        "announce_type": p.announce_type,
        "abs_url": p.id.abs_url,
        "pdf_url": p.id.pdf_url,
        "abstract": p.abstract,
        "comment": p.comment,
        "journal_ref": p.journal_ref,
        "doi": p.doi,
        "relevance": r.verdict.model_dump(exclude={"arxiv_id"}),
        "kind": r.kind.kind,
        "kind_evidence": r.kind.evidence,
        "kind_decided_by": r.kind.decided_by,
        "kind_name": {"zh": kind_spec(r.kind.kind).zh, "en": kind_spec(r.kind.kind).en},
        # The parts this kind's analysis has, in reading order; a slot not listed is not part of this kind.
        "parts": [{"slot": p.slot, "zh": p.zh, "en": p.en} for p in kind_spec(r.kind.kind).parts],
    }
    notes = {n.id: n for n in r.notes}
    a = r.analysis
    cite = lambda item: _cited(item, notes, titles, doc)  # noqa: E731
    entry["analysis"] = {
        "summary": cite(a.summary),
        "motivation": cite(a.motivation),
        "contributions": [cite(c) for c in a.contributions],
        "method": cite(a.method),
        "experiments": cite(a.experiments),
        "future": {
            "author_limitations": [cite(c) for c in a.future.author_limitations],
            "author_future_work": [cite(c) for c in a.future.author_future_work],
            "inferred_limitations": a.future.inferred_limitations,
            "suggestions": a.future.suggestions,
        },
    }
    used: list[Note] = []
    for _, item in a.cited_texts():
        for e in item.evidence:
            if e in notes and notes[e] not in used:
                used.append(notes[e])
    entry["citations"] = [_citation(n, titles, doc) for n in used]
    entry["read_from"] = doc.source_kind  # "arxiv-html", "ar5iv" or "pdf"
    entry["self_check"] = self_check_entry(r, doc, used)
    entry["writer_mode"] = r.writer_mode
    entry["reading"] = r.reading.model_dump()
    return entry


def section_titles(doc) -> dict[str, str]:
    return {s.id: s.title for s in doc.sections}


OFFLINE_REASONS_ZH = {
    "--offline was given": "命令行指定了 --offline", "--offline-dir was given": "命令行指定了 --offline-dir（回放录制的一天）",
    "no model endpoint is configured": "未配置任何模型端点",
}


def _source_name(source: str) -> str:
    """Feed files by name only: the report should not depend on where the sample was checked out."""
    return source if "://" in source or not source.strip() else Path(source).name


def _excluded_entry(e: Excluded) -> dict:
    return {"arxiv_id": e.paper.versioned_id, "title": e.paper.title, "score": e.verdict.score, "stage": e.verdict.stage, "reason": e.verdict.reason}


def _judged_entry(paper: PaperMeta, verdict: RelevanceVerdict) -> dict:
    return {"arxiv_id": paper.versioned_id, "title": paper.title, "authors": paper.authors, "categories": paper.categories,
            "score": verdict.score, "stage": verdict.stage, "reason": verdict.reason}


def compose_report(state: MonitorState, runtime: Runtime[GraphContext]) -> dict:
    """Freeze everything the report shows into the state, so a re-run renders the very same files."""
    ctx = context_of(runtime)
    profile = ctx.profile
    order = {p.versioned_id: i for i, p in enumerate(state.get("selected", []))}
    results = sorted(state.get("results", []), key=lambda r: order.get(r.paper.versioned_id, 1_000))
    written = [r for r in results if r.status == "written"]
    failed = [r for r in results if r.status == "failed"]
    announced = state.get("announced", {})
    skipped = state.get("skipped", {})
    reg = ctx.llm
    verdicts = {v.arxiv_id: v for v in state.get("verdicts", [])}
    report = {
        "schema_version": SCHEMA_VERSION,
        "date": state["day"],
        "generated_at": state.get("started_at"),
        "profile": {
            "name": profile.name, "description": profile.description, "categories": profile.categories,
            "keywords": [k.model_dump() for k in profile.keywords], "negative_keywords": profile.negative_keywords,
            "relevance_threshold": profile.relevance_threshold, "max_papers": profile.max_papers, "language": profile.language,
        },
        "mode": {
            "offline": reg.fully_offline,
            "offline_roles": reg.offline_roles(),
            "reason": reg.offline_reason,
            "reason_zh": OFFLINE_REASONS_ZH.get(reg.offline_reason or "", reg.offline_reason),
            "models": {role: reg.describe(role) for role in MODEL_ROLES},
            "backfill": bool(announced.get("backfill")),
            # Model calls that failed and fell back, and papers whose analysis is excerpts although a writer model was set.
            "fallbacks": len(state.get("degraded", [])) + sum(len(r.degraded) for r in results),
            "excerpt_papers": 0 if reg.is_offline("writer") else sum(1 for r in written if r.writer_mode == "excerpts"),
            "unchecked_papers": 0 if reg.is_offline("critic") else sum(1 for r in written if not (r.check and r.check.critic_used)),
        },
        "counts": {
            "announced": announced.get("total", 0),
            "by_type": announced.get("by_type", {}),
            "by_category": announced.get("counts", {}),
            "candidates": len(state.get("candidates", [])),
            "judged": len(state.get("verdicts", [])),
            "relevant": len(state.get("selected", [])),
            "pdfs_fetched": sum(1 for r in results if r.pdf_fetched),
            "reported": len(written),
            "excluded": len(state.get("excluded", [])),
            "updates": len(state.get("updates", [])),
            "failures": len(failed),
            "already_reported": len(skipped.get("already_reported", [])),
            "not_followed": len(skipped.get("not_followed", [])),
            "feed_problems": len(announced.get("problems", [])),
        },
        "papers": [paper_entry(r, ctx.load_paper(r.paper)) for r in written],
        "excluded": [_excluded_entry(e) for e in state.get("excluded", [])],
        # The best-scoring papers that were not selected, so a reader sees what the filter cut (差点入选).
        "near_misses": [_excluded_entry(e) | state.get("near_miss_details", {}).get(e.paper.versioned_id, {})
                        for e in state.get("near_misses", [])],
        "semantic": state.get("semantic", {}),
        "judge_only": bool(state.get("judge_only")),
        # Judge-only runs: the selected papers with their verdicts, nothing read.
        "judged": [_judged_entry(p, verdicts[p.versioned_id]) for p in state.get("selected", [])] if state.get("judge_only") else [],
        "updates": [u.model_dump() for u in state.get("updates", [])],
        "failures": [{"arxiv_id": r.paper.versioned_id, "title": r.paper.title, "reason": r.failure} for r in failed],
        "skipped": skipped,
        # Deliveries of earlier days that have not gone out: shown until they do.
        "delivery_failures": [{"day": d, "channel": c, "error": e} for d, c, e in ctx.ledger.failed_deliveries(profile.name)],
        "feed_problems": [_source_name(p.split(": ", 1)[0]) + ": " + p.split(": ", 1)[1] if ": " in p else p for p in announced.get("problems", [])],
        "run": {
            "prompts": ctx.prompts.metadata,
            "usage": ctx.llm.usage.as_dict(),
            "sources": [_source_name(s) for s in announced.get("sources", [])],
            "degraded": state.get("degraded", []) + [d for r in results for d in r.degraded],
        },
    }
    return {"report": report}
