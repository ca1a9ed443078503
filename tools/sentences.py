"""Sentences as evidence units: split, given stable ids, and judged quotable or not when a paper is parsed.

A quote in a report is one or more whole sentences of a section's body text, in
reading order. What is not body text never becomes evidence: the reference list,
contents pages, the author block, footnotes, table rows and text set inside
figures; captions are evidence only as captions (the citation says so).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tools.paper_model import Paragraph, Section

# Words a period follows without ending the sentence.
ABBREVIATIONS = frozenset(
    """e.g i.e al fig figs eq eqs sec secs tab tabs vs cf no nos resp approx ref refs ch dr mr mrs ms prof st viz
    def thm lem prop cor alg app appx sect ed eds vol pp ca incl esp est""".split()
)
_BOUNDARY = re.compile(r"[.!?][\"”’)\]]*(?P<note>\d{1,2})?\s+(?=[\"“‘(\[]?[A-Z0-9])")
_ENDS_SENTENCE = re.compile(r"[.!?][\"”’)\]]*\d{0,2}$")
_STARTS_SENTENCE = re.compile(r"^[\"“‘]?[A-Z0-9]|^\((?=[A-Z][a-z])|^\(\d{1,2}\)\s+[A-Z]")
_CAPTION_START = re.compile(r"^(figure|fig\.|table|tab\.)\s*[A-Z]?\d+[a-z]?\s*[:.|]", re.I)
# Each branch starts with its literal, so the regex engine skips ahead to the next dot instead of trying every position.
_DOT_LEADERS = re.compile(r"\.\s?(?:\.\s?){3,}|…{2,}|·\s?(?:·\s?){3,}")
_WORD = re.compile(r"[A-Za-z][A-Za-z'’\-]+")
_STOPWORDS = frozenset(
    "the of and to in a an is are was were we our this that for with on by as be it its from which these their has have can".split()
)
# Headings of sections whose lines are never evidence, whatever their kind.
NOT_EVIDENCE_TITLES = re.compile(
    r"^(table of )?contents$|^list of (figures|tables|acronyms|abbreviations|symbols)$|^author(s)?'? contributions?$|"
    r"^(competing|conflicts? of) interests?$|^data availability|^code availability|^funding$|^nomenclature$",
    re.I,
)
MIN_WORDS = 5
MAX_WORDS = 120


def split_with_offsets(text: str) -> Iterator[tuple[int, str]]:
    """Sentences of `text` with their start offsets; abbreviations, initials and decimals do not end a sentence."""
    start = 0
    for m in _BOUNDARY.finditer(text):
        end = m.start() + 1
        before = text[start:end - 1].rsplit(None, 1)
        word = before[-1].lstrip("([\"“").lower() if before else ""
        if word.rstrip(".") in ABBREVIATIONS or (len(word) == 1 and word.isalpha()):
            continue  # "et al. Then", "Fig. 3", "J. Smith"
        if m["note"] and text[m.start() - 1:m.start()].isdigit():
            continue  # "0.5 The": a decimal, not a footnote mark after a full stop
        piece = text[start:end]
        if piece.count("“") > piece.count("”") and "”" in text[end:end + 80]:
            continue  # inside a short quotation that closes soon: 'the decoding “The Sun. Also” ...'
        piece = text[start:m.end()].strip()
        if piece:
            yield start, piece
        start = m.end()
    tail = text[start:].strip()
    if tail:
        yield start, tail


# What a math font's glyphs become when the PDF has no Unicode map for them ("r(y1, x¦ n ˆ¹)", "♣W ♣1/2").
_GARBLED = re.compile(r"[¦♣\ufffd]")
# Thanks printed as a run-in paragraph inside the conclusion ("Acknowledgements We are grateful to ...").
_THANKS = re.compile(r"(acknowledge?ments?\b|we (are|would like to|wish to) (be )?(grateful|thank)|we thank\b|the authors (thank|are grateful|acknowledge))", re.I)


def not_evidence_reason(text: str, section: Section, paragraph: Paragraph) -> str | None:
    """Why a sentence may not be quoted as body evidence, or None when it may."""
    if section.kind in ("front", "references", "acknowledgments", "contents") or NOT_EVIDENCE_TITLES.match(section.title.strip()):
        return "not body text"
    if paragraph.kind in ("reference", "footnote"):
        return paragraph.kind
    if paragraph.kind == "text" and _CAPTION_START.match(text):
        return "caption outside a caption block"
    if _DOT_LEADERS.search(text):
        return "contents line"
    if _THANKS.match(text):
        return "acknowledgements"
    if len(_GARBLED.findall(text)) >= 2:
        return "garbled math (a formula's glyphs without their font)"
    words = text.split()
    if len(words) < MIN_WORDS:
        return "too short"
    if len(words) > MAX_WORDS:
        return "too long"
    if not _STARTS_SENTENCE.match(text):
        return "starts mid-sentence"
    if not _ENDS_SENTENCE.search(text) or text.rstrip().endswith(("i.e.", "e.g.", "et al.")):
        return "ends mid-sentence"
    real_words = _WORD.findall(text)
    if len(real_words) < 0.6 * len(words):
        return "mostly symbols or numbers"
    lower_words = sum(1 for w in real_words if w[0].islower())
    # Names set in capitals ("MXEVAL, CODEREVAL, ODEX, MBPP ...") are a list inside prose, not a table row.
    names = sum(1 for w in words if len(w.strip(",.;:()")) >= 3 and w.strip(",.;:()").replace("-", "").isupper())
    if paragraph.kind == "text" and (lower_words < 0.35 * (len(words) - names) or not any(w.lower() in _STOPWORDS for w in real_words)):
        return "not prose (a table row or figure text?)"
    singles = sum(1 for w in words if len(w) == 1 and w.isalpha() and w not in ("a", "A", "I"))
    if singles > 0.25 * len(words):
        return "mostly symbols or numbers"
    return None
