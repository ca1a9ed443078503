"""Unnumbered headings in a paper whose other headings are numbered.

Many papers mix the two: an unnumbered "Introduction" (\\section*) before the
numbered sections, or Journal of Statistical Software's unnumbered italic
subsubsections ("Model frame", "Additive error model: ETS(A,Ad,N)") under numbered
subsections. Numbered detection cannot see them; their style can: the same font,
size and weight as the numbered headings of one level, set at the same left edge,
or, for the lowest level, a larger italic line of its own.
"""

from __future__ import annotations

import re

from tools.headings import Heading, _Candidates, named_kind, parse_number
from tools.pdf_layout import Line

# Lines that look like headings by style but open a theorem-like block, a caption or a list.
_NOT_A_HEADING = re.compile(
    r"^(theorem|lemma|proof|definition|corollary|proposition|remark|example|note|claim|conjecture|assumption|"
    r"figure|fig\.|table|algorithm|listing|step|case|input|output|require|ensure|keywords?|index terms|pacs|ccs concepts|"
    r"affiliations?)\b(?!:\s+[A-Z])",  # "Example: Using the driver" is a titled heading, "Example 2." is not
    re.I,
)


def _style(line: Line) -> tuple[str, float, bool, bool]:
    return line.font, round(line.size * 2) / 2, line.bold, line.italic


def _title_like(text: str) -> bool:
    text = text.strip()
    words = text.split()
    if not words or len(words) > 14 or not text[0].isupper():
        return False
    if text.endswith((".", ",", ";")) or _NOT_A_HEADING.match(text) or parse_number(text) is not None:
        return False
    # A run-in paragraph heading with its paragraph on the same line ("Hybrid data. Our dataset").
    if re.search(r"\.\s+[A-Z]", text):
        return False
    letters = sum(c.isalpha() for c in text)
    return letters >= 3 and letters >= 0.55 * len(text.replace(" ", ""))


def _ends_block(cand: _Candidates, end: int) -> bool:
    """The heading stands on its own: the next line starts another block (or page), in another style."""
    lines = cand.lines
    if end + 1 >= len(lines):
        return False
    nxt, last = lines[end + 1], lines[end]
    if not nxt.first_in_block and nxt.page == last.page and abs(nxt.x1 - last.x1) < 3:
        # Both lines run to the right margin of a justified paragraph: a bold run-in head and the start of its
        # text ("Retrieve-and-edit with learned retrieval In order to"), not a heading line.
        return False
    return nxt.first_in_block or nxt.page != last.page or _style(nxt) != _style(last)


def _left_margins(cand: _Candidates) -> dict[int, float]:
    """Each page's left text edge: odd and even pages of a book-like layout have different margins."""
    margins: dict[int, float] = {}
    for ln in cand.lines:
        if abs(ln.size - cand.body) <= 1.0:
            margins[ln.page] = min(margins.get(ln.page, ln.x0), ln.x0)
    return {page: margins.get(page, 0.0) for page in {ln.page for ln in cand.lines}}


def _between_siblings(numbered: list[Heading], i: int, level: int) -> int:
    """1 when the line sits between two numbered headings of its level under one parent (after "1.1", before
    "1.2"): there it is a paragraph head of 1.1 set like a subsection, not a subsection of its own."""
    before = next((h for h in reversed(numbered) if h.start < i), None)
    after = next((h for h in numbered if h.start > i), None)
    if before is None or after is None or before.level != level or after.level != level:
        return 0
    return int(before.label.rsplit(".", 1)[0] == after.label.rsplit(".", 1)[0])


def _centred(lines: list[Line], i: int, body: float) -> bool:
    """Set in the middle of its column, well in from both edges: the nearest body-size line of the same page
    that shares its column gives the edges."""
    ln = lines[i]
    for k in (*range(i + 1, min(i + 6, len(lines))), *range(i - 1, max(i - 6, -1), -1)):
        b = lines[k]
        if b.page == ln.page and abs(b.size - body) <= 1.0 and b.x0 < ln.x1 and ln.x0 < b.x1 and b.x1 - b.x0 > ln.x1 - ln.x0 + 40:
            return ln.x0 - b.x0 > 15 and b.x1 - ln.x1 > 15 and abs((ln.x0 + ln.x1) - (b.x0 + b.x1)) / 2 < 6
    return False


def _run_in(lines: list[Line], h: Heading) -> bool:
    nxt = lines[h.end + 1] if h.end + 1 < len(lines) else None
    return nxt is not None and nxt.page == lines[h.end].page and not nxt.first_in_block and abs(nxt.y1 - lines[h.end].y1) < 2


def add_unnumbered_by_style(cand: _Candidates, headings: list[Heading], skip: set[int], start: int) -> list[Heading]:
    """Add the unnumbered headings set in the style of this paper's numbered headings.

    `skip` holds line indices never to take (a printed contents page); `start` is where
    heading detection began (a printed Abstract), so title and affiliations stay out.
    """
    numbered = [h for h in headings if h.label and h.kind == "body"]
    if len(numbered) < 2:
        return headings
    lines = cand.lines
    margins = _left_margins(cand)
    levels: dict[tuple, int] = {}
    edges: dict[tuple, set[int]] = {}
    for h in numbered:
        if _run_in(lines, h):
            continue  # its text goes on beside it: a body-size italic or roman style, shared by ordinary text
        style = _style(lines[h.start])
        levels.setdefault(style, h.level)
        edges.setdefault(style, set()).add(round(lines[h.start].x0 - margins[lines[h.start].page]))
    deepest = max(h.level for h in numbered)
    centred_paper = sum(_centred(lines, h.start, cand.body) for h in numbered) >= 0.8 * len(numbered)
    taken = {k for h in headings for k in range(h.start, max(h.start, h.end) + 1)}
    extra: list[Heading] = []
    i = start
    while i < len(lines):
        ln = lines[i]
        if i in taken or i in skip or not ln.first_in_block or named_kind(ln.text) or (ln.page == 0 and i < 3):
            i += 1
            continue
        style = _style(ln)
        same_level = levels.get(style)
        aligned = any(abs(round(ln.x0 - margins[ln.page]) - x) <= 3 for x in edges.get(style, ()))
        # The lowest level of a numbered paper may be unnumbered throughout: an italic line larger than the text.
        run_in_italic = same_level is None and ln.italic and not ln.bold and ln.size >= cand.body + 0.9
        # REVTeX centres its headings; below the numbered levels it sets unnumbered ones in centred italics
        # ("Fonts", "User-defined macros"), even a little smaller than the text.
        centred_italic = same_level is None and centred_paper and ln.italic and not ln.bold and _centred(lines, i, cand.body)
        if not ((same_level is not None and aligned) or run_in_italic or centred_italic) or not cand.short(i) or not cand.stands_alone(i):
            i += 1
            continue
        end = i
        text = ln.text.strip()
        while end - i < 2 and cand.continuation(end, end + 1) and _style(lines[end + 1]) == style:
            end += 1
            nxt = lines[end].text.strip()
            text = f"{text}{nxt}" if text.endswith("-") else f"{text} {nxt}"
        text = re.sub(r"\s+", " ", text)
        if not _title_like(text) or not _ends_block(cand, end):
            i += 1
            continue
        level = min(deepest + 1, 4) if same_level is None else same_level + _between_siblings(numbered, i, same_level)
        extra.append(Heading(i, end, None, text.rstrip(":"), level, ln.page))
        i = end + 1
    if not extra:
        return headings
    return sorted([*headings, *extra], key=lambda h: h.start)
