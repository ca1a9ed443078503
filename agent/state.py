"""Typed state of the monitoring graph and the records its agents exchange."""

from __future__ import annotations

import operator
from typing import Annotated, Literal

from langchain_core.messages import AnyMessage
from langgraph.graph.message import add_messages
from pydantic import BaseModel, Field
from typing_extensions import TypedDict

from agent.config import Keyword
from tools.feeds import PaperMeta
from tools.ledger import UpdateEntry
from tools.paper_model import Citation

PartKey = Literal["summary", "motivation", "contributions", "method", "experiments", "future"]
PART_KEYS: tuple[str, ...] = ("summary", "motivation", "contributions", "method", "experiments", "future")
PART_TITLES: dict[str, dict[str, str]] = {
    "zh": {
        "summary": "论文概要", "motivation": "研究动机", "contributions": "核心贡献与创新点",
        "method": "方法概述", "experiments": "实验说明", "future": "改进建议和未来研究方向",
    },
    "en": {
        "summary": "Summary", "motivation": "Motivation", "contributions": "Contributions and novelty",
        "method": "Method", "experiments": "Experiments", "future": "Limitations and future directions",
    },
}
# What a reader looks for in each part, as English search words (papers are in English).
PART_QUERIES: dict[str, str] = {
    "summary": "we propose introduce present paper approach",
    "motivation": "challenge problem limitation existing however motivation difficult",
    "contributions": "contribution propose novel first introduce we show",
    "method": "method model architecture framework algorithm training objective",
    "experiments": "experiments results dataset benchmark evaluation outperform accuracy baseline",
    "future": "limitation limitations future work drawback fail restricted",
}


def bounded(*, max_length: int | None = None, max_items: int | None = None, item_length: int | None = None, **kwargs):
    """A field whose JSON schema carries length bounds, without validating them.

    Grammar-constrained servers (llama.cpp) turn the bounds into a grammar, so a
    weak model's answer always closes within the token limit; a strong model that
    writes a little more is not rejected for it.
    """
    extra: dict = {}
    if max_length is not None:
        extra["maxLength"] = max_length
    if max_items is not None:
        extra["maxItems"] = max_items
    if item_length is not None:
        extra["items"] = {"type": "string", "maxLength": item_length}
    return Field(json_schema_extra=extra, **kwargs)


# --- relevance ------------------------------------------------------------------------


class RelevanceVerdict(BaseModel):
    arxiv_id: str  # with version
    score: float = Field(ge=0, le=10)
    relevant: bool
    matched_topics: list[str] = Field(default_factory=list)
    reason: str
    stage: Literal["lexical", "semantic", "llm", "limit", "user"] = "lexical"  # user: a paper the user chose (investigate)


class Excluded(BaseModel):
    paper: PaperMeta
    verdict: RelevanceVerdict


# --- reading ------------------------------------------------------------------------------


class Note(BaseModel):
    """One piece of evidence a reader kept, with where it stands in the paper."""

    id: str  # "E1", "E2", ... within one paper
    part: PartKey
    text: str
    citation: Citation


PaperKind = Literal["method", "survey", "dataset", "theory", "position", "system", "other"]


class KindVerdict(BaseModel):
    """What kind of paper this is, with the evidence for it (agent/reading/paper_kind.py); `papers[].kind` in the JSON."""

    kind: PaperKind = Field("method", description="method, survey, dataset, theory, position, system or other")
    evidence: list[str] = bounded(max_items=4, item_length=200, default_factory=list, description="short reasons: words of the title, abstract or section titles that show the kind")
    decided_by: Literal["rules", "classifier", "model"] = "rules"


# --- writing and checking -------------------------------------------------------------------


class CitedText(BaseModel):
    text: str = bounded(max_length=600, description="prose in the report language, with citation markers such as (见第3.1节, 第4页)")
    evidence: list[str] = bounded(max_items=6, item_length=8, default_factory=list, description="ids of the notes (E1, E2, ...) that back this text")
    absent: bool = Field(False, description="true only when no note fits this part: the text says so and cites nothing")


class FuturePart(BaseModel):
    author_limitations: list[CitedText] = bounded(max_items=3, default_factory=list, description="limitations the authors state, each cited (not future work)")
    author_future_work: list[CitedText] = bounded(max_items=3, default_factory=list, description="future work the authors state, each cited")
    inferred_limitations: list[str] = bounded(max_items=3, item_length=200, default_factory=list, description="limitations you infer; labelled as inferred in the report")
    suggestions: list[str] = bounded(max_items=3, item_length=200, default_factory=list, description="concrete improvements and future directions")


class PaperAnalysis(BaseModel):
    summary: CitedText
    motivation: CitedText
    contributions: list[CitedText] = bounded(max_items=4, min_length=1)
    method: CitedText
    experiments: CitedText
    future: FuturePart

    def cited_texts(self) -> list[tuple[str, CitedText]]:
        out: list[tuple[str, CitedText]] = [("summary", self.summary), ("motivation", self.motivation)]
        out += [("contributions", c) for c in self.contributions]
        out += [("method", self.method), ("experiments", self.experiments)]
        out += [("future", c) for c in self.future.author_limitations]
        out += [("future", c) for c in self.future.author_future_work]
        return out


class Finding(BaseModel):
    part: str
    code: Literal[
        "structure", "missing_evidence", "bad_citation", "quote_not_found", "not_evidence", "number_not_in_paper", "not_chinese", "length",
        "unsupported",
    ]
    message: str


class ClaimVerdict(BaseModel):
    """The critic's verdict on one claim of the analysis against the evidence it cites."""

    claim: str  # "C3": the third cited text of the analysis, in PaperAnalysis.cited_texts() order
    part: str = ""
    verdict: Literal["supported", "partial", "unsupported"]
    reason: str = ""
    removed: bool = False  # still unsupported after the last revision, so taken out of the report


class CheckReport(BaseModel):
    findings: list[Finding] = Field(default_factory=list)
    critic_used: bool = False
    verdicts: list[ClaimVerdict] = Field(default_factory=list)

    @property
    def passed(self) -> bool:
        return not self.findings


class ReadingStats(BaseModel):
    tool_calls: int = 0
    tokens_read: int = 0
    full_text_tokens: int = 0
    stop_reason: str = ""
    notes_dropped: int = 0
    read_from: str = ""  # "arxiv-html", "ar5iv" or "pdf": the source the paper was read from


class PaperResult(BaseModel):
    paper: PaperMeta
    verdict: RelevanceVerdict
    status: Literal["written", "failed"]
    title: str = ""
    abstract: str = ""
    analysis: PaperAnalysis | None = None  # as reported: failing citations removed
    draft: PaperAnalysis | None = None  # the writer's last draft, before anything was removed
    notes: list[Note] = Field(default_factory=list)
    check: CheckReport | None = None
    revisions: int = 0
    unresolved: list[Finding] = Field(default_factory=list)
    failure: str | None = None
    pdf_fetched: bool = True
    reading: ReadingStats = Field(default_factory=ReadingStats)
    degraded: list[dict] = Field(default_factory=list)  # model calls that failed and fell back
    writer_mode: Literal["model", "excerpts"] = "model"  # excerpts: quoted sentences under the headings, no model prose
    kind: KindVerdict = Field(default_factory=KindVerdict)


# --- graph state ------------------------------------------------------------------------------


class MonitorInput(TypedDict, total=False):
    day: str  # YYYY-MM-DD; empty means the latest recorded day (offline) or today (online)
    judge_only: bool  # stop after judging: the report lists the verdicts, no PDF is fetched


class MonitorState(MonitorInput, total=False):
    started_at: str
    keywords: list[Keyword]
    announced: dict
    candidates: list[PaperMeta]
    updates: list[UpdateEntry]
    skipped: dict[str, list[str]]
    verdicts: list[RelevanceVerdict]
    selected: list[PaperMeta]
    excluded: list[Excluded]
    near_misses: list[Excluded]  # the best-scoring papers not selected (差点入选)
    near_miss_details: dict[str, dict]  # per near miss: similarity to the nearest library paper, place by the semantic model
    semantic: dict  # what the semantic stage learned from (library, feedback, background, threshold)
    results: Annotated[list[PaperResult], operator.add]
    degraded: Annotated[list[dict], operator.add]
    report: dict


class PaperInput(TypedDict):
    paper: PaperMeta
    verdict: RelevanceVerdict


class PaperState(PaperInput, total=False):
    messages: Annotated[list[AnyMessage], add_messages]
    reading: ReadingStats
    notes: list[Note]
    analysis: PaperAnalysis
    check: CheckReport
    revisions: int
    writer_mode: Literal["model", "excerpts"]
    kind: KindVerdict
    failure: str
    pdf_fetched: bool  # with a failure: the PDF arrived but could not be parsed
    degraded: Annotated[list[dict], operator.add]
    results: list[PaperResult]


class PaperOutput(TypedDict):
    results: list[PaperResult]
