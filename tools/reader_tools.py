"""Reader tools over a parsed paper. Every result carries typed citations.

The plain functions serve the offline reader, the CLI and the investigate
session; `make_reader_tools` wraps them as LangChain tools whose artifact is the
typed result, so nothing downstream parses prose to check a citation.
"""

from __future__ import annotations

import re
import threading
from functools import cached_property

from langchain_core.tools import BaseTool, StructuredTool, ToolException
from pydantic import BaseModel, Field

from tools.errors import PaperError
from tools.evidence import MAX_QUOTE_SENTENCES, sentence_citation
from tools.paper_model import Citation, PaperDocument, Section
from tools.search_index import BM25, tokenize
from tools.tokens import count_tokens, truncate_to_tokens


class UnknownSection(PaperError):
    pass


class Evidence(BaseModel):
    section_id: str
    section_title: str
    page: int
    text: str
    kind: str = "text"
    score: float | None = None
    citation: Citation


class SectionSummary(BaseModel):
    id: str
    title: str
    level: int
    page_start: int
    page_end: int
    tokens: int


class SectionListing(BaseModel):
    title: str
    sections: list[SectionSummary]


class SectionText(BaseModel):
    section_id: str
    title: str
    text: str
    truncated: bool
    tokens: int
    citations: list[Citation]


class SearchResult(BaseModel):
    query: str
    hits: list[Evidence]


class CaptionResult(BaseModel):
    label: str
    evidence: Evidence | None
    available: list[str]


class PaperIndex:
    """A parsed paper with its search index, shared by all tools of one reader."""

    def __init__(self, doc: PaperDocument):
        self.doc = doc

    @cached_property
    def _entries(self):
        return [(s, p) for s, p in self.doc.paragraphs() if s.kind not in ("front", "contents")]

    @cached_property
    def _bm25(self) -> BM25:
        return BM25([p.text for _, p in self._entries])

    def list_sections(self) -> SectionListing:
        return SectionListing(
            title=self.doc.title,
            sections=[
                SectionSummary(
                    id=s.id, title=s.title, level=s.level, page_start=s.page_start, page_end=s.page_end,
                    tokens=count_tokens(s.text()),
                )
                for s in self.doc.sections
            ],
        )

    def section(self, section_id: str) -> Section:
        section = self.doc.section(section_id)
        if section is None:
            known = ", ".join(s.id for s in self.doc.sections)
            raise UnknownSection(f"no section {section_id!r} in this paper; sections are: {known}")
        return section

    def read_section(self, section_id: str, max_tokens: int = 1500) -> SectionText:
        """A section's text within a token budget; its citations are whole quotable sentences of what was shown."""
        section = self.section(section_id)
        parts: list[str] = []
        citations: list[Citation] = []
        used = 0
        truncated = False
        for p in section.paragraphs:
            cost = count_tokens(p.text)
            if used + cost > max_tokens:
                remaining = max_tokens - used
                if remaining > 30:
                    head, _ = truncate_to_tokens(p.text, remaining)
                    head = head[: head.rfind(" ")] if " " in head else head  # whole words only
                    parts.append(head + " …")
                    shown = [t for t in p.sentences if t.evidence and t.text in head]
                    if shown:
                        citations.append(sentence_citation(section, p, shown[:1]))
                truncated = True
                break
            parts.append(p.text)
            quotable = [t for t in p.sentences if t.evidence]
            if quotable:
                citations.append(sentence_citation(section, p, quotable[:1]))
            used += cost
        text = "\n\n".join(parts)
        return SectionText(
            section_id=section.id, title=section.title, text=text, truncated=truncated,
            tokens=count_tokens(text), citations=citations,
        )

    def search(self, query: str, k: int = 5, sections: set[str] | None = None) -> SearchResult:
        """The best paragraphs for `query` (optionally only in `sections`), each cited by its best quotable sentence.

        A paragraph with no quotable sentence (a table, a contents page, figure text) is not a hit.
        """
        k = max(1, min(k, 20))
        terms = set(tokenize(query))
        hits = []
        for hit in self._bm25.search(query, k=len(self._entries)):
            section, para = self._entries[hit.index]
            if sections is not None and section.id not in sections:
                continue
            quotable = [t for t in para.sentences if t.evidence]
            if not quotable:
                continue
            best = max(quotable, key=lambda t: (len(terms & set(tokenize(t.text))), -quotable.index(t)))
            hits.append(
                Evidence(
                    section_id=section.id, section_title=section.title, page=best.page, text=para.text,
                    kind=para.kind, score=round(hit.score, 3), citation=sentence_citation(section, para, [best]),
                )
            )
            if len(hits) >= k:
                break
        return SearchResult(query=query, hits=hits)

    def caption(self, label: str) -> CaptionResult:
        wanted = normalize_caption_label(label)
        captions = self.doc.captions()
        for section, para in captions:
            if para.label and para.label.lower() == wanted.lower() and para.sentences:
                return CaptionResult(
                    label=para.label,
                    evidence=Evidence(
                        section_id=section.id, section_title=section.title, page=para.page, text=para.text, kind="caption",
                        citation=sentence_citation(section, para, para.sentences[:MAX_QUOTE_SENTENCES]),
                    ),
                    available=[],
                )
        return CaptionResult(label=wanted, evidence=None, available=[p.label for _, p in captions if p.label])


def normalize_caption_label(label: str) -> str:
    """"fig. 3", "Figure 3", "图3", "3" -> "Figure 3"; "表 2", "tab 2" -> "Table 2"."""
    text = label.strip()
    m = re.match(r"^(figure|fig\.?|图|table|tab\.?|表|algorithm|算法)?\s*([A-Z]?\d+(?:\.\d+)?|[IVX]+)$", text, re.I)
    if not m:
        return text
    kind = (m.group(1) or "figure").lower().rstrip(".")
    name = {"fig": "Figure", "figure": "Figure", "图": "Figure", "table": "Table", "tab": "Table", "表": "Table"}.get(kind, "Algorithm")
    return f"{name} {m.group(2)}"


# --- text shown to a model ---------------------------------------------------------------


def cite_tag(c: Citation) -> str:
    return f"[§{c.section_id}, p.{c.page}]" if c.page else f"[§{c.section_id}]"  # an HTML page has no pages


def render_listing(listing: SectionListing) -> str:
    lines = [f"Paper: {listing.title}", "Sections (id | title | pages | tokens):"]
    for s in listing.sections:
        lines.append(f"{'  ' * (s.level - 1)}{s.id} | {s.title} | p.{s.page_start}-{s.page_end} | {s.tokens}")
    return "\n".join(lines)


def render_section(result: SectionText) -> str:
    head = f"Section {result.section_id} {result.title} {cite_tag(result.citations[0]) if result.citations else ''}".strip()
    tail = "\n[truncated: ask for fewer sections or search instead]" if result.truncated else ""
    return f"{head}\n{result.text}{tail}"


def render_evidence(ev: Evidence) -> str:
    return f"{cite_tag(ev.citation)} ({ev.section_title}) {ev.text}"


def render_search(result: SearchResult) -> str:
    if not result.hits:
        return f"No paragraph matches {result.query!r}."
    return "\n\n".join(render_evidence(h) for h in result.hits)


def render_caption(result: CaptionResult) -> str:
    if result.evidence is None:
        return f"No caption {result.label!r}. Captions in this paper: {', '.join(result.available) or 'none'}."
    return render_evidence(result.evidence)


# --- LangChain tools -------------------------------------------------------------------------


class TokenBudget:
    """Tokens of paper text a reader may still pull; shared by its tools."""

    def __init__(self, total: int):
        self.total = total
        self.used = 0
        self._lock = threading.Lock()

    @property
    def remaining(self) -> int:
        return max(0, self.total - self.used)

    @property
    def exhausted(self) -> bool:
        return self.remaining <= 0

    def spend(self, tokens: int) -> None:
        with self._lock:
            self.used += tokens


class ListSectionsArgs(BaseModel):
    pass


class ReadSectionArgs(BaseModel):
    section_id: str = Field(description="the paper's own section id, e.g. '3', '3.1', 'A.2', 'abstract'")
    max_tokens: int = Field(default=1500, ge=100, le=6000, description="longest text to return")


class SearchPaperArgs(BaseModel):
    query: str = Field(min_length=2, description="English keywords to look for in the paper")
    k: int = Field(default=5, ge=1, le=10, description="how many paragraphs to return")


class GetCaptionArgs(BaseModel):
    label: str = Field(description="figure or table, e.g. 'Figure 3', 'Table 2', 'Fig. 1'")


def make_reader_tools(index: PaperIndex, budget: TokenBudget | None = None) -> list[BaseTool]:
    """The four section tools, each returning (text for the model, typed result)."""

    def charge(text: str) -> None:
        if budget is not None:
            if budget.exhausted:
                raise ToolException("The token budget for this paper is spent. Write your notes now.")
            budget.spend(count_tokens(text))

    def list_sections() -> tuple[str, SectionListing]:
        result = index.list_sections()
        text = render_listing(result)
        charge(text)
        return text, result

    def read_section(section_id: str, max_tokens: int = 1500) -> tuple[str, SectionText]:
        if budget is not None:
            max_tokens = max(100, min(max_tokens, budget.remaining))
        try:
            result = index.read_section(section_id, max_tokens)
        except UnknownSection as exc:
            raise ToolException(str(exc)) from None
        text = render_section(result)
        charge(text)
        return text, result

    def search_paper(query: str, k: int = 5) -> tuple[str, SearchResult]:
        result = index.search(query, k)
        text = render_search(result)
        charge(text)
        return text, result

    def get_caption(label: str) -> tuple[str, CaptionResult]:
        result = index.caption(label)
        text = render_caption(result)
        charge(text)
        return text, result

    specs = [
        (list_sections, ListSectionsArgs, "List the paper's sections: id, title, pages and size in tokens."),
        (read_section, ReadSectionArgs, "Read one section by its id. Text comes with its citation [§id, p.N]."),
        (search_paper, SearchPaperArgs, "Search the paper's paragraphs (BM25) and return the best ones with citations."),
        (get_caption, GetCaptionArgs, "Read a figure or table caption by its number, with its citation."),
    ]
    return [
        StructuredTool.from_function(
            func=fn, name=fn.__name__, description=desc, args_schema=schema,
            response_format="content_and_artifact", handle_tool_error=True,
        )
        for fn, schema, desc in specs
    ]
