"""Section headings from the PDF's own outline (bookmarks): each entry located on the page where it is printed."""

from __future__ import annotations

from tools.headings import Heading, named_kind, normalize_title, parse_number
from tools.pdf_layout import DocumentLayout, Line


def has_sections(toc: list[list]) -> bool:
    """Whether an outline says anything about sections: one entry is only the paper's title (LayoutParser)."""
    return len(toc) >= 2


def outline_entries(toc: list[list]) -> list[tuple[int, str, int, object]]:
    """(level, title, page 0-based, destination point) with a title-only root removed."""
    entries = [(e[0], e[1].strip(), e[2] - 1, (e[3] or {}).get("to") if len(e) > 3 else None) for e in toc if e[2] >= 1]
    if len(entries) > 2:
        top = min(e[0] for e in entries)
        if entries[0][0] == top and all(e[0] > top for e in entries[1:]):
            # The first entry is the paper's title with everything nested below it.
            entries = [(lvl - 1, title, page, to) for lvl, title, page, to in entries[1:]]
    return entries


def headings_from_outline(layout: DocumentLayout, toc: list[list]) -> tuple[list[Heading], list[Line]]:
    lines = list(layout.lines())
    by_page: dict[int, list[int]] = {}
    for idx, ln in enumerate(lines):
        by_page.setdefault(ln.page, []).append(idx)
    headings: list[Heading] = []
    roman_parent: str | None = None
    last_index = -1
    for level, title, page, to in outline_entries(toc):
        if page >= len(layout.pages):
            continue
        height = layout.pages[page].height
        # Outline destinations are in PDF space: origin at the bottom left.
        point = (to.x, height - to.y) if to is not None else None
        start, end = _locate(lines, by_page.get(page, []), title, point, after=last_index)
        if start is None:
            continue
        kind = named_kind(title) or "body"
        parsed = None if named_kind(title) else parse_number(title)
        if parsed is None and kind == "body" and end >= start:
            # Take the number the page prints when the outline leaves it out, so ids are the paper's own (III.D).
            printed = parse_number(" ".join(lines[k].text for k in range(start, end + 1)))
            if printed and normalize_title(printed.title) == normalize_title(title):
                parsed = printed
        label, clean = (None, title) if parsed is None else (parsed.label, parsed.title)
        if parsed and parsed.style == "roman":
            roman_parent = parsed.label
        elif parsed and parsed.style == "letter" and roman_parent and level > 1:
            label = f"{roman_parent}.{parsed.label}"
        elif parsed and parsed.style in ("letter", "appendix"):
            kind = "appendix"
        number = parsed.label if parsed else None
        headings.append(Heading(start, end, label, clean, level, page, kind, synthetic=end < start, number=number))
        last_index = start
    headings.sort(key=lambda h: h.start)
    return headings, lines


def _locate(
    lines: list[Line], candidates: list[int], title: str, point: tuple[float, float] | None, after: int
) -> tuple[int | None, int]:
    """The line index where an outline entry's heading is printed, and its last line.

    Matching by text first (nearest to the destination point); failing that, the
    first line at or below the destination (a heading the paper does not print).
    """
    want = normalize_title(title)
    # Outlines often leave out the number the page prints ("RQ4: Contamination Issues" for "D. RQ4: …").
    title_numbered = parse_number(title) is not None
    y = point[1] if point else None
    best: tuple[float, int, int] | None = None
    for idx in candidates:
        if idx <= after:
            continue
        text = normalize_title(lines[idx].text)
        if not text:
            continue
        end = idx
        joined = text
        # A heading may wrap onto two or three lines.
        while want.startswith(joined) and joined != want and end + 1 < len(lines) and end - idx < 2:
            nxt = normalize_title(lines[end + 1].text)
            if not nxt or not want.startswith(f"{joined} {nxt}"[: len(want)]):
                break
            end += 1
            joined = f"{joined} {nxt}"
        if joined == want or (len(joined) >= 4 and want.startswith(joined) and len(joined) >= 0.6 * len(want)) or (
            text.startswith(want) and len(text) <= len(want) + 12
        ):
            dist = abs(lines[idx].y0 - y) if y is not None else 0.0
            if best is None or dist < best[0]:
                best = (dist, idx, end)
    if best is None and not title_numbered:
        for idx in candidates:
            printed = parse_number(lines[idx].text) if idx > after else None
            if printed and normalize_title(printed.title) == want:
                dist = abs(lines[idx].y0 - y) if y is not None else 0.0
                if best is None or dist < best[0]:
                    best = (dist, idx, idx)
    if best is not None:
        return best[1], best[2]
    if point is not None:
        x, y = point
        below = [idx for idx in candidates if idx > after and lines[idx].y1 >= y - 2]
        # Prefer the column the destination points into.
        same_column = [idx for idx in below if lines[idx].x0 - 20 <= x <= lines[idx].x1 + 20]
        if same_column or below:
            first = min(same_column or below, key=lambda idx: lines[idx].y0)
            return first, first - 1
    return None, -1


def add_printed_subsections(layout: DocumentLayout, lines: list[Line], headings: list[Heading]) -> list[Heading]:
    """An outline of numbered sections only ("1 Introduction" ... "6 Discussion") leaves out the subsections the
    paper prints ("6.1 Limitations"): add each printed, heading-styled "N.M Title" that stands inside section N,
    in order. Applies only when the outline has no deeper level at all."""
    from tools.headings import _Candidates  # the layout path's heading-style tests

    top = [h for h in headings if h.level == 1]
    if len(top) != len(headings) or sum(1 for h in top if h.label and h.label.isdigit()) < 2:
        return headings
    cand = _Candidates(layout, lines)
    starts = sorted(h.start for h in headings)
    extra: list[Heading] = []
    for parent in (h for h in top if h.label and h.label.isdigit()):
        end = next((s for s in starts if s > parent.start), len(lines))
        last: tuple[int, ...] = (int(parent.label), 0)
        for i in range(parent.end + 1, end):
            ln = lines[i]
            parsed = parse_number(ln.text) if ln.first_in_block else None
            if parsed is None or parsed.style != "arabic" or len(parsed.parts) != 2 or parsed.parts[0] != last[0]:
                continue
            if parsed.parts[1] != last[1] + 1 or not (cand.styled(i) and cand.short(i)):
                continue  # out of step (a list item, a cross-reference), or set as text
            extra.append(Heading(i, i, parsed.label, parsed.title, 2, ln.page))
            last = parsed.parts
    return sorted([*headings, *extra], key=lambda h: h.start)
