"""The section-aware reader: collects cited notes for each part of the analysis.

With a model it is a tool-calling agent over the section tools, started with
the section list and a first round of retrieved evidence, within a token
budget. Offline it is a retrieval reader: the best paragraphs per part.
Either way every note carries a citation whose quote is verbatim in its section.
"""

from __future__ import annotations

import logging

from langchain_core.messages import HumanMessage, SystemMessage
from langgraph.runtime import Runtime
from pydantic import BaseModel, Field

from agent.context import GraphContext, context_of
from agent.state import PART_KEYS, PART_QUERIES, PART_TITLES, Note, PaperState, PartKey, ReadingStats, bounded
from agent.structured import call_structured
from agent.tool_loop import closed_conversation, model_turn, run_tool_calls
from tools.errors import MonitorError
from tools.paper_model import Citation, PaperDocument, normalize_space
from tools.reader_tools import PaperIndex, cite_tag, render_listing
from tools.search_index import clip_verbatim, split_sentences
from tools.tokens import count_tokens

log = logging.getLogger(__name__)

# Sections whose titles suggest they hold a part: a retrieval reader prefers them.
PART_SECTION_HINTS: dict[str, tuple[str, ...]] = {
    "motivation": ("introduction", "motivation", "background"),
    "contributions": ("introduction", "contribution"),
    "method": ("method", "approach", "model", "framework", "architecture", "design", "system", "implementation"),
    "experiments": ("experiment", "result", "evaluation", "study", "analysis", "benchmark"),
    "future": ("limitation", "future", "conclusion", "discussion"),
}
NOTES_PER_PART = 2


class DraftNote(BaseModel):
    part: PartKey
    claim: str = bounded(max_length=200, description="what this evidence shows, one sentence")
    section_id: str = bounded(max_length=12, description="the paper's section id the quote comes from, e.g. '3.1'")
    page: int = Field(description="page number (1-based) of the quote")
    quote: str = bounded(max_length=300, description="exact words copied from the paper, at most two sentences")


class NotesDraft(BaseModel):
    notes: list[DraftNote] = bounded(max_items=12, default_factory=list)


def parts_for_prompt(language: str) -> list[dict]:
    return [{"key": k, "title": PART_TITLES[language][k], "query": PART_QUERIES[k]} for k in PART_KEYS]


# --- citations ------------------------------------------------------------------------------


def locate_quote(doc: PaperDocument, section_id: str, page: int, quote: str) -> Citation | None:
    """A verified citation for `quote`: as given, repaired to where the words really are, or None."""
    wanted = normalize_space(quote)
    if len(wanted) < 8:
        return None
    stated = doc.section(section_id)
    candidates = ([stated] if stated else []) + [s for s in doc.sections if s is not stated]
    for section in candidates:
        for para in section.paragraphs:
            if wanted in normalize_space(para.text):
                return Citation(section_id=section.id, page=para.page, quote=quote.strip())
    return None


# --- retrieval reader (offline, and the seed of the model reader) ---------------------------


def _hinted_sections(doc: PaperDocument, part: str) -> set[str]:
    """Sections (and their subsections) whose titles suggest they hold this part."""
    hints = PART_SECTION_HINTS.get(part, ())
    chosen: set[str] = set()
    for s in doc.sections:
        if any(h in s.title.lower() for h in hints) or (s.parent_id in chosen):
            chosen.add(s.id)
    return chosen


def retrieval_notes(doc: PaperDocument, per_part: int = NOTES_PER_PART, index: PaperIndex | None = None) -> list[Note]:
    """For each part, the best paragraphs by BM25 (nudged towards fitting sections), quoted by sentence."""
    index = index or PaperIndex(doc)
    notes: list[Note] = []
    used: set[str] = set()

    def add(part: str, citation: Citation, text: str) -> None:
        notes.append(Note(id=f"E{len(notes) + 1}", part=part, text=text, citation=citation))
        used.add(normalize_space(citation.quote))

    abstract = doc.section("abstract")
    if abstract is not None and abstract.paragraphs:
        sentences = split_sentences(abstract.paragraphs[0].text)
        for sentence in sentences[:per_part]:
            quote = clip_verbatim(sentence, 300)
            add("summary", Citation(section_id=abstract.id, page=abstract.paragraphs[0].page, quote=quote), quote)
    for part in PART_KEYS:
        if part == "summary" and notes:
            continue
        hits = index.search(PART_QUERIES[part], k=30).hits
        # The body first: the abstract is the summary's, appendices and acknowledgments come last.
        hits = [h for h in hits if doc.section(h.section_id).kind not in ("abstract", "acknowledgments", "appendix")] or hits
        hinted = _hinted_sections(doc, part)
        # Prefer the sections made for this part (Method for the method...), when the paper has them.
        hits = [h for h in hits if h.section_id in hinted] or hits
        taken = 0
        for hit in hits:
            if taken >= per_part:
                break
            if normalize_space(hit.citation.quote) in used:
                continue
            add(part, hit.citation, hit.citation.quote)
            taken += 1
    return notes


# --- nodes ------------------------------------------------------------------------------------


def prepare_reading(state: PaperState, runtime: Runtime[GraphContext]) -> dict:
    """Fetch and parse the PDF; offline, read it right away; with a model, seed the conversation."""
    ctx = context_of(runtime)
    paper = state["paper"]
    ctx.events("paper", {"id": paper.versioned_id, "step": "reading"})
    try:
        pdf = ctx.source.fetch_pdf(paper.id)
    except MonitorError as exc:
        return {"failure": f"无法获取 PDF：{exc}"}
    try:
        doc = ctx.load_paper(paper, pdf)
    except MonitorError as exc:
        return {"failure": f"无法解析 PDF：{exc}", "pdf_fetched": True}
    stats = ReadingStats(full_text_tokens=count_tokens(doc.full_text()))
    ctx.ledger.mark(ctx.profile.name, paper.arxiv_id, "read")
    if ctx.llm.is_offline("reader"):
        notes = retrieval_notes(doc, index=ctx.paper_index(paper))
        stats.tokens_read = sum(count_tokens(n.citation.quote) for n in notes)
        stats.stop_reason = "offline retrieval"
        return {"notes": notes, "reading": stats}
    index = ctx.paper_index(paper)
    seed = retrieval_notes(doc, per_part=1, index=index)
    listing = render_listing(index.list_sections())
    opening = ctx.prompts.render(
        "reader", phase="opening", listing=listing,
        evidence=[{"tag": cite_tag(n.citation), "part": n.part, "quote": n.citation.quote} for n in seed],
    )
    stats.tokens_read = count_tokens(opening)
    system = ctx.prompts.render(
        "reader", phase="explore", paper={"title": doc.title, "arxiv_id": paper.versioned_id, "abstract": doc.abstract},
        parts=parts_for_prompt(ctx.language), budget=ctx.profile.reader.token_budget,
        max_tool_calls=ctx.profile.reader.max_tool_calls, language=ctx.language,
    )
    return {"messages": [SystemMessage(system), HumanMessage(opening)], "reading": stats}


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
        parts=parts_for_prompt(ctx.language), budget=ctx.profile.reader.token_budget,
        max_tool_calls=ctx.profile.reader.max_tool_calls, language=ctx.language,
    )
    messages = closed_conversation(state["messages"]) + [HumanMessage(instruction)]
    draft, failed = call_structured(ctx.llm, "reader", NotesDraft, messages, paper=state["paper"].versioned_id)
    if failed:
        stats.stop_reason = f"{stats.stop_reason}; notes from retrieval (model error)".strip("; ")
        return {"notes": retrieval_notes(doc, index=ctx.paper_index(state["paper"])), "reading": stats, "degraded": [failed]}
    notes: list[Note] = []
    for item in draft.notes:
        citation = locate_quote(doc, item.section_id, item.page, item.quote)
        if citation is None:
            stats.notes_dropped += 1
            continue
        notes.append(Note(id=f"E{len(notes) + 1}", part=item.part, text=item.claim, citation=citation))
    if not notes:
        # A model that could not quote the paper still gets a grounded draft to write from.
        notes = retrieval_notes(doc, index=ctx.paper_index(state["paper"]))
        stats.stop_reason = f"{stats.stop_reason}; no verifiable notes, retrieval used".strip("; ")
    return {"notes": notes, "reading": stats}
