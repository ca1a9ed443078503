"""The paper document: the paper's own section tree, paragraphs, captions and citations."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Literal

from pydantic import BaseModel, Field

SectionKind = Literal["front", "abstract", "body", "acknowledgments", "references", "appendix"]
ParagraphKind = Literal["text", "caption", "reference", "footnote"]

_WS = re.compile(r"\s+")


def normalize_space(text: str) -> str:
    return _WS.sub(" ", text).strip()


class Citation(BaseModel):
    """Where a piece of evidence stands: the paper's section id, the page (1-based) and the exact words."""

    section_id: str
    page: int = Field(ge=1)
    quote: str

    def label(self, language: str = "zh") -> str:
        if language == "zh":
            return f"见第{self.section_id}节, 第{self.page}页"
        return f"see Section {self.section_id}, p. {self.page}"


class Paragraph(BaseModel):
    text: str
    page: int = Field(ge=1)
    kind: ParagraphKind = "text"
    label: str | None = None  # "Figure 3", "Table 2" for captions


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
    paragraphs: list[Paragraph] = Field(default_factory=list)

    def text(self) -> str:
        return "\n\n".join(p.text for p in self.paragraphs)

    @property
    def heading(self) -> str:
        """The heading as the paper prints it, number included."""
        return f"{self.number or self.id} {self.title}" if self.numbered else self.title


class PaperDocument(BaseModel):
    source: str
    arxiv_id: str | None = None  # with version, e.g. "2002.08909v1"
    title: str
    abstract: str = ""
    page_count: int
    structure_source: Literal["outline", "layout"]
    sections: list[Section]  # document order; "front" first when present
    page_text: list[str] = Field(default_factory=list, repr=False)

    def section(self, section_id: str) -> Section | None:
        wanted = section_id.strip().rstrip(".")
        for s in self.sections:
            if s.id == wanted:
                return s
        lowered = wanted.lower()
        return next((s for s in self.sections if s.id.lower() == lowered), None)

    def headings(self) -> list[Section]:
        """The sections that are headings of the paper (front matter excluded)."""
        return [s for s in self.sections if s.kind != "front"]

    def paragraphs(self, *, include_references: bool = False) -> Iterator[tuple[Section, Paragraph]]:
        """Paragraphs in reading order; references and footnotes only when asked for."""
        for s in self.sections:
            if s.kind == "references" and not include_references:
                continue
            for p in s.paragraphs:
                if p.kind == "footnote" and not include_references:
                    continue
                yield s, p

    def captions(self) -> list[tuple[Section, Paragraph]]:
        return [(s, p) for s, p in self.paragraphs() if p.kind == "caption"]

    def full_text(self) -> str:
        """Everything extracted from every page, tables and figure labels included."""
        return "\n".join(self.page_text)
