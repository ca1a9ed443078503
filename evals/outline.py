"""How well layout-detected headings reproduce a PDF's own outline (bookmarks)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pymupdf

from tools.headings import _outline_entries, normalize_title
from tools.paper_model import PaperDocument
from tools.pdf_parse import parse_pdf

Entry = tuple[str, int, int]  # normalised heading text, level, page (1-based)


@dataclass
class OutlineScore:
    gold: int
    found: int
    matched: int

    @property
    def precision(self) -> float:
        return self.matched / self.found if self.found else 0.0

    @property
    def recall(self) -> float:
        return self.matched / self.gold if self.gold else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


def outline_entries(pdf: str | Path) -> list[Entry]:
    """The PDF's bookmarks as (title, level, page); a title-only root entry is dropped."""
    with pymupdf.open(pdf) as doc:
        toc = doc.get_toc(simple=False)
    return [(normalize_title(title), level, page + 1) for level, title, page, _ in _outline_entries(toc)]


def document_entries(doc: PaperDocument) -> list[Entry]:
    return [(normalize_title(s.heading), s.level, s.page_start) for s in doc.headings()]


def score_entries(found: list[Entry], gold: list[Entry]) -> OutlineScore:
    remaining = list(gold)
    matched = 0
    for entry in found:
        if entry in remaining:
            remaining.remove(entry)
            matched += 1
    return OutlineScore(gold=len(gold), found=len(found), matched=matched)


def layout_vs_outline(pdf: str | Path) -> tuple[OutlineScore, list[Entry], list[Entry]]:
    """Parse with the outline ignored and compare the headings found with the outline."""
    gold = outline_entries(pdf)
    found = document_entries(parse_pdf(pdf, use_outline=False))
    return score_entries(found, gold), found, gold
