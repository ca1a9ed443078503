"""How well layout-detected headings reproduce a PDF's own outline (bookmarks)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pymupdf

from tools.headings import normalize_title
from tools.outline_headings import outline_entries as _bookmarks
from tools.paper_model import PaperDocument
from tools.pdf_parse import parse_pdf

Entry = tuple[str, int, int]  # normalised heading text, level, page (1-based)


@dataclass
class OutlineScore:
    gold: int = 0
    found: int = 0
    matched: int = 0
    ids_checked: int = 0  # matched headings whose outline entry carries a number
    ids_right: int = 0

    @property
    def id_accuracy(self) -> float | None:
        return self.ids_right / self.ids_checked if self.ids_checked else None

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
    return [(normalize_title(title), level, page + 1) for level, title, page, _ in _bookmarks(toc)]


def document_entries(doc: PaperDocument) -> list[Entry]:
    """The headings found, with a printed contents page's own heading: the paper model keeps that section out of
    `headings()`, but it was found, and outlines often list it."""
    return [(normalize_title(s.heading), s.level, s.page_start) for s in doc.sections if s.kind != "front"]


_NUMBER_PREFIX = re.compile(r"^((\d{1,2}( \d{1,2}){0,3})|[ivx]{1,6}( \d{1,2}){0,2}|[a-h]( \d{1,2}){0,3}|appendix [a-h]) ")


def _title_only(text: str) -> str:
    return _NUMBER_PREFIX.sub("", text)


def _words(text: str) -> str:
    """Outlines cannot carry math: "the scaling of ϵg" is bookmarked as "the scaling of g"."""
    return " ".join(re.sub(r"[^a-z0-9 ]", " ", text).split())


# Headings that classes set with \section* (or as a title-page block) and hyperref does not bookmark unless the
# author asks: when the outline has no entry of that name, a found one is neither right nor wrong, so it is not scored.
UNLISTED_BY_CONVENTION = frozenset({
    "abstract", "references", "bibliography", "acknowledgments", "acknowledgements", "acknowledgment",
    "acknowledgement", "affiliation", "affiliations", "contents", "table of contents", "keywords",
})


def _scored(found: list[Entry], gold: list[Entry]) -> list[Entry]:
    listed = {_words(_title_only(g[0])) for g in gold}
    return [f for f in found if not ((key := _words(_title_only(f[0]))) in UNLISTED_BY_CONVENTION and key not in listed)]


def score_entries(found: list[Entry], gold: list[Entry]) -> OutlineScore:
    """Headings that match an outline entry by text and page.

    Many outlines carry titles without their numbers ("Introduction" for "1
    Introduction"): then the number printed in the paper is ignored for matching,
    and the id cannot be judged against the outline. Found headings the outline
    cannot list by convention (Abstract, References ...) are left out when it does not.
    """
    found = _scored(found, gold)
    remaining = list(gold)
    matched = ids_checked = ids_right = 0
    for text, _level, page in found:
        text = _words(text)
        # A title that opens with the article ("A class structure for ...") is not lettered: when the outline's
        # entry equals the found title without its number, it matches.
        hit = next((g for g in remaining if g[2] == page and _words(g[0]) == text), None) or next(
            (g for g in remaining if g[2] == page and _words(g[0]) == _words(_title_only(text))), None)
        if hit is None:
            continue
        remaining.remove(hit)
        matched += 1
        if _title_only(hit[0]) != hit[0] and _words(hit[0]) == text:
            ids_checked += 1
            ids_right += _words(hit[0]) == text
    return OutlineScore(gold=len(gold), found=len(found), matched=matched, ids_checked=ids_checked, ids_right=ids_right)


def layout_vs_outline(pdf: str | Path) -> tuple[OutlineScore, list[Entry], list[Entry]]:
    """Parse with the outline ignored and compare the headings found with the outline."""
    gold = outline_entries(pdf)
    found = document_entries(parse_pdf(pdf, use_outline=False))
    return score_entries(found, gold), found, gold
