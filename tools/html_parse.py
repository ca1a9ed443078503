"""Turn arXiv's HTML (LaTeXML output, from arxiv.org/html or ar5iv) into a `PaperDocument`.

LaTeXML already marks what the PDF parser has to guess: the section tree with the
paper's own numbers (`ltx_tag`), paragraphs with ids, run-in paragraph heads,
math as TeX, tables, captions, the bibliography and citation markers. Every
element keeps its anchor (`S3.SS2.p4`), so a citation can open at the quote.
An HTML page has no pages: everything is on "page 1" and `page_count` is 1.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path
from typing import Literal

from lxml import etree

from tools.errors import PaperError
from tools.headings import slug
from tools.html_scan import first_with_class, has_class_token, scan
from tools.paper_model import PaperDocument, Paragraph, Section, Table
from tools.pdf_parse import annotate_sentences

# Bump when parsing changes, so cached documents are parsed again.
HTML_PARSER_VERSION = "1"

HtmlKind = Literal["arxiv-html", "ar5iv"]

_LEVEL = {"ltx_section": 1, "ltx_appendix": 1, "ltx_subsection": 2, "ltx_subsubsection": 3, "ltx_paragraph": 4}
_SECTION_CLASSES = (*_LEVEL, "ltx_bibliography", "ltx_acknowledgements", "ltx_index")
_ACK = re.compile(r"^acknowledge?ments?$", re.I)
_WS = re.compile(r"\s+")
# A conversion that failed badly: more error spans than this share of paragraphs.
MAX_ERROR_SHARE = 0.5


def _all_text(el) -> str:
    return "".join(el.itertext())


def _classes(el) -> set[str]:
    return set((el.get("class") or "").split())


def _has(el, cls: str) -> bool:
    return cls in (el.get("class") or "").split()


_EMPTY_BRACKETS = re.compile(r" ?\([ ;,]*\)| ?\[[ ;,]*\]")
# The same brackets without the optional space before them: a pattern that starts with a bracket is scanned
# for quickly, one that may start with a space is tried at every space; most texts have no empty brackets.
_ANY_EMPTY_BRACKETS = re.compile(r"\([ ;,]*\)|\[[ ;,]*\]")
_SPACE_BEFORE_PUNCT = re.compile(r" (?=[.,;:!?])")


def _clean(text: str) -> str:
    # str.split() and re's \s agree on what whitespace is; the split is three times faster than _WS.sub.
    text = " ".join(text.split())
    if ("(" in text or "[" in text) and _ANY_EMPTY_BRACKETS.search(text):
        # Where a dropped marker left a gap: "(similar to )" -> "(similar to)", "( )" -> "".
        text = _EMPTY_BRACKETS.sub("", text)
    # "assistants ." -> "assistants."
    return _SPACE_BEFORE_PUNCT.sub("", text).strip()


def _math_tex(el) -> str:
    """The TeX of a formula: `alttext` (MathML pages), else the TeX annotation, else MathJax's aria-label (LaTeXML 0.8.4)."""
    # Walks, not XPath: an XPath call costs more than the walk on these small trees, and there are thousands of formulas.
    tex = el.get("alttext")
    if tex is None:
        # The HTML parser keeps no namespaces, so "annotation" is the whole tag name.
        ann = next((a for a in el.iterdescendants("annotation") if a.get("encoding") == "application/x-tex"), None)
        tex = _all_text(ann) if ann is not None else None
    if tex is None:
        labelled = next((d for d in el.iterdescendants(etree.Element) if d.get("aria-label") is not None), None)
        tex = labelled.get("aria-label") if labelled is not None else _all_text(el)
    return _WS.sub(" ", tex or "").strip()


def _is_math(el) -> bool:
    tag = el.tag if isinstance(el.tag, str) else ""
    return tag.rsplit("}", 1)[-1] == "math" or _has(el, "ltx_Math")


def _cite_text(el) -> str:
    """A textual citation keeps the names that are part of the sentence ("Treutlein et al."), never the marker.

    A parenthetical or numeric one ("(Anthropic, 2024)", "[4]") is dropped whole.
    """
    whole = _WS.sub(" ", _all_text(el)).strip()
    if not whole or whole[0] in "([":
        return ""
    parts: list[str] = [el.text or ""]
    for child in el:
        _collect(child, parts, drop_refs=True)
    return re.sub(r"\s*[(\[][^()\[\]]*[)\]]", "", "".join(parts)).strip()


def _collect(el, out: list[str], *, drop_refs: bool = False, notes: list | None = None) -> None:
    """The reading text of `el`: math as TeX, citation markers, error spans and footnotes left out."""
    tag = el.tag
    if not isinstance(tag, str):  # comments, processing instructions
        if el.tail:
            out.append(el.tail)
        return
    if "}" in tag:
        tag = tag.rsplit("}", 1)[1]
    # Class tests on the attribute string: this runs for every element of the page.
    cls = el.get("class") or ""
    skip = True
    if "ltx_ERROR" in cls or tag in ("script", "style", "figure") or tag == "table" and "ltx_equation" not in cls:
        pass
    elif "ltx_note" in cls and "ltx_note" in cls.split():
        if notes is not None:
            notes.append(el)
    elif tag == "cite":
        out.append(_cite_text(el))
    elif tag == "math" or "ltx_Math" in cls:
        out.append(_math_tex(el))
    elif drop_refs and tag == "a":
        pass
    elif "ltx_equation" in cls:  # ltx_equation, ltx_equationgroup: the formula's TeX without its number
        out.append(" " + " ".join(_math_tex(m) for m in el.iter() if isinstance(m.tag, str) and _is_math(m)) + " ")
    else:
        skip = False
        if tag == "br":
            out.append(" ")
    if not skip:
        if el.text:
            out.append(el.text)
        for child in el:
            _collect(child, out, drop_refs=drop_refs, notes=notes)
    if el.tail:
        out.append(el.tail)


def text_of(el, notes: list | None = None) -> str:
    parts: list[str] = []
    _collect(el, parts, notes=notes)
    # The element's own tail belongs to its parent.
    if el.tail and parts and parts[-1] == el.tail:
        parts.pop()
    return _clean("".join(parts))


def _heading(sec) -> tuple[str | None, str]:
    """(number as printed, title) of a section element: "3.1", "A" (from "Appendix A"), or None when unnumbered."""
    title_el = next((c for c in sec if isinstance(c.tag, str) and _has(c, "ltx_title")), None)
    if title_el is None:
        return None, ""
    tag = next((t for t in title_el.iter() if isinstance(t.tag, str) and _has(t, "ltx_tag")), None)
    full = text_of(title_el)
    if tag is None:
        return None, full.rstrip(".:").strip()
    printed = _clean(_all_text(tag))
    title = full[len(printed):] if full.startswith(printed) else full
    number = re.sub(r"^(appendix|section|§)\s*", "", printed.rstrip(".:"), flags=re.I).strip() or None
    return number, title.rstrip(".:").strip()


class _Builder:
    def __init__(self, root, kind: HtmlKind):
        self.root = root
        self.kind = kind
        self.sections: list[Section] = []
        self.tables: list[Table] = []
        self.used: set[str] = set()
        self.errors, self.holders = scan(root)
        self.texts: list[str] = []

    def unique(self, sid: str) -> str:
        base, n = sid, 2
        while sid in self.used:
            sid, n = f"{base}-{n}", n + 1
        self.used.add(sid)
        return sid

    def paragraphs(self, scope, section: Section) -> list[Paragraph]:
        """The section's own paragraphs and captions (tables aside) in document order; nested sections excluded."""
        out: list[Paragraph] = []
        notes: list = []
        self._walk(scope, section, out, notes)
        for note in notes:
            content = next((c for c in note.iter() if isinstance(c.tag, str) and _has(c, "ltx_note_content")), note)
            text = text_of(content)
            text = re.sub(r"^(\d+|[*†‡§])\s*\1?\s*", "", text)  # the footnote mark, printed twice by LaTeXML
            if text:
                out.append(Paragraph(text=text, page=1, kind="footnote", anchor=note.get("id")))
        return out

    def _walk(self, node, section: Section, out: list[Paragraph], notes: list, figure=None) -> None:
        for el in node:
            if not isinstance(el.tag, str) or el.tag == "section":
                continue  # nested sections are read on their own
            cls = el.get("class") or ""
            if "ltx_para" in cls.split():
                out.extend(self._para(el, notes))
                self._walk_lists(el, section, out, notes)
            elif el.tag == "figcaption" or "ltx_caption" in cls:
                out.extend(self._caption(el, figure))
            elif el.tag == "table" and "ltx_tabular" in cls:
                self._table(el, section, figure)
            elif "ltx_note" in cls or "ltx_ERROR" in cls or el.tag in ("script", "style", "nav", "header", "footer"):
                continue
            elif el in self.holders:
                self._walk(el, section, out, notes, el if el.tag == "figure" else figure)

    def _walk_lists(self, para, section: Section, out: list[Paragraph], notes: list) -> None:
        """List items and figures inside a paragraph: each item paragraph is a paragraph of its own."""
        for child in para:
            if isinstance(child.tag, str) and child.tag != "p" and not _has(child, "ltx_p"):
                self._walk(child, section, out, notes, child if child.tag == "figure" else None)

    def _para(self, el, notes: list) -> list[Paragraph]:
        parts = []
        for child in el:
            if not isinstance(child.tag, str) or _has(child, "ltx_itemize") or _has(child, "ltx_enumerate") or _has(child, "ltx_description"):
                continue
            if child.tag in ("figure", "div") and not _has(child, "ltx_p") or _has(child, "ltx_figure") or _has(child, "ltx_table"):
                continue
            parts.append(text_of(child, notes))
        text = _clean(" ".join(p for p in parts if p))
        if not text:
            return []
        self.texts.append(text)
        return [Paragraph(text=text, page=1, kind="text", anchor=el.get("id") or _nearest_id(el))]

    def _caption(self, el, figure) -> list[Paragraph]:
        tag = next((t for t in el.iter() if isinstance(t.tag, str) and _has(t, "ltx_tag")), None)
        label = None
        if tag is not None:
            label = _WS.sub(" ", _all_text(tag)).strip().rstrip(":.") or None
        text = text_of(el)
        if not text:
            return []
        anchor = (figure.get("id") if figure is not None else None) or _nearest_id(el)
        self.texts.append(text)
        return [Paragraph(text=text, page=1, kind="caption", label=label, anchor=anchor)]

    def _table(self, el, section: Section, figure) -> None:
        rows = []
        for tr in el.iter("tr"):
            if next((a for a in tr.iterancestors("table")), None) is el:  # rows of this table, not of one nested in a cell
                cells = [text_of(td) for td in tr if isinstance(td.tag, str) and td.tag in ("td", "th")]
                if any(cells):
                    rows.append(cells)
        if not rows:
            return
        label = None
        if figure is not None:
            cap = figure.xpath(".//figcaption//*[contains(@class, 'ltx_tag')]")
            label = _WS.sub(" ", _all_text(cap[0])).strip().rstrip(":.") if cap else None
        anchor = (figure.get("id") if figure is not None else None) or el.get("id")
        self.tables.append(Table(section_id=section.id, anchor=anchor, label=label, rows=rows))
        self.texts.append("\n".join(" | ".join(r) for r in rows))

    def section(self, el, level: int, parent: Section | None, kind: str) -> None:
        cls = _classes(el)
        number, title = _heading(el)
        if "ltx_bibliography" in cls:
            kind, level = "references", 1
        elif "ltx_appendix" in cls:
            kind = "appendix"
        elif _ACK.match(title) or "ltx_acknowledgements" in cls:
            kind = "acknowledgments"
        title = title or ("References" if kind == "references" else "Acknowledgments" if kind == "acknowledgments" else "Untitled")
        sid = self.unique(number if number else slug(title))
        section = Section(id=sid, title=title, level=level, page_start=1, page_end=1, parent_id=parent.id if parent else None,
                          kind=kind, numbered=number is not None, number=number, anchor=el.get("id"))
        self.sections.append(section)
        if kind == "references":
            section.paragraphs = self._bibliography(el)
        else:
            section.paragraphs = self.paragraphs(el, section)
        for child in _child_sections(el):
            child_cls = _classes(child)
            # LaTeXML's own levels: a paragraph head is level 4 even directly below a section ("S7.SS0.SSS0.Px1").
            child_level = 1 if "ltx_bibliography" in child_cls else next((v for c, v in _LEVEL.items() if c in child_cls), level + 1)
            self.section(child, child_level, section, "appendix" if kind == "appendix" else "body")

    def _bibliography(self, el) -> list[Paragraph]:
        out = []
        for item in el.iter("li"):
            if not _has(item, "ltx_bibitem"):
                continue
            blocks = [text_of(b) for b in item if isinstance(b.tag, str) and _has(b, "ltx_bibblock")]
            text = _clean(" ".join(b for b in blocks if b)) or text_of(item)
            tag = next((t for t in item if isinstance(t.tag, str) and _has(t, "ltx_tag")), None)
            label = _WS.sub(" ", _all_text(tag)).strip() if tag is not None else None
            if text:
                out.append(Paragraph(text=text, page=1, kind="reference", label=label, anchor=item.get("id")))
        return out


def _nearest_id(el) -> str | None:
    for node in (el, *el.iterancestors()):
        if node.get("id"):
            return node.get("id")
    return None


def _child_sections(el) -> list:
    """The sections directly below `el` (LaTeXML may wrap some in a div)."""
    out = []
    for child in el:
        if not isinstance(child.tag, str):
            continue
        if child.tag == "section" and _classes(child) & set(_SECTION_CLASSES):
            out.append(child)
        elif child.tag == "div" and not any(c in (child.get("class") or "") for c in ("ltx_para", "ltx_figure", "ltx_table", "ltx_abstract", "ltx_authors")):
            out.extend(_child_sections(child))
    return out


_BASE_HREF = re.compile(rb'<base href="/html/(?P<id>[^"/]+)/?"')


def html_kind(name: str, html: bytes) -> HtmlKind:
    """arXiv's own page names itself in `<base href="/html/<id>/">`; ar5iv's pages link to ar5iv."""
    if _BASE_HREF.search(html[:8000]):
        return "arxiv-html"
    return "ar5iv" if "ar5iv" in name or b"ar5iv.labs.arxiv.org" in html[:8000] else "arxiv-html"


def arxiv_id_in_page(html: bytes) -> str | None:
    found = _BASE_HREF.search(html[:8000])
    return found["id"].decode("ascii", "replace") if found else None


def parse_html(path: str | Path, *, arxiv_id: str | None = None, kind: HtmlKind | None = None) -> PaperDocument:
    """Parse a LaTeXML page into the paper model; a failed conversion raises a PaperError (the caller falls back)."""
    path = Path(path)
    if not path.exists():
        raise PaperError(f"{path}: file not found")
    data = path.read_bytes()
    return parse_html_bytes(data, source=str(path), arxiv_id=arxiv_id, kind=kind or html_kind(path.name, data))


def parse_html_bytes(data: bytes, *, source: str, arxiv_id: str | None = None, kind: HtmlKind = "arxiv-html") -> PaperDocument:
    if not data.strip():
        raise PaperError(f"{source}: empty file")
    try:
        # Plain etree elements: lxml.html's per-element class lookup costs a third of the parse.
        root = etree.fromstring(data, etree.HTMLParser(encoding="utf-8"))
    except (etree.ParserError, etree.XMLSyntaxError, ValueError) as exc:
        raise PaperError(f"{source}: not an HTML page ({exc})") from None
    if root is None:
        raise PaperError(f"{source}: not an HTML page")
    article = next(iter(root.xpath("//article[contains(@class, 'ltx_document')]") or root.xpath("//*[contains(@class, 'ltx_document')]")), None)
    if article is None:
        raise PaperError(f"{source}: not a LaTeXML page (no ltx_document); arXiv has no HTML for this paper")
    arxiv_id = arxiv_id or arxiv_id_in_page(data)
    b = _Builder(article, kind)
    title_el = first_with_class(article, lambda cls: "ltx_title_document" in cls)
    title = text_of(title_el) if title_el is not None else "Untitled"
    abstract_el = first_with_class(article, lambda cls: has_class_token(cls, "ltx_abstract"))
    abstract = ""
    if abstract_el is not None:
        paras = [Paragraph(text=t, page=1, kind="text", anchor=p.get("id") or _nearest_id(p))
                 for p in abstract_el.xpath(".//*[contains(@class, 'ltx_p')]") if (t := text_of(p))]
        abstract = "\n\n".join(p.text for p in paras)
        b.used.add("abstract")
        b.sections.append(Section(id="abstract", title="Abstract", level=1, page_start=1, page_end=1, kind="abstract",
                                  paragraphs=paras, anchor=abstract_el.get("id")))
        b.texts.extend(p.text for p in paras)
    tops = _child_sections(article)
    for el in tops:
        b.section(el, next((v for c, v in _LEVEL.items() if _has(el, c)), 1), None, "body")
    body = [s for s in b.sections if s.kind not in ("abstract", "references")]
    n_paras = sum(len(s.paragraphs) for s in body)
    if not body or n_paras == 0:
        raise PaperError(f"{source}: the HTML conversion has no sections; falling back")
    if b.errors > MAX_ERROR_SHARE * n_paras:
        raise PaperError(f"{source}: the HTML conversion failed ({b.errors} LaTeXML errors in {n_paras} paragraphs)")
    annotate_sentences(b.sections)
    return PaperDocument(
        source=source, arxiv_id=arxiv_id, title=title, abstract=abstract, page_count=1, structure_source="html",
        sections=b.sections, page_text=["\n".join([title, *b.texts])], source_kind=kind, tables=b.tables,
        content_key=content_key(data, kind),
    )


def content_key(data: bytes, kind: str) -> str:
    """What a parse depends on: the bytes read and the parser that read them."""
    version = HTML_PARSER_VERSION if kind != "pdf" else "pdf"
    return f"{kind}-{version}-sha256-{hashlib.sha256(data).hexdigest()[:20]}"


def verify_html(path: Path) -> None:
    """Raise a PaperError unless `path` is a LaTeXML page worth reading: what may enter a cache."""
    parse_html(path)
