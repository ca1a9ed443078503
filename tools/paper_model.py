"""The paper document: the paper's own section tree, paragraphs, captions and citations."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Literal

from pydantic import BaseModel, Field, PrivateAttr

SectionKind = Literal["front", "abstract", "body", "acknowledgments", "references", "appendix", "contents"]
ParagraphKind = Literal["text", "caption", "reference", "footnote"]

_WS = re.compile(r"\s+")


def normalize_space(text: str) -> str:
    return _WS.sub(" ", text).strip()


class Citation(BaseModel):
    """Where a piece of evidence stands: the paper's section id, the page (1-based; None for an HTML page, which has none) and the exact words.

    `sentence_ids` name the whole sentences the quote is made of (ids given at parse
    time); `kind` is "caption" when the quote is a figure or table caption, with its label.
    """

    section_id: str
    page: int | None = Field(ge=1)
    quote: str
    sentence_ids: list[str] = Field(default_factory=list)
    kind: Literal["text", "caption"] = "text"
    label: str | None = None  # "Figure 3" / "Table 2" for captions
    # Where the quote stands in an HTML page (the paragraph's id, "S3.SS2.p4"); None for a PDF.
    anchor: str | None = None
    # A link that opens at the quote: the HTML paragraph, or the PDF page (see `PaperDocument.citation_url`).
    url: str | None = None


class Sentence(BaseModel):
    """One sentence of a paragraph: a stable id (S1, S2, ... in reading order), its page, and whether it is quotable evidence."""

    id: str
    text: str
    page: int = Field(ge=1)
    evidence: bool = True
    why_not: str | None = None  # when not evidence: "contents line", "starts mid-sentence", ...


class Paragraph(BaseModel):
    text: str
    page: int = Field(ge=1)
    kind: ParagraphKind = "text"
    label: str | None = None  # "Figure 3", "Table 2" for captions
    # A paragraph continued on the next page or column: [offset in text, page] where each later page starts.
    page_marks: list[tuple[int, int]] = Field(default_factory=list)
    anchor: str | None = None  # the element id in the paper's HTML ("S3.SS2.p4", "S4.F8", "bib.bib12")
    # A run-in paragraph head printed at the start of the paragraph ("Reward Design"): kept out of its sentences.
    head: str | None = None
    # While a PDF is parsed: (start, end) of superscript citation numbers in `text`, left out of the sentences.
    _superscripts: list[tuple[int, int]] = PrivateAttr(default_factory=list)
    sentences: list[Sentence] = Field(default_factory=list)

    def page_at(self, offset: int) -> int:
        page = self.page
        for start, p in self.page_marks:
            if offset >= start:
                page = p
        return page


class Section(BaseModel):
    id: str
    title: str
    level: int = Field(ge=1)
    page_start: int = Field(ge=1)
    page_end: int = Field(ge=1)
    parent_id: str | None = None
    kind: SectionKind = "body"
    numbered: bool = False
    number: str | None = None  # as printed: "A" for section "II.A"
    # True when the paper prints no heading here (an abstract found by layout).
    synthetic: bool = False
    anchor: str | None = None  # the section element's id in the paper's HTML ("S3.SS2")
    paragraphs: list[Paragraph] = Field(default_factory=list)

    def text(self) -> str:
        return "\n\n".join(p.text for p in self.paragraphs)

    @property
    def heading(self) -> str:
        """The heading as the paper prints it, number included."""
        return f"{self.number or self.id} {self.title}" if self.numbered else self.title


class Table(BaseModel):
    """A table as rows of cell texts (HTML only: a PDF's tables stay in `page_text`)."""

    section_id: str
    anchor: str | None = None
    label: str | None = None  # "Table 2"
    rows: list[list[str]] = Field(default_factory=list)


SourceKind = Literal["pdf", "arxiv-html", "ar5iv"]
_LINK_BASE = {"arxiv-html": "https://arxiv.org/html/{}", "ar5iv": "https://ar5iv.labs.arxiv.org/html/{}", "pdf": "https://arxiv.org/pdf/{}"}


class PaperDocument(BaseModel):
    source: str  # the file that was parsed
    arxiv_id: str | None = None  # with version, e.g. "2002.08909v1"
    title: str
    abstract: str = ""
    page_count: int
    structure_source: Literal["outline", "layout", "html"]
    sections: list[Section]  # document order; "front" first when present
    page_text: list[str] = Field(default_factory=list, repr=False)
    # What the paper was read from: arXiv's HTML, ar5iv's HTML, or the PDF. An HTML page has one "page".
    source_kind: SourceKind = "pdf"
    tables: list[Table] = Field(default_factory=list, repr=False)
    # The parsed bytes and the parser that read them; a cached parse is used only while this still matches.
    content_key: str | None = None

    def citation_url(self, citation: Citation) -> str | None:
        """Where a reader opens the quote: the HTML paragraph (#S3.SS2.p4), else the PDF page (#page=4); None without an arXiv id."""
        if not self.arxiv_id:
            return None
        base = _LINK_BASE[self.source_kind].format(self.arxiv_id if self.source_kind != "ar5iv" else re.sub(r"v\d+$", "", self.arxiv_id))
        if self.source_kind == "pdf":
            return f"{base}#page={citation.page}"
        return f"{base}#{citation.anchor}" if citation.anchor else base

    def with_url(self, citation: Citation) -> Citation:
        return citation if citation.url else citation.model_copy(update={"url": self.citation_url(citation)})

    def section(self, section_id: str) -> Section | None:
        wanted = section_id.strip().rstrip(".")
        for s in self.sections:
            if s.id == wanted:
                return s
        lowered = wanted.lower()
        return next((s for s in self.sections if s.id.lower() == lowered), None)

    def headings(self) -> list[Section]:
        """The sections that are headings of the paper (front matter excluded)."""
        return [s for s in self.sections if s.kind not in ("front", "contents")]

    def paragraphs(self, *, include_references: bool = False) -> Iterator[tuple[Section, Paragraph]]:
        """Paragraphs in reading order; references and footnotes only when asked for."""
        for s in self.sections:
            if s.kind == "references" and not include_references:
                continue
            for p in s.paragraphs:
                if p.kind == "footnote" and not include_references:
                    continue
                yield s, p

    def sentences(self) -> Iterator[tuple[Section, Paragraph, Sentence]]:
        """Every sentence with an id, in reading order (reference entries included, never as evidence)."""
        for s in self.sections:
            for p in s.paragraphs:
                for sent in p.sentences:
                    yield s, p, sent

    def evidence_sentences(self) -> Iterator[tuple[Section, Paragraph, Sentence]]:
        """The sentences a report may quote: whole sentences of body text (captions only as captions)."""
        return ((s, p, t) for s, p, t in self.sentences() if t.evidence)

    def captions(self) -> list[tuple[Section, Paragraph]]:
        return [(s, p) for s, p in self.paragraphs() if p.kind == "caption"]

    def full_text(self) -> str:
        """Everything extracted from every page, tables and figure labels included."""
        return "\n".join(self.page_text)
