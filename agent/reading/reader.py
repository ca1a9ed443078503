"""The section-aware reader: collects cited notes for each part of the analysis.

With a model it is a tool-calling agent over the section tools, started with
the section list and a first round of retrieved evidence, within a token
budget. Offline it takes, per part, whole sentences whose rhetorical role fits
the part (agent/reading/evidence_reader.py). Either way every note's quote is one or more
whole sentences of body text, named by their sentence ids.
"""

from __future__ import annotations

import logging

from langchain_core.messages import HumanMessage, SystemMessage
from langgraph.runtime import Runtime
from pydantic import BaseModel, Field

from agent.context import GraphContext, context_of
from agent.llm.structured import call_structured
from agent.llm.tool_loop import closed_conversation, model_turn, run_tool_calls
from agent.reading.evidence_reader import role_notes
from agent.reading.kind_schema import kind_spec, prompt_view
from agent.reading.paper_kind import decide_kind
from agent.state import PART_QUERIES, Note, PaperState, PartKey, ReadingStats, bounded
from tools.errors import MonitorError
from tools.evidence import locate_evidence
from tools.reader_tools import cite_tag, render_listing
from tools.sources import fetch_paper
from tools.tokens import count_tokens

log = logging.getLogger(__name__)

class DraftNote(BaseModel):
    part: PartKey
    claim: str = bounded(max_length=200, description="what this evidence shows, one sentence")
    section_id: str = bounded(max_length=12, description="the paper's section id the quote comes from, e.g. '3.1'")
    # Where the quote stands is found again from section and quote (locate_evidence); the page only helps the model point.
    page: int | None = Field(default=None, description="page number (1-based) of the quote; none for a paper read from HTML")
    quote: str = bounded(max_length=300, description="exact words copied from the paper, at most two sentences")


class NotesDraft(BaseModel):
    notes: list[DraftNote] = bounded(max_items=12, default_factory=list)


def parts_for_prompt(language: str, kind: str = "method") -> list[dict]:
    """The parts of this kind of paper, as the reader's prompt lists them."""
    return [{"key": k, "title": t, "query": PART_QUERIES[k]} for k, t in kind_spec(kind).titles(language).items()]


def _kind(state: PaperState) -> str:
    return state["kind"].kind if state.get("kind") else "method"


# --- nodes ------------------------------------------------------------------------------------


def prepare_reading(state: PaperState, runtime: Runtime[GraphContext]) -> dict:
    """Fetch and parse the PDF; offline, read it right away; with a model, seed the conversation."""
    ctx = context_of(runtime)
    paper = state["paper"]
    ctx.events("paper", {"id": paper.versioned_id, "step": "reading"})
    try:
        pdf = fetch_paper(ctx.source, paper.id)  # arXiv HTML, ar5iv, else the PDF
    except MonitorError as exc:
        return {"failure": f"无法获取 PDF：{exc}"}
    try:
        doc = ctx.load_paper(paper, pdf)
    except MonitorError as exc:
        return {"failure": f"无法解析 PDF：{exc}", "pdf_fetched": True}
    stats = ReadingStats(full_text_tokens=count_tokens(doc.full_text()), read_from=doc.source_kind)
    ctx.ledger.mark(ctx.profile.name, paper.arxiv_id, "read")
    verdict, failed = decide_kind(ctx, doc, paper.versioned_id, paper.categories_primary_first)
    kind = verdict.kind
    found = {"kind": verdict, "degraded": [failed] if failed else []}
    if ctx.llm.is_offline("reader"):
        notes = role_notes(doc, kind=kind)
        stats.tokens_read = sum(count_tokens(n.citation.quote) for n in notes)
        stats.stop_reason = "offline retrieval"
        return {"notes": notes, "reading": stats, **found}
    index = ctx.paper_index(paper)
    seed = role_notes(doc, {part: 1 for part in kind_spec(kind).titles("en")}, kind=kind)
    listing = render_listing(index.list_sections())
    opening = ctx.prompts.render(
        "reader", phase="opening", listing=listing,
        evidence=[{"tag": cite_tag(n.citation), "part": n.part, "quote": n.citation.quote} for n in seed],
    )
    stats.tokens_read = count_tokens(opening)
    system = ctx.prompts.render(
        "reader", phase="explore", paper={"title": doc.title, "arxiv_id": paper.versioned_id, "abstract": doc.abstract},
        parts=parts_for_prompt(ctx.language, kind), budget=ctx.profile.reader.token_budget,
        max_tool_calls=ctx.profile.reader.max_tool_calls, language=ctx.language, kind=prompt_view(kind),
    )
    return {"messages": [SystemMessage(system), HumanMessage(opening)], "reading": stats, **found}


def reader_step(state: PaperState, runtime: Runtime[GraphContext]) -> dict:
    """One turn of the model: it calls section tools or says it has read enough."""
    ctx = context_of(runtime)
    index = ctx.paper_index(state["paper"])
    return model_turn(ctx.llm, "reader", index, state["messages"], state["reading"], state["paper"].versioned_id)


def run_reader_tools(state: PaperState, runtime: Runtime[GraphContext]) -> dict:
    """Run the tool calls of the last model turn within the paper's token budget."""
    ctx = context_of(runtime)
    index = ctx.paper_index(state["paper"])
    replies, stats = run_tool_calls(index, state["messages"][-1], state["reading"], ctx.profile.reader)
    ctx.events("paper", {"id": state["paper"].versioned_id, "step": f"read {stats.tool_calls} tool calls"})
    return {"messages": replies, "reading": stats}


def take_notes(state: PaperState, runtime: Runtime[GraphContext]) -> dict:
    """Ask the model for cited notes, keep only those whose quote is really in the paper."""
    ctx = context_of(runtime)
    doc = ctx.load_paper(state["paper"])
    stats = state["reading"].model_copy()
    instruction = ctx.prompts.render(
        "reader", phase="notes", paper={"title": doc.title, "arxiv_id": state["paper"].versioned_id, "abstract": doc.abstract},
        parts=parts_for_prompt(ctx.language, _kind(state)), budget=ctx.profile.reader.token_budget,
        max_tool_calls=ctx.profile.reader.max_tool_calls, language=ctx.language, kind=prompt_view(_kind(state)),
    )
    messages = closed_conversation(state["messages"]) + [HumanMessage(instruction)]
    draft, failed = call_structured(ctx.llm, "reader", NotesDraft, messages, paper=state["paper"].versioned_id)
    if failed:
        stats.stop_reason = f"{stats.stop_reason}; notes from retrieval (model error)".strip("; ")
        return {"notes": role_notes(doc, kind=_kind(state)), "reading": stats, "degraded": [failed]}
    notes: list[Note] = []
    for item in draft.notes:
        citation = locate_evidence(doc, item.section_id, item.quote)
        if citation is None:
            stats.notes_dropped += 1
            continue
        notes.append(Note(id=f"E{len(notes) + 1}", part=item.part, text=item.claim, citation=citation))
    if not notes:
        # A model that could not quote the paper still gets a grounded draft to write from.
        notes = role_notes(doc, kind=_kind(state))
        stats.stop_reason = f"{stats.stop_reason}; no verifiable notes, retrieval used".strip("; ")
    return {"notes": notes, "reading": stats}
