"""Headings of papers that number none of them: short lines that open a block, set bold or clearly larger.

Split from tools/headings.py, whose numbered detection calls this when it finds fewer than two numbers.
"""

from __future__ import annotations

import re

from tools.headings import _SOFT_NAMED, Heading, _Candidates, normalize_title


def unnumbered_fallback(cand: _Candidates, named: list[Heading], start: int = 0) -> list[Heading]:
    """Papers without numbered headings: take short, larger or bold lines that open a block.

    Some templates (OUP) set headings in plain roman or italic a few points above the text: such a line counts
    when it is clearly larger than the text. A heading may run onto a second line. Lines before a printed
    Abstract (`start`) are title, authors and affiliations.
    """
    found = {h.start for h in named}
    out = list(named)
    i = max(start, 0)
    while i < len(cand.lines):
        ln = cand.lines[i]
        larger = ln.size >= cand.body + 1.5 and not ln.bold
        if i in found or not (ln.first_in_block and cand.short(i) and (ln.bold or larger) and ln.size >= cand.body - 0.2):
            i += 1
            continue
        key = normalize_title(ln.text)
        if (ln.page == 0 and i < 3) or cand.running_head(i):
            i += 1
            continue  # the title
        if key in _SOFT_NAMED or ln.size >= cand.body + 0.9:
            end, text = i, ln.text.strip()
            while end - i < 2 and cand.continuation(end, end + 1) and abs(cand.lines[end + 1].size - ln.size) <= 0.3:
                end += 1
                nxt = cand.lines[end].text.strip()
                text = f"{text}{nxt}" if text.endswith("-") else f"{text} {nxt}"
            if larger and not _plain_title(text):
                i += 1
                continue
            out.append(Heading(i, end, None, re.sub(r"\s+", " ", text).rstrip(".:"), 1, ln.page))
            i = end + 1
            continue
        i += 1
    out.sort(key=lambda h: h.start)
    # Without numbers the sizes tell the levels: the largest heading size is a section, the next a subsection.
    sizes = sorted({round(cand.lines[h.start].size * 2) / 2 for h in out if h.kind == "body"}, reverse=True)
    tiers: list[float] = []
    for size in sizes:
        if not tiers or tiers[-1] - size >= 0.9:
            tiers.append(size)
    for h in out:
        if h.kind == "body" and len(tiers) > 1:
            size = round(cand.lines[h.start].size * 2) / 2
            h.level = 1 + min(2, sum(1 for t in tiers[1:] if size <= t))
    return out


def _plain_title(text: str) -> bool:
    """A roman line set larger than the text reads as a title: short, no sentence end, mostly letters."""
    words = text.split()
    letters = sum(c.isalpha() for c in text)
    if re.match(r"(key\s?words|index terms|pacs|jel)\b", text, re.I):
        return False
    return 0 < len(words) <= 16 and not text.rstrip().endswith((".", ",", ";")) and letters >= 0.6 * len(text.replace(" ", ""))
