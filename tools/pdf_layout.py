"""Text lines of a PDF in reading order, without running headers, footers and stamps.

PyMuPDF gives blocks in content-stream order, which for two-column papers mixes
columns. We order blocks ourselves: full-width blocks split a page into bands,
and inside a band the left column is read before the right one.
"""

from __future__ import annotations

import re
import statistics
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache

import pymupdf

from tools.pdf_run_in import bold_lead_length, superscript_marks, with_raised_exponents

# No ligatures (so "ﬁ" reads "fi"), no images (decoding them is slow and useless here).
TEXT_FLAGS = pymupdf.TEXT_MEDIABOX_CLIP | pymupdf.TEXT_PRESERVE_WHITESPACE

_BOLD_FONT = re.compile(r"(bold|medi|semibold|black|heavy|demi|cmbx|cmb\d|tb$|-b$|\.b$|bx\d)", re.I)
_ITALIC_FONT = re.compile(r"(ital|oblique|cmti\d|-it$|\.i$)", re.I)
_ARXIV_STAMP = re.compile(r"^arXiv:\d{4}\.\d{4,5}(v\d+)?\s+\[[\w.\-]+\]")
_PAGE_NUMBER = re.compile(r"^\s*(page\s+)?\d{1,4}(\s+of\s+\d{1,4})?\s*$", re.I)
_DIGITS = re.compile(r"\d+")
_SUBSECTION_NUMBER = re.compile(r"^(?:\d{1,2}|[A-Z])(?:\.\d{1,2}){1,3}\.?$")


@dataclass(slots=True)
class Line:
    """One visual line: spans on the same baseline of one block, joined."""

    page: int  # 0-based
    x0: float
    y0: float
    x1: float
    y1: float
    text: str
    size: float
    bold: bool
    block: int  # unique per document
    font: str = ""
    first_in_block: bool = False
    italic: bool = False
    # Characters at the start of `text` that are a bold run-in paragraph head ("Reward Design"); see tools/pdf_run_in.py.
    run_in: int = 0
    # Superscript citation or footnote numbers glued to a word ("BioPlanner⁵⁰⁷"): (start, end) in `text`.
    superscripts: list[tuple[int, int]] = field(default_factory=list)


@dataclass
class PageLayout:
    number: int  # 0-based
    width: float
    height: float
    lines: list[Line] = field(default_factory=list)


@dataclass
class DocumentLayout:
    pages: list[PageLayout]
    body_size: float
    raw_text: list[str]  # every page's full text, tables and figure labels included

    def lines(self):
        for page in self.pages:
            yield from page.lines


@lru_cache(maxsize=512)
def _italic_font(font: str) -> bool:
    return bool(_ITALIC_FONT.search(font))


@lru_cache(maxsize=512)
def _bold_font(font: str) -> bool:
    return bool(_BOLD_FONT.search(font))


def _line_from_spans(spans: list[dict], page: int, block: int, bbox) -> Line | None:
    spans = with_raised_exponents(spans)
    text = " ".join("".join(s["text"] for s in spans).split())
    if not text:
        return None
    # The dominant style is that of the span with the most characters.
    dominant, most, total, bold_chars, italic_chars = None, -1, 0, 0, 0
    for s in spans:
        n = len(s["text"]) - s["text"].count(" ")
        if n <= 0:
            continue
        total += n
        if s["flags"] & 16 or _bold_font(s["font"]):
            bold_chars += n
        if s["flags"] & 2 or _italic_font(s["font"]):
            italic_chars += n
        if n > most:
            dominant, most = s, n
    if dominant is None:
        return None
    # Bold when nearly all characters are: a heading may hold an italic math symbol.
    bold = bold_chars >= 0.8 * total
    line = Line(page, bbox[0], bbox[1], bbox[2], bbox[3], text, round(dominant["size"], 1), bold, block, dominant["font"])
    line.italic = italic_chars >= 0.8 * total
    line.run_in = bold_lead_length(spans, text, _span_is_bold)
    line.superscripts = superscript_marks(spans)
    return line


def _span_is_bold(span: dict) -> bool:
    return bool(span["flags"] & 16) or _bold_font(span["font"])


def _run_in_split(spans: list[dict]) -> int | None:
    """Where a numbered run-in heading ends: amsart and others print "5.1. Invariants of plane curves." in bold
    and continue the paragraph on the same line. Returns the index of the first span of the paragraph text."""
    seen_number = seen_bold = False
    for k, s in enumerate(spans):
        text = s["text"].strip()
        if not text:
            continue
        bold = bool(s["flags"] & 16) or _bold_font(s["font"])
        if not seen_number and not seen_bold and _SUBSECTION_NUMBER.match(text):
            seen_number = True
            continue
        if bold:
            seen_bold = True
            continue
        heading = "".join(x["text"] for x in spans[:k]).strip()
        rest = "".join(x["text"] for x in spans[k:]).strip()
        if seen_number and seen_bold and heading.endswith(".") and len(rest) >= 20:
            return k
        return None
    return None


def _block_lines(block: dict, page: int, block_id: int) -> list[Line]:
    """Lines of a block, with lines that share a baseline merged left to right."""
    raw = []
    for ln in block["lines"]:
        if ln["dir"][1] != 0 or ln["dir"][0] <= 0:  # rotated text: arXiv stamp, axis labels
            continue
        raw.append(ln)
    raw.sort(key=lambda ln: (round(ln["bbox"][3]), ln["bbox"][0]))
    merged: list[list[dict]] = []
    for ln in raw:
        if merged:
            prev = merged[-1][-1]
            tol = max(2.0, 0.45 * (prev["bbox"][3] - prev["bbox"][1]))
            if abs(ln["bbox"][3] - prev["bbox"][3]) <= tol and ln["bbox"][0] >= prev["bbox"][0]:
                merged[-1].append(ln)
                continue
        merged.append([ln])
    lines: list[Line] = []
    for group in merged:
        spans = []
        for k, ln in enumerate(group):
            pieces = list(ln["spans"])
            # Keep a space between merged pieces ("1" + "INTRODUCTION").
            if k and pieces and not pieces[0]["text"].startswith(" "):
                pieces[0] = {**pieces[0], "text": " " + pieces[0]["text"]}
            spans += pieces
        bbox = (
            min(ln["bbox"][0] for ln in group),
            min(ln["bbox"][1] for ln in group),
            max(ln["bbox"][2] for ln in group),
            max(ln["bbox"][3] for ln in group),
        )
        split = _run_in_split(spans) if not lines and len(group) == 1 else None
        if split is not None:
            # The heading becomes a line of its own; the paragraph goes on in the same block.
            head_x1 = max((sp["bbox"][2] for sp in spans[:split] if "bbox" in sp), default=bbox[2])
            head = _line_from_spans(spans[:split], page, block_id, (bbox[0], bbox[1], head_x1, bbox[3]))
            rest = _line_from_spans(spans[split:], page, block_id, (head_x1, bbox[1], bbox[2], bbox[3]))
            if head is not None:
                head.bold = True  # bold by construction; only its number may be set in roman
                head.text = head.text.removesuffix(".")  # the run-in period is punctuation, not part of the title
            lines += [x for x in (head, rest) if x is not None]
            continue
        line = _line_from_spans(spans, page, block_id, bbox)
        if line is not None:
            lines.append(line)
    if lines:
        lines[0].first_in_block = True
    return lines


def _order_blocks(blocks: list[dict], width: float) -> list[dict]:
    """Reading order: bands split by full-width blocks; left column before right in each band."""
    if not blocks:
        return []
    mid = width / 2
    slack = 0.04 * width
    left, right, full = [], [], []
    size = {"left": 0, "right": 0, "full": 0}
    for b in blocks:
        x0, _, x1, _ = b["bbox"]
        side = "left" if x1 <= mid + slack else "right" if x0 >= mid - slack else "full"
        (left if side == "left" else right if side == "right" else full).append(b)
        size[side] += sum(len(s["text"]) for ln in b["lines"] for s in ln["spans"])
    total = sum(size.values()) or 1
    if size["left"] < 0.15 * total or size["right"] < 0.15 * total:
        return sorted(blocks, key=lambda b: (round(b["bbox"][1], 1), b["bbox"][0]))
    # Bands are cut at each full-width block (read where it stands) and at each blank band across both columns.
    cuts: list[tuple[float, dict | None]] = sorted(
        [(f["bbox"][1], f) for f in full] + [(y, None) for y in _blank_bands(left, right)], key=lambda c: c[0])
    bands: list[list[dict]] = [[] for _ in range(len(cuts) + 1)]
    for b in left + right:
        band = sum(1 for y, _ in cuts if y < b["bbox"][1])
        bands[band].append(b)
    left_ids = {id(b) for b in left}
    ordered: list[dict] = []
    for i, band in enumerate(bands):
        # Left column first, then right; each top to bottom.
        ordered += sorted(band, key=lambda b: (id(b) not in left_ids, b["bbox"][1]))
        if i < len(cuts) and cuts[i][1] is not None:
            ordered.append(cuts[i][1])
    return ordered


def _blank_bands(left: list[dict], right: list[dict]) -> list[float]:
    """Heights where both columns are blank for several lines, with text above and below in each: a band boundary
    without a full-width block, as on REVTeX's last page, where the bibliography runs across both columns under
    the balanced text. Text after it is read only once both columns above it are done."""
    if not left or not right:
        return []
    line = statistics.median(ln["bbox"][3] - ln["bbox"][1] for b in left + right for ln in b["lines"]) or 10.0

    def gaps(column: list[dict]) -> list[tuple[float, float]]:
        spans = sorted((b["bbox"][1], b["bbox"][3]) for b in column)
        out, bottom = [], spans[0][1]
        for top, end in spans[1:]:
            if top - bottom >= 2.5 * line:
                out.append((bottom, top))
            bottom = max(bottom, end)
        return out

    cuts = []
    for l0, l1 in gaps(left):
        for r0, r1 in gaps(right):
            lo, hi = max(l0, r0), min(l1, r1)
            if hi - lo >= 1.5 * line:
                cuts.append((lo + hi) / 2)
    return cuts


def _margin_key(text: str) -> str:
    return _DIGITS.sub("#", text.lower()).strip()


def _drop_running_text(pages: list[PageLayout]) -> None:
    """Remove running headers/footers (text repeated in a margin), page numbers and arXiv stamps."""
    if not pages:
        return
    counts: Counter = Counter()
    for page in pages:
        seen = set()
        for ln in page.lines:
            if ln.y1 < 0.12 * page.height or ln.y0 > 0.88 * page.height:
                seen.add(_margin_key(ln.text))
        counts.update(seen)
    threshold = max(2, int(0.3 * len(pages)))
    repeated = {key for key, n in counts.items() if n >= threshold and len(pages) > 1}
    for page in pages:
        kept = []
        for ln in page.lines:
            in_margin = ln.y1 < 0.12 * page.height or ln.y0 > 0.88 * page.height
            near_edge = ln.y1 < 0.2 * page.height or ln.y0 > 0.8 * page.height
            if in_margin and _margin_key(ln.text) in repeated:
                continue
            if near_edge and ln.first_in_block and _PAGE_NUMBER.match(ln.text) and _is_alone(ln, page.lines):
                continue
            if _ARXIV_STAMP.match(ln.text):
                continue
            kept.append(ln)
        page.lines = kept


def _is_alone(line: Line, lines: list[Line]) -> bool:
    return sum(1 for other in lines if other.block == line.block) == 1


def extract_layout(doc: pymupdf.Document) -> DocumentLayout:
    pages: list[PageLayout] = []
    raw_text: list[str] = []
    sizes: Counter = Counter()
    block_id = 0
    for page in doc:
        data = page.get_text("dict", flags=TEXT_FLAGS)
        layout = PageLayout(page.number, page.rect.width, page.rect.height)
        text_blocks = [b for b in data["blocks"] if b.get("type") == 0 and b.get("lines")]
        page_text = []
        for block in _order_blocks(text_blocks, page.rect.width):
            lines = _block_lines(block, page.number, block_id)
            block_id += 1
            layout.lines.extend(lines)
            for ln in lines:
                sizes[ln.size] += len(ln.text)
                page_text.append(ln.text)
        raw_text.append("\n".join(page_text))
        pages.append(layout)
    _drop_running_text(pages)
    body = sizes.most_common(1)[0][0] if sizes else 10.0
    return DocumentLayout(pages=pages, body_size=body, raw_text=raw_text)

