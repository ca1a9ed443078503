"""Questions about one paper, answered from the paper with verified citations.

With a model: a tool loop over the section tools, then a structured answer whose
quotes are checked against the paper. Offline: the best matching paragraphs,
labelled as excerpts. When the paper does not hold the answer, the answer says
论文中未找到 and what was looked at.
"""

from __future__ import annotations

import operator
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache, cached_property
from typing import Annotated, Literal

from langchain_core.messages import HumanMessage, RemoveMessage, SystemMessage
from langgraph.graph.message import REMOVE_ALL_MESSAGES, add_messages
from langgraph.runtime import Runtime
from pydantic import BaseModel, Field
from typing_extensions import TypedDict

from agent.config import ReaderSettings
from agent.context import context_from_settings
from agent.llm.registry import LLMRegistry
from agent.llm.structured import call_structured
from agent.llm.tool_loop import closed_conversation, model_turn, run_tool_calls
from agent.prompts import PromptLibrary
from agent.reading.evidence_reader import role_notes, section_types, with_listed_limitations
from agent.reading.paper_kind import detect_kind
from agent.reading.question_routing import route_question, routed_sections, typed_evidence
from agent.state import ReadingStats, bounded
from agent.writing.validators import citation_label
from tools.errors import ConfigError
from tools.evidence import locate_evidence, sentence_citation
from tools.paper_loader import load_paper
from tools.paper_model import Citation, PaperDocument
from tools.reader_tools import PaperIndex, render_listing
from tools.search_index import term_groups, tokenize

NOT_FOUND = "论文中未找到"
_CJK = re.compile(r"[\u4e00-\u9fff]")
HISTORY_TURNS = 4


class CitedQuote(BaseModel):
    section_id: str = bounded(max_length=12, description="section id from the [§id, p.N] tag")
    page: int
    quote: str = bounded(max_length=300, description="exact words from the paper")


class Answer(BaseModel):
    found: bool = Field(description="false when the paper does not contain the answer")
    answer: str = bounded(max_length=1200, description="the answer, in the question's language, with citation markers")
    citations: list[CitedQuote] = bounded(max_items=6, default_factory=list)
    looked_at: list[str] = bounded(max_items=10, item_length=12, default_factory=list, description="section ids consulted")


class Turn(BaseModel):
    question: str
    answer: str
    found: bool
    verified: bool  # every citation kept was found verbatim in the paper
    mode: Literal["model", "retrieval", "error"]
    citations: list[Citation] = Field(default_factory=list)
    looked_at: list[str] = Field(default_factory=list)
    dropped_citations: int = 0
    rejected: list[CitedQuote] = Field(default_factory=list)  # citations the paper does not bear out


class InvestigateInput(TypedDict):
    question: str
    paper: dict  # {"source": path, "arxiv_id": id or None, "title": ...}: how to reopen the paper


class InvestigateState(InvestigateInput, total=False):
    messages: Annotated[list, add_messages]
    reading: ReadingStats
    turns: Annotated[list[Turn], operator.add]
    degraded: Annotated[list[dict], operator.add]


@dataclass
class InvestigateContext:
    llm: LLMRegistry
    prompts: PromptLibrary
    doc: PaperDocument
    reader: ReaderSettings = field(default_factory=ReaderSettings)

    @cached_property
    def index(self) -> PaperIndex:
        return PaperIndex(self.doc)

    @cached_property
    def kind(self) -> str:
        """The paper's kind, decided once per session (the rules, then the classifier, which trains on first use)."""
        return detect_kind(self.doc).kind


_sessions: dict[tuple[str, str], InvestigateContext] = {}
_sessions_lock = threading.Lock()


def investigate_context_of(runtime: Runtime, state: dict) -> InvestigateContext:
    """The session's live context: as passed in-process, or, from a server's plain settings, the paper named in the input."""
    ctx = runtime.context
    if isinstance(ctx, InvestigateContext):
        return ctx
    name = requested_paper(state)
    base = context_from_settings(ctx)
    key = (id(base), name)
    with _sessions_lock:
        if key not in _sessions:
            doc = load_paper(name, base.source, base.papers)
            _sessions[key] = InvestigateContext(llm=base.llm, prompts=base.prompts, doc=doc, reader=base.profile.reader)
        return _sessions[key]


INPUT_EXAMPLE = '{"question": "Which datasets are used?", "paper": {"source": "2002.08909v1"}}'


def requested_paper(state: dict) -> str:
    """The paper an investigate input names (an arXiv id or a PDF path); a one-line error says what the input lacks."""
    paper = state.get("paper")
    if isinstance(paper, str):
        paper = {"source": paper}
    name = str(paper.get("source") or paper.get("arxiv_id") or "").strip() if isinstance(paper, dict) else ""
    if not name:
        raise ConfigError(f"the investigate input names no paper: give \"paper\" with a \"source\" (an arXiv id or a PDF path), "
                          f"e.g. {INPUT_EXAMPLE}")
    if not str(state.get("question") or "").strip():
        raise ConfigError(f"the investigate input has no \"question\", e.g. {INPUT_EXAMPLE}")
    return name


def _paper_id(state: dict) -> str | None:
    paper = state.get("paper")
    return paper.get("arxiv_id") if isinstance(paper, dict) else None


def question_language(question: str) -> str:
    return "zh" if _CJK.search(question) else "en"


def _not_found_text(language: str, looked_at: list[str], terms: list[str]) -> str:
    where = "、".join(looked_at) if looked_at else "全文"
    if language == "zh":
        return f"{NOT_FOUND}与该问题直接相关的内容。查阅了：{where}" + (f"；检索词：{'、'.join(terms)}。" if terms else "。")
    return f"{NOT_FOUND} (not found in the paper). Looked at: {', '.join(looked_at) or 'the whole paper'}" + (f"; search terms: {', '.join(terms)}." if terms else ".")


# --- offline: retrieval -------------------------------------------------------------------------

MIN_COVERAGE = 0.5  # share of the question's terms the best paragraph must contain
_FILLER_TERMS = {"paper", "work", "study", "article", "author"}


def _excerpt_turn(doc: PaperDocument, question: str, citations: list[Citation], looked_at: list[str]) -> Turn:
    language = question_language(question)
    head = ("以下是论文中与问题最相关的原文句子（检索摘录，未经模型总结）：" if language == "zh"
            else "The sentences of the paper that best answer the question (excerpts, not a summary):")
    lines = [head]
    for i, c in enumerate(citations, 1):
        section = doc.section(c.section_id)
        link = f" {c.url}" if c.url else ""  # opens the paper at the quote
        lines.append(f"{i}. “{c.quote}”{citation_label(section, c.page, language)}{link}")
    return Turn(question=question, answer="\n".join(lines), found=True, verified=True, mode="retrieval",
                citations=citations, looked_at=looked_at)


def _typed_turn(doc: PaperDocument, question: str, route) -> Turn | None:
    """The sentences that answer the question's kind; a limitations topic sentence brings the list after it."""
    picks = typed_evidence(doc, route)
    if not picks:
        return None
    citations = [doc.with_url(sentence_citation(c.section, c.para, with_listed_limitations(c) if c.role == "limitation" else [c.sentence]))
                 for c in picks]
    return _excerpt_turn(doc, question, citations, list(dict.fromkeys(c.section_id for c in citations)))


_EXPERIMENT_TYPES = {"setup", "results", "datasets", "baselines"}


def _review_without_experiments(doc: PaperDocument, kind_of: Callable[[], str]) -> bool:
    """A review with no experiments section: its "significant" and "results" are other papers', not an answer about its own."""
    return "experiments" not in set(section_types(doc).values()) and kind_of() == "survey"


def retrieval_turn(doc: PaperDocument, question: str, index: PaperIndex | None = None,
                   kind_of: Callable[[], str] | None = None) -> Turn:
    """Whole sentences that answer the question, or 论文中未找到.

    The question is routed by type first: a generic one ("What problem does this
    paper address?") is answered by the sentences whose role answers it, from the
    sections such answers stand in; a specific one is searched there first.
    `kind_of` gives the paper's kind when a question needs it (a session passes its
    once-decided kind; alone, the kind is detected here).
    """
    language = question_language(question)
    route = route_question(question)
    kind_of = kind_of or cache(lambda: detect_kind(doc).kind)  # detected at most once per question
    if route.types and set(route.types) <= _EXPERIMENT_TYPES and _review_without_experiments(doc, kind_of):
        note = "（这是一篇综述，没有自己的实验。）" if language == "zh" else " (This is a review: it reports no experiments of its own.)"
        return Turn(question=question, answer=_not_found_text(language, [], []) + note, found=False, verified=True, mode="retrieval")
    if route.types and route.types[0] in ("theorem", "results") and (route.generic or route.types[0] == "theorem") and kind_of() == "theory":
        # A theory paper's results are its theorems: its 主要结果, as the report gives them.
        results = [doc.with_url(n.citation) for n in role_notes(doc, kind="theory") if n.part == "contributions"]
        if results:
            return _excerpt_turn(doc, question, results, list(dict.fromkeys(c.section_id for c in results)))
    if route.generic and (typed := _typed_turn(doc, question, route)):
        return typed
    index = index or PaperIndex(doc)
    groups = term_groups(question)
    if route.generic:  # "这篇论文有哪些局限？": "this paper" says which text is asked about, not what to find in it
        groups = [g for g in groups if not g <= _FILLER_TERMS] or groups
    terms = [min(g) for g in groups]

    def covers(found: list) -> bool:
        return bool(found and groups) and sum(1 for g in groups if g & set(tokenize(found[0].text))) / len(groups) >= MIN_COVERAGE

    routed = index.search(question, k=3, sections=routed_sections(doc, route)).hits if route.types else []
    hits = routed or index.search(question, k=3).hits
    looked_at = list(dict.fromkeys(h.section_id for h in hits))
    covered = covers(hits)
    if not covered and route.types and (typed := _typed_turn(doc, question, route)):
        return typed  # the question's kind is clear, its other words did not match: answer the kind from where it stands
    if not covered and routed:
        # Neither where answers of this type stand nor the type's own sentences answer: the question's words may still
        # be answered elsewhere ("How much did fixing the prompts change Pass@1?" in a results paragraph of §IV.C).
        anywhere = index.search(question, k=3).hits
        looked_at = list(dict.fromkeys([*looked_at, *(h.section_id for h in anywhere)]))
        if covers(anywhere):
            hits, covered = anywhere, True
    if not covered:  # also when nothing was hit or the question has no terms to look for
        return Turn(question=question, answer=_not_found_text(language, looked_at, terms), found=False, verified=True, mode="retrieval", looked_at=looked_at)
    return _excerpt_turn(doc, question, [doc.with_url(h.citation) for h in hits], looked_at)


# --- nodes ------------------------------------------------------------------------------------------


def start_question(state: InvestigateState, runtime: Runtime[InvestigateContext]) -> dict:
    """Reset the tool loop for a new question; offline, answer right away."""
    ctx = investigate_context_of(runtime, state)
    question = state["question"].strip()
    reset = [RemoveMessage(id=REMOVE_ALL_MESSAGES)]
    if ctx.llm.is_offline("reader"):
        return {"messages": reset, "turns": [retrieval_turn(ctx.doc, question, ctx.index, kind_of=lambda: ctx.kind)]}
    history = [{"question": t.question, "answer": t.answer} for t in state.get("turns", [])[-HISTORY_TURNS:]]
    system = ctx.prompts.render(
        "investigate", phase="system", paper={"title": ctx.doc.title, "arxiv_id": _paper_id(state), "abstract": ctx.doc.abstract},
        question=question, language=question_language(question), history=history,
    )
    listing = render_listing(ctx.index.list_sections())
    route = route_question(question)
    suggested = [f"{s.id} {s.title}" for s in ctx.doc.sections if s.id in routed_sections(ctx.doc, route)][:8] if route.types else []
    opening = ctx.prompts.render("investigate", phase="opening", listing=listing, question=question, suggested=suggested)
    return {"messages": [*reset, SystemMessage(system), HumanMessage(opening)], "reading": ReadingStats()}


def investigate_step(state: InvestigateState, runtime: Runtime[InvestigateContext]) -> dict:
    ctx = investigate_context_of(runtime, state)
    return model_turn(ctx.llm, "reader", ctx.index, state["messages"], state["reading"], _paper_id(state))


def investigate_tools(state: InvestigateState, runtime: Runtime[InvestigateContext]) -> dict:
    ctx = investigate_context_of(runtime, state)
    replies, stats = run_tool_calls(ctx.index, state["messages"][-1], state["reading"], ctx.reader)
    return {"messages": replies, "reading": stats}


def compose_answer(state: InvestigateState, runtime: Runtime[InvestigateContext]) -> dict:
    """The model's answer, with each quote checked against the paper."""
    ctx = investigate_context_of(runtime, state)
    question = state["question"].strip()
    language = question_language(question)
    instruction = ctx.prompts.render("investigate", phase="answer")
    messages = closed_conversation(state["messages"]) + [HumanMessage(instruction)]
    answer, failed = call_structured(ctx.llm, "reader", Answer, messages, paper=_paper_id(state))
    if failed:
        text = (f"模型调用失败（{failed['error']}）。可以重试，或用 /find 直接检索原文。" if language == "zh"
                else f"The model call failed ({failed['error']}). Try again, or use /find to search the paper.")
        return {"turns": [Turn(question=question, answer=text, found=False, verified=False, mode="error")], "degraded": [failed]}
    citations, rejected = [], []
    for c in answer.citations:
        located = locate_evidence(ctx.doc, c.section_id, c.quote)
        if located is None:
            rejected.append(c)
        elif located not in citations:
            citations.append(located)
    looked_at = list(dict.fromkeys([*answer.looked_at, *(c.section_id for c in citations)]))
    if not answer.found:
        text = answer.answer if answer.answer.startswith(NOT_FOUND) else _not_found_text(language, looked_at, [])
        return {"turns": [Turn(question=question, answer=text, found=False, verified=True, mode="model", looked_at=looked_at)]}
    text = answer.answer
    dropped = len(rejected)
    verified = bool(citations) and dropped == 0
    if not citations:
        text += "\n（注意：回答中的引用未能在论文中逐字核验，请谨慎参考。）" if language == "zh" else "\n(Note: none of the answer's quotes could be found in the paper.)"
    elif dropped:
        text += f"\n（{dropped} 条引用未能在论文中核验，已删除。）" if language == "zh" else f"\n({dropped} unverifiable quote(s) removed.)"
    return {"turns": [Turn(question=question, answer=text, found=True, verified=verified, mode="model",
                           citations=citations, looked_at=looked_at, dropped_citations=dropped, rejected=rejected)]}
