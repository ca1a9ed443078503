"""Printed tables of contents (and lists of figures or tables): found so their lines are never headings or evidence.

A contents page opens with a "Contents" heading (or "Table of Contents", "List of
Figures" ...) and goes on with entries that end in a page number, most with dot
leaders; it may run over several pages. Its lines repeat the paper's headings with
page numbers ("1 Introduction 3"), which a heading detector would otherwise take.
"""

from __future__ import annotations

import re

from tools.pdf_layout import Line

_CONTENTS_HEADING = re.compile(r"^(table of )?contents$|^list of (figures|tables|algorithms)$|^supplementa(l|ry) material contents$", re.I)
_DOT_LEADERS = re.compile(r"(\.\s?){4,}|…{2,}")
_ENDS_WITH_PAGE = re.compile(r"\S.*\s\d{1,3}$")
_BARE_PAGE = re.compile(r"^\d{1,3}$")
_NUMBERED = re.compile(r"^(\d{1,2}(\.\d{1,2}){0,3}|[A-Z](\.\d{1,2}){0,3}|[IVX]{1,6})\.?\s+\S")


def _entry_like(line: Line) -> bool:
    text = line.text.strip()
    return bool(_DOT_LEADERS.search(text) or _BARE_PAGE.match(text) or (_NUMBERED.match(text) and _ENDS_WITH_PAGE.match(text)))


def contents_lines(lines: list[Line]) -> set[int]:
    """Indices of the lines that belong to a printed contents list, its heading included."""
    found: set[int] = set()
    i = 0
    while i < len(lines):
        if not _CONTENTS_HEADING.match(re.sub(r"\s+", " ", lines[i].text.strip())):
            i += 1
            continue
        j, misses, entries = i + 1, 0, 0
        while j < len(lines) and misses <= 2:
            if _entry_like(lines[j]):
                entries += 1
                misses = 0
            elif lines[j].page != lines[j - 1].page and entries:
                misses += 1  # a new page that does not go on with entries
            else:
                misses += 1 if not _wrapped_entry(lines, j) else 0
            j += 1
        if entries >= 4:
            end = j - misses
            found.update(range(i, end))
            i = end
        else:
            i += 1
    return found


def _wrapped_entry(lines: list[Line], j: int) -> bool:
    """An entry whose title wraps: the next line carries its dot leaders and page number."""
    return j + 1 < len(lines) and lines[j + 1].page == lines[j].page and _DOT_LEADERS.search(lines[j + 1].text) is not None
