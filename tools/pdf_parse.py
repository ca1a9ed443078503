"""Turn a PDF into a `PaperDocument`: the paper's own section tree with paragraphs and captions."""

from __future__ import annotations

import re
from pathlib import Path

import pymupdf

from tools.citation_markers import remove_spans, shift_offset
from tools.errors import PaperError
from tools.headings import Heading, add_printed_back_matter, detect_headings, slug
from tools.outline_headings import add_printed_subsections, has_sections, headings_from_outline
from tools.paper_model import PaperDocument, Paragraph, Section, Sentence
from tools.pdf_layout import DocumentLayout, Line, extract_layout
from tools.sentence_cuts import sentence_cuts
from tools.sentences import not_evidence_reason, split_with_offsets

# Bump when parsing changes, so cached documents are parsed again.
PARSER_VERSION = "18"

_CAPTION = re.compile(
    r"^(?P<kind>figure|fig\.?|table|tab\.|algorithm)\s*(?P<num>[A-Z]?\d{1,3}(?:\.\d{1,2})?|[IVX]{1,5})\s*[:.|]", re.I
)
_CAPTION_KINDS = {"figure": "Figure", "fig": "Figure", "table": "Table", "tab": "Table", "algorithm": "Algorithm"}
_ABSTRACT_END = re.compile(
    r"^(ccs concepts|keywords|key words|index terms|acm reference format|additional key words|pacs numbers?|permission to make)", re.I
)
_MIN_TEXT_CHARS_PER_PAGE = 40


def caption_label(text: str) -> str | None:
    """"Figure 3" for a caption starting "Fig. 3:", None when the text is not a caption."""
    m = _CAPTION.match(text)
    if not m:
        return None
    kind = _CAPTION_KINDS[m["kind"].lower().rstrip(".")]
    return f"{kind} {m['num'].rstrip('.')}"


def ends_properly(path: Path) -> bool:
    """A complete PDF ends with %%EOF (give or take trailing whitespace or a few bytes of padding)."""
    with path.open("rb") as fh:
        fh.seek(max(0, path.stat().st_size - 2048))
        return b"%%EOF" in fh.read()


def verify_pdf(path: Path) -> None:
    """Raise a PaperError unless `path` is a complete PDF that PyMuPDF opens: what may enter a cache."""
    doc = open_pdf(path)
    doc.close()
    if not ends_properly(path):
        raise PaperError(f"{path.name}: truncated PDF (it ends before %%EOF)")


def open_pdf(path: str | Path) -> pymupdf.Document:
    """Open a PDF or raise a PaperError that says, in one line, what is wrong with it."""
    path = Path(path)
    if not path.exists():
        raise PaperError(f"{path}: file not found")
    if path.is_dir():
        raise PaperError(f"{path}: is a directory, not a PDF")
    if path.stat().st_size == 0:
        raise PaperError(f"{path}: empty file")
    with path.open("rb") as fh:
        head = fh.read(1024)
    if b"%PDF-" not in head:
        raise PaperError(f"{path}: not a PDF (no %PDF header)")
    # MuPDF would print repair warnings to stderr; our errors say what matters.
    pymupdf.TOOLS.mupdf_display_errors(False)
    pymupdf.TOOLS.mupdf_display_warnings(False)
    try:
        doc = pymupdf.open(path, filetype="pdf")
    except (pymupdf.FileDataError, RuntimeError, ValueError) as exc:
        raise PaperError(f"{path}: corrupt PDF ({exc})") from None
    if doc.needs_pass or doc.is_encrypted:
        doc.close()
        raise PaperError(f"{path}: encrypted PDF; a password is needed to read it")
    if doc.page_count == 0:
        doc.close()
        what = "truncated PDF (the file ends early, before %%EOF)" if not ends_properly(path) else "corrupt PDF (no readable pages)"
        raise PaperError(f"{path}: {what}")
    return doc


def parse_pdf(
    path: str | Path, *, arxiv_id: str | None = None, use_outline: bool = True, max_pages: int | None = None
) -> PaperDocument:
    doc = open_pdf(path)
    try:
        if not ends_properly(Path(path)):
            raise PaperError(f"{path}: truncated PDF (the file ends early, before %%EOF; only {doc.page_count} page(s) readable); download it again")
        if max_pages is not None and doc.page_count > max_pages:
            doc.select(list(range(max_pages)))
        try:
            layout = extract_layout(doc)
            toc = doc.get_toc(simple=False) if use_outline else []
        except RuntimeError as exc:  # MuPDF reports damaged content streams this way
            raise PaperError(f"{path}: corrupt PDF ({exc})") from None
        text_chars = sum(len(t) for t in layout.raw_text)
        if text_chars < _MIN_TEXT_CHARS_PER_PAGE * min(doc.page_count, 3):
            if not ends_properly(Path(path)):
                raise PaperError(f"{path}: truncated PDF (the file ends early, before %%EOF); download it again")
            raise PaperError(f"{path}: no text layer (a scanned PDF?); OCR it first")
        if has_sections(toc):
            headings, lines = headings_from_outline(layout, toc)
            headings = add_printed_back_matter(layout, lines, add_printed_subsections(layout, lines, headings)) if headings else headings
        else:
            headings, lines = [], []
        source = "outline" if headings else "layout"
        if not headings:
            headings, lines = detect_headings(layout)
        sections = build_sections(layout, headings, lines)
        annotate_sentences(sections, drop_markers=True)
        title = _title(layout, doc.metadata or {})
        return PaperDocument(
            source=str(path),
            arxiv_id=arxiv_id,
            title=title,
            abstract=_abstract_text(sections),
            page_count=doc.page_count,
            structure_source=source,
            sections=sections,
            page_text=layout.raw_text,
        )
    finally:
        doc.close()


def _title(layout: DocumentLayout, metadata: dict) -> str:
    page = layout.pages[0] if layout.pages else None
    first = [ln for ln in page.lines if ln.y0 < 0.45 * page.height and len(ln.text) >= 8] if page else []
    meta = (metadata.get("title") or "").strip()
    if first and (biggest := max(ln.size for ln in first)) >= layout.body_size + 1.5:
        parts = []
        for ln in first:
            if abs(ln.size - biggest) < 0.3:
                parts.append(ln.text)
            elif parts:
                break
        return re.sub(r"\s+", " ", " ".join(parts)).strip()
    # AMS styles set the title in capitals at the body's size: "FROM DOMINOES TO HEXAGONS".
    if first and not meta and first[0].text.isupper() and 2 <= len(first[0].text.split()) <= 15 and first[0].size >= layout.body_size - 0.3:
        return re.sub(r"\s+", " ", first[0].text).strip()
    return meta or "Untitled"


def _abstract_text(sections: list[Section]) -> str:
    abstract = next((s for s in sections if s.kind == "abstract"), None)
    if abstract is None:
        return ""
    parts = []
    for p in abstract.paragraphs:
        if _ABSTRACT_END.match(p.text):
            break
        parts.append(p.text)
    return "\n\n".join(parts)


# --- paragraphs ------------------------------------------------------------------------


def _join_lines(prev: str, nxt: str) -> str:
    if prev.endswith("-") and len(prev) > 1 and prev[-2].isalpha():
        word = prev.rsplit(" ", 1)[-1]
        # "per-" + "sonalized" loses its hyphen; "state-of-the-" + "art" and "Batch-" + "Normalized" keep it.
        if nxt[:1].islower() and word.count("-") == 1:
            return prev[:-1] + nxt
        return prev + nxt
    return f"{prev} {nxt}"


def _classify_blocks(lines: list[Line], body: float, page_height: dict[int, float]) -> tuple[set[int], set[int]]:
    """Blocks that are figure labels or stray symbols (junk), and footnotes: small print low on the page."""
    words: dict[int, int] = {}
    letters: dict[int, int] = {}
    tiny: dict[int, bool] = {}
    small: dict[int, bool] = {}
    low: dict[int, bool] = {}
    for ln in lines:
        b = ln.block
        words[b] = words.get(b, 0) + len(ln.text.split())
        letters[b] = letters.get(b, 0) + sum(map(str.isalpha, ln.text))
        tiny[b] = tiny.get(b, True) and ln.size < 0.8 * body
        small[b] = small.get(b, True) and ln.size <= 0.92 * body
        low[b] = low.get(b, True) and ln.y0 > 0.75 * page_height.get(ln.page, 792.0)
    junk = {b for b in words if (tiny[b] and words[b] < 8) or letters[b] < 2}
    footnotes = {b for b in words if b not in junk and small[b] and low[b]}
    return junk, footnotes


def build_paragraphs(lines: list[Line], body: float, kind: str, page_height: dict[int, float] | None = None) -> list[Paragraph]:
    junk, footnotes = _classify_blocks(lines, body, page_height or {})
    paragraphs: list[Paragraph] = []
    text = ""
    last: Line | None = None
    para_kind = "reference" if kind == "references" else "text"
    label: str | None = None
    page = 1

    def flush():
        nonlocal text, head, marks
        if text.strip():
            what = "caption" if label is not None else "footnote" if in_footnote else para_kind
            paragraphs.append(Paragraph(text=text.strip(), page=page, kind=what, label=label, head=head if what == "text" else None))
            paragraphs[-1]._superscripts = marks
        text, head, marks = "", None, []

    in_footnote = False
    head: str | None = None
    marks: list[tuple[int, int]] = []

    for ln in lines:
        if ln.block in junk:
            continue
        cap = caption_label(ln.text) if ln.first_in_block or (last and last.block != ln.block) else None
        new_block = last is None or ln.block != last.block
        # A bold run-in head opening a block, or after a finished sentence, starts a paragraph.
        run_in = bool(ln.run_in) and not cap and (new_block or not text or _OPEN_END.search(text.rstrip()) is not None)
        if cap or run_in or (new_block and not _continues(last, ln, text, label)) or (new_block and (ln.block in footnotes) != in_footnote):
            flush()
            head = ln.text[: ln.run_in] if run_in else None
            label = cap
            page = ln.page + 1
            in_footnote = ln.block in footnotes and kind != "references"
            text = ln.text
        else:
            text = _join_lines(text, ln.text) if text else ln.text
        at = len(text) - len(ln.text)  # the line always ends the text it is joined to
        marks += [(at + a, at + b) for a, b in ln.superscripts]
        last = ln
    flush()
    return paragraphs


def _continues(prev: Line | None, ln: Line, text: str, label: str | None) -> bool:
    """Does a new PyMuPDF block continue the current paragraph?"""
    if prev is None or not text or label is not None or prev.page != ln.page:
        return False
    same_style = abs(prev.size - ln.size) <= 0.6 and prev.bold == ln.bold
    # Lines split into blocks by PyMuPDF but set as one paragraph: same left edge, normal leading.
    if same_style and abs(prev.x0 - ln.x0) < 3 and 0 <= ln.y0 - prev.y1 < 0.6 * ln.size:
        return True
    # A paragraph running on into the next column.
    return same_style and ln.text[:1].islower() and not text.rstrip().endswith((".", "!", "?", ":"))


# --- sections ------------------------------------------------------------------------


def build_sections(layout: DocumentLayout, headings: list[Heading], lines: list[Line]) -> list[Section]:
    body = layout.body_size
    heights = {p.number: p.height for p in layout.pages}
    sections: list[Section] = []
    used: set[str] = set()

    def unique(sid: str) -> str:
        base, n = sid, 2
        while sid in used:
            sid = f"{base}-{n}"
            n += 1
        used.add(sid)
        return sid

    first = headings[0].start if headings else len(lines)
    front_lines = lines[:first]
    if front_lines:
        sections.append(_section("front", "Front matter", 1, None, "front", False, front_lines, body, used=unique, heights=heights))
    stack: list[Section] = []
    for k, h in enumerate(headings):
        content_start = h.end + 1 if h.end >= h.start else h.start
        content_end = headings[k + 1].start if k + 1 < len(headings) else len(lines)
        content = lines[content_start:content_end]
        while stack and stack[-1].level >= h.level:
            stack.pop()
        parent = stack[-1].id if stack else None
        kind = h.kind
        if parent is not None and kind == "body":
            kind = next(s.kind for s in sections if s.id == parent)
        sid = h.label or (h.kind if h.kind != "body" else slug(h.title))
        section = _section(sid, h.title, h.level, parent, kind, h.label is not None, content, body, used=unique, page=h.page + 1, heights=heights)
        section.synthetic = h.synthetic
        section.number = h.number
        sections.append(section)
        stack.append(section)
    if not any(s.kind == "abstract" for s in sections):
        _split_abstract_from_front(sections, used)
    return sections


def _section(sid, title, level, parent, kind, numbered, content, body, *, used, page=None, heights=None) -> Section:
    paragraphs = stitch_paragraphs(build_paragraphs(content, body, kind, heights))
    page_start = page or (content[0].page + 1 if content else 1)
    page_end = max([page_start, *(ln.page + 1 for ln in content)])
    return Section(
        id=used(sid), title=title, level=level, page_start=page_start, page_end=page_end,
        parent_id=parent, kind=kind, numbered=numbered, paragraphs=paragraphs,
    )


def _split_abstract_from_front(sections: list[Section], used: set[str]) -> None:
    """No printed "Abstract" heading: the first long paragraph of the front matter is the abstract."""
    if not sections or sections[0].kind != "front":
        return
    front = sections[0]
    start = next((i for i, p in enumerate(front.paragraphs) if len(p.text.split()) >= 60 and not _ABSTRACT_END.match(p.text)), None)
    if start is None:
        return
    end = next((i for i in range(start + 1, len(front.paragraphs)) if _ABSTRACT_END.match(front.paragraphs[i].text)), len(front.paragraphs))
    moved = front.paragraphs[start:end]
    front.paragraphs = front.paragraphs[:start] + front.paragraphs[end:]
    used.add("abstract")
    abstract = Section(
        id="abstract", title="Abstract", level=1, page_start=moved[0].page, page_end=moved[-1].page,
        kind="abstract", synthetic=True, paragraphs=moved,
    )
    sections.insert(1, abstract)


# --- paragraphs cut by a page or column end, and sentences ------------------------------

_OPEN_END = re.compile(r"[.!?:][\"”’)\]]*\d{0,2}$")
_CONNECTOR_END = re.compile(r"([,;(\-–—]|\b(and|or|of|the|a|an|to|in|on|for|with|by|as|that|from|is|are|we))$", re.I)


def _continues_across(prev: Paragraph, nxt: Paragraph) -> bool:
    """Is `nxt` the rest of `prev`, cut by a page or column end (or a figure set between)?"""
    head = prev.text.rstrip()
    if _OPEN_END.search(head) or len(head.split()) < 8:
        return False
    return nxt.text[:1].islower() or bool(_CONNECTOR_END.search(head))


def stitch_paragraphs(paragraphs: list[Paragraph]) -> list[Paragraph]:
    """Join text paragraphs that a page or column end split mid-sentence; captions and footnotes between stay where they are."""
    out: list[Paragraph] = []
    last_text: Paragraph | None = None
    for para in paragraphs:
        if para.kind == "text" and last_text is not None and not para.head and _continues_across(last_text, para):
            joined = _join_lines(last_text.text, para.text)
            offset = len(joined) - len(para.text)
            last_text.text = joined
            if para.page != last_text.page_at(offset):
                last_text.page_marks.append((offset, para.page))
            last_text.page_marks.extend((offset + o, p) for o, p in para.page_marks)
            last_text._superscripts += [(offset + a, offset + b) for a, b in para._superscripts]
            continue
        out.append(para)
        if para.kind == "text":
            last_text = para
        elif para.kind not in ("caption", "footnote"):
            last_text = None
    return out


def _caption_units(text: str) -> list[tuple[int, str]]:
    """A caption's sentences, its label ("Figure 1.") kept with the first one."""
    pieces = list(split_with_offsets(text))
    if len(pieces) > 1 and caption_label(pieces[0][1]) and len(pieces[0][1].split()) <= 3:
        pieces = [(0, text[: pieces[1][0]] + pieces[1][1]), *pieces[2:]]
    return pieces


def annotate_sentences(sections: list[Section], *, drop_markers: bool = False) -> None:
    """Give every sentence of text and captions a stable id (S1, S2, ... in reading order) and judge it as evidence.

    With `drop_markers` (a PDF's text), citation markers and a run-in head leave the sentences and the
    paragraph's text alike (tools/citation_markers.py), so quotes are found in the paragraph as before;
    HTML text has them left out by its markup already.
    """
    n = 0
    for section in sections:
        for para in section.paragraphs:
            units = list(_caption_units(para.text) if para.kind == "caption" else split_with_offsets(para.text))
            # front matter and the reference list are never quoted: their text stays as printed
            cut = drop_markers and para.kind in ("text", "caption") and section.kind not in ("front", "references")
            sentences, removed = [], []
            for offset, text in units:
                n += 1
                why = not_evidence_reason(text, section, para)
                page = para.page_at(offset)
                at = para.text.find(text, offset) if cut else -1
                if at >= 0:
                    offset = at
                    spans = sentence_cuts(para, offset, text)
                    if spans and spans[0] == (0, len(text)):
                        why = why or "run-in heading"
                    elif spans:
                        removed += [(offset + a, offset + b) for a, b in spans]
                        text = remove_spans(text, spans)
                        # judged again without its markers: "(Smith et al., 2020) show ..." starts mid-sentence now
                        again = not_evidence_reason(text, section, para)
                        why = why or (again if again != "ends mid-sentence" else None)
                sentences.append(Sentence(id=f"S{n}", text=text, page=page, evidence=why is None, why_not=why))
            if removed:
                para.page_marks = [(shift_offset(o, removed), p) for o, p in para.page_marks]
                para.text = remove_spans(para.text, removed)
            para.sentences = sentences
            para._superscripts = []  # offsets into the text before the cut: spent

