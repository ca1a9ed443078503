"""Citation markers in a PDF's running text ("[12]", "[3, 5–7]", "[Arn94]", "(Devlin et al., 2018)", "Guu et al. (2020)").

A quote is the paper's own words without its citation markers, as in arXiv's HTML,
where markers are separate elements. The PDF path removes them here, and whatever
checks a quote against a page's raw text removes them the same way
(`verification_key`), so a quote still stands verbatim on its page.

What is not a citation stays: equation numbers "(3)", years in prose, intervals
"[0, 1]", array indices "x[2]" and bracketed words "[Left]".
"""

from __future__ import annotations

import re
import unicodedata

_YEAR = r"(?:19|20)\d\d[a-z]?"
_NUM = r"[1-9]\d{0,3}[a-z]?"
_NUM_RANGE = rf"{_NUM}(?:\s*[–—\-]\s*{_NUM})?"
_NUMERIC = rf"\[\s*{_NUM_RANGE}(?:\s*[,;]\s*{_NUM_RANGE})*\s*\]"
# alpha keys of amsalpha / alpha styles: [Arn94], [BKS+20], [Thu90,STCR95], [Pos06, Theorem 12.7]
_KEY = r"[A-Z][A-Za-z\-]{0,7}\+?\d{2}[a-z]?"
_ALPHA = rf"\[\s*{_KEY}(?:\s*[,;]\s*{_KEY})*(?:\s*,\s*[^\[\]\n]{{1,40}})?\s*\]"
# A surname has a lower-case letter ("OpenAI", "McDonald") or is an initial ("R Core Team"); "ILSVRC 2012" is no citation.
# PDF text may write an accent as a glyph of its own beside the letter ("Hyv¨arinen", "Kry´sci´nski").
_L = "\\w'’\\-\u00a8\u00b4`\u02c6-\u02dd"
_NAME = rf"(?:(?:van|von|de|der|den|da|di|du|le|la|dos)\s+)*[A-Z](?:[{_L}]*[a-z][{_L}]*)?(?![{_L}])"
_AUTHORS = rf"{_NAME}(?:(?:\s*,\s*|\s+|\s*,?\s*(?:and|&)\s+){_NAME})*(?:,?\s+et\s+al\.?)?"
# "Radford et al., 2018; 2019", "Min et al., 2019a;b"
_REF = rf"{_AUTHORS},?\s+{_YEAR}(?:\s*[,;]\s*(?:{_YEAR}|[a-z]\b))*"
_LEAD = r"(?:(?:e\.g\.|i\.e\.|see also|see|cf\.)\s*,?\s*)?"
_PAREN_AY = rf"\(\s*{_LEAD}(?:[A-Z][\w\-]+\s*;\s*)?{_REF}(?:\s*;\s*{_LEAD}{_REF})*(?:\s*;\s*{_AUTHORS})?(?:\s*[,;]?\s*(?:inter alia|among others))?\s*\)"
_BRACKET_AY = rf"\[\s*{_LEAD}{_REF}(?:\s*[;,]\s*{_LEAD}{_REF})*\s*\]"
_BRACKETED = rf"(?:{_NUMERIC}|{_ALPHA}|{_BRACKET_AY})"
_WRAPPED = rf"\(\s*{_LEAD}{_BRACKETED}(?:\s*[,;]\s*{_BRACKETED})*\s*\)"  # "(see [12])"
_MARKER = re.compile(rf"\s*(?:{_WRAPPED}|{_PAREN_AY}|{_BRACKETED}(?:\s*[,;]?\s*{_BRACKETED})*)")
# "Guu et al. (2020)", "Vaswani (2017)": a textual citation keeps the names and loses the year.
_TEXTUAL_YEAR = re.compile(rf"\s*\(\s*{_YEAR}(?:\s*[,;]\s*{_YEAR})*\s*\)")
_NAME_BEFORE = re.compile(r"(?:\bet\s+al\.|\b[A-Z][\w'’\-]*[a-z][\w'’\-]*)\s*$")
# Before a bracket, these make it mathematics: "the interval [1, 2]", "x ∈ [1, 5]", "A[2]".
_MATH_BEFORE = re.compile(r"(?:\b(?:intervals?|ranges?)|[=∈⊂⊆×]|\\in)\s*$|(?:(?<![\w])\w|[\d)\]])$", re.I)


def marker_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of each citation marker in `text`, the space before it included; sorted, not overlapping."""
    spans: list[tuple[int, int]] = []
    for m in _MARKER.finditer(text):
        start, end = m.start(), m.end()
        marker_at = start + (len(m.group(0)) - len(m.group(0).lstrip()))
        if text[marker_at] == "[" and _MATH_BEFORE.search(text[max(0, marker_at - 30):marker_at]):
            continue  # an interval or an index, not a reference
        spans.append((start, end))
    for m in _TEXTUAL_YEAR.finditer(text):
        if _NAME_BEFORE.search(text[max(0, m.start() - 60):m.start()]) and not any(s <= m.start() < e for s, e in spans):
            spans.append((m.start(), m.end()))
    spans.sort()
    out: list[tuple[int, int]] = []
    for start, end in spans:
        if start == 0:  # a marker opening the text takes the space after it along
            end += len(text[end:]) - len(text[end:].lstrip())
        elif text[start - 1:start] == "." and text[end:end + 1] == ".":
            end += 1  # "et al. (2020)." keeps one full stop
        if out and start < out[-1][1]:
            out[-1] = (out[-1][0], max(end, out[-1][1]))
        else:
            out.append((start, end))
    return out


def merge_spans(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Sorted, overlapping spans joined."""
    out: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if out and start <= out[-1][1]:
            out[-1] = (out[-1][0], max(end, out[-1][1]))
        else:
            out.append((start, end))
    return out


def remove_spans(text: str, spans: list[tuple[int, int]]) -> str:
    """`text` without the given (sorted, disjoint) spans."""
    parts, pos = [], 0
    for start, end in spans:
        parts.append(text[pos:start])
        pos = end
    parts.append(text[pos:])
    return "".join(parts)


def shift_offset(offset: int, spans: list[tuple[int, int]]) -> int:
    """Where `offset` of the text stands once the spans are removed."""
    removed = 0
    for start, end in spans:
        if end <= offset:
            removed += end - start
        elif start < offset:
            removed += offset - start
    return offset - removed


def strip_citation_markers(text: str) -> str:
    return remove_spans(text, marker_spans(text))


def has_citation_marker(text: str) -> bool:
    return bool(marker_spans(text))


# A superscript citation or footnote number glued to a word or after punctuation ("BioPlanner507 significantly",
# "networks.10,13 The"): PDF text has no superscript, so checking a quote against a page drops such digits on
# both sides (the parser removes them from the quote only where fonts show a superscript).
_GLUED_NUMBER = re.compile(r"(?<=[a-z.,;:)])\d{1,3}(?:[,–\-]\d{1,3})*(?=[\s,.;:)]|$)")


def without_glued_numbers(text: str) -> str:
    """`text` without digits glued to the end of a word or after punctuation ("superconductors1", "studies.3")."""
    return _GLUED_NUMBER.sub("", text)


def verification_key(text: str) -> str:
    """What a quote and a page's raw text are compared by: letters only, citation markers removed from both.

    PDF text breaks lines, hyphenates words and writes ligatures ("ﬁ") that the parse joins up.
    """
    text = unicodedata.normalize("NFKC", text)
    text = _GLUED_NUMBER.sub("", strip_citation_markers(text))
    return re.sub(r"[\s\-\u00ad\u2010\u2011]+", "", text)


def quote_on_page(quote: str, page_text: str) -> bool:
    """The quote stands on the page, verbatim up to line breaks, hyphenation and citation markers."""
    return verification_key(quote) in verification_key(page_text)
