"""Find a paper's headings: from its outline (bookmarks) or from the page layout.

Both paths produce `Heading`s that point into the document's reading-order
line list, so sections are cut the same way whichever path found them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from functools import lru_cache

from tools.contents_pages import contents_lines
from tools.pdf_layout import _BOLD_FONT, DocumentLayout, Line

_SMALL_CAPS_FONT = re.compile(r"(cmcsc|smallcaps|-sc$|caps)", re.I)
_ROMAN_VALUES = {"I": 1, "V": 5, "X": 10, "L": 50}
_ARABIC = re.compile(r"^(?P<num>\d{1,2}(?:\.\d{1,2}){0,3})\.?\s+(?P<title>\S.*)$")
# REVTeX's own guides number subsections under roman sections "I.1.", "II.3.".
_ROMAN = re.compile(r"^(?P<num>[IVX]{1,6}(?:\.\d{1,2}){0,2})\.?\s+(?P<title>\S.*)$")
_LETTER = re.compile(r"^(?P<num>[A-Z](?:\.\d{1,2}){0,3})\.?\s+(?P<title>\S.*)$")
_SECTION_SIGN = re.compile(r"^§\s*(?=\d)")
# The letter stands alone: "Appendix Overview" is not appendix O.
_APPENDIX = re.compile(r"^(?:appendix|supplementary\s+material)\s+(?P<num>[A-Z](?:\.\d{1,2})*)(?![a-z])\s*[:.\-–]?\s*(?P<title>.*)$", re.I)

# Unnumbered headings most papers print, with the kind of section they open.
NAMED_HEADINGS: dict[str, str] = {
    "abstract": "abstract",
    "acknowledgments": "acknowledgments",
    "acknowledgements": "acknowledgments",
    "acknowledgment": "acknowledgments",
    "acknowledgement": "acknowledgments",
    "references": "references",
    "bibliography": "references",
    "literature cited": "references",
    "appendix": "appendix",
    "appendices": "appendix",
    "supplementary material": "appendix",
}
_SOFT_NAMED = {"introduction", "background", "methods", "materials and methods", "results", "results and discussion", "conclusion", "conclusions",
               "related work", "discussion", "limitations", "broader impact", "ethics statement"}


def roman_value(text: str) -> int | None:
    if not text or any(c not in _ROMAN_VALUES for c in text):
        return None
    total = 0
    for i, c in enumerate(text):
        v = _ROMAN_VALUES[c]
        total += -v if i + 1 < len(text) and _ROMAN_VALUES[text[i + 1]] > v else v
    # Only canonical numerals (no "IIII", "VV"): round-trip check.
    return total if _to_roman(total) == text else None


def _to_roman(n: int) -> str:
    out = ""
    for v, s in ((50, "L"), (40, "XL"), (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I")):
        while n >= v:
            out += s
            n -= v
    return out


_NON_WORD = re.compile(r"[^\w]+")


@lru_cache(maxsize=8192)
def normalize_title(text: str) -> str:
    """Case, whitespace and punctuation folded: how headings and outline entries are compared.

    Cached: heading detection asks for the same lines many times."""
    return _NON_WORD.sub(" ", text.lower()).strip()


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "section"


@dataclass
class ParsedNumber:
    style: str  # "arabic", "roman", "letter", "appendix"
    label: str  # as printed, without trailing dot: "3.1", "II", "A", "A.2"
    parts: tuple[int, ...]
    title: str


def parse_number(text: str) -> ParsedNumber | None:
    """Split "3.1. Residual Learning" into its number and title, if it has one."""
    # Some styles (essays, older physics and law journals) print "§1 Introduction" or "§ 2. Results".
    text = _SECTION_SIGN.sub("", text.strip())
    m = _APPENDIX.match(text)
    if m:
        label = m["num"]
        return ParsedNumber("appendix", label, _letter_parts(label), m["title"].strip() or f"Appendix {label}")
    m = _ARABIC.match(text)
    if m and _title_ok(m["title"]):
        return ParsedNumber("arabic", m["num"], tuple(int(p) for p in m["num"].split(".")), m["title"].strip())
    m = _ROMAN.match(text)
    if m and _title_ok(m["title"]):
        head, *subs = m["num"].split(".")
        value = roman_value(head)
        if value:
            return ParsedNumber("roman", m["num"], (value, *(int(x) for x in subs)), m["title"].strip())
    m = _LETTER.match(text)
    if m and _title_ok(m["title"]):
        return ParsedNumber("letter", m["num"], _letter_parts(m["num"]), m["title"].strip())
    return None


def _letter_parts(label: str) -> tuple[int, ...]:
    head, *rest = label.split(".")
    return (ord(head.upper()) - ord("A") + 1, *(int(r) for r in rest))


def _title_ok(title: str) -> bool:
    title = title.strip()
    if not title or not (title[0].isalpha() or title[0] in "[(\"'“‘"):
        return False
    letters = sum(c.isalpha() for c in title)
    return letters >= 2 and letters >= 0.5 * len(title.replace(" ", "")) and len(title) <= 160


def named_kind(text: str) -> str | None:
    key = normalize_title(text)
    return NAMED_HEADINGS.get(key)


@dataclass
class Heading:
    start: int  # index of the first heading line in the reading-order line list
    end: int  # index of the last heading line (== start - 1 when no printed heading line)
    label: str | None  # section id from the number, e.g. "3.1" or "II.A"; None when unnumbered
    title: str
    level: int
    page: int  # 0-based
    kind: str = "body"
    synthetic: bool = False
    number: str | None = None  # the number as printed ("A" for section II.A)

    def __post_init__(self):
        if self.number is None:
            self.number = self.label


def _is_successor(prev: tuple[int, ...] | None, cur: tuple[int, ...]) -> bool:
    """Is `cur` a plausible next number after `prev`? Allows one or two skipped siblings."""
    if prev is None:
        return cur[0] <= 2 and all(p <= 2 for p in cur[1:])
    if len(cur) == len(prev) + 1 and cur[:-1] == prev and cur[-1] in (1, 2):
        return True
    for depth in range(len(prev)):
        if len(cur) == depth + 1 and cur[:depth] == prev[:depth] and 1 <= cur[depth] - prev[depth] <= 3:
            return True
        # A new top or middle section may open straight with its first subsection.
        if len(cur) == depth + 2 and cur[:depth] == prev[:depth] and 1 <= cur[depth] - prev[depth] <= 2 and cur[-1] == 1:
            return True
    return False


_FUNCTION_WORDS = frozenset("a an and the of for in on with to from by via or its their".split())


def _cut_mid_phrase(first: str, second: str) -> bool:
    """A capitals heading broken after a function word ("XIII. REVTEX 4.2 SYMBOLS AND THE" / "REVSYMB4-2 PACKAGE"):
    the second line may be set in another weight (a typewriter package name) and still belong to it."""
    words = first.split()
    return bool(words) and words[-1].lower() in _FUNCTION_WORDS and first.isupper() and second.isupper()


class _Candidates:
    """Heading-looking lines with the style tests shared by both numbered and named headings."""

    def __init__(self, layout: DocumentLayout, lines: list[Line] | None = None):
        # The outline path passes the lines it located its entries in, so indices agree and they are not listed again.
        self.lines: list[Line] = list(layout.lines()) if lines is None else lines
        self.body = layout.body_size
        self.heights = {page.number: page.height for page in layout.pages}

    def running_head(self, i: int) -> bool:
        """A running head that names the section and the page ("1 INTRODUCTION 2"): it changes from page to page,
        so margin cleaning keeps it, but it is not where the section starts."""
        ln = self.lines[i]
        return ln.y1 < 0.09 * self.heights.get(ln.page, 792.0) and re.search(r"\D\s\d{1,4}$", ln.text.strip()) is not None

    def styled(self, i: int) -> bool:
        ln = self.lines[i]
        # Some styles (ICLR) set headings in plain small capitals.
        caps = ln.first_in_block and ln.text.isupper() and sum(c.isalpha() for c in ln.text) >= 4
        # IEEE and AAS set subsection headings ("A. Large Language Models") in italics.
        italic_numbered = ln.first_in_block and ln.italic and re.match(r"^[A-Z]\.\s+\S", ln.text) is not None
        nxt = self.lines[i + 1] if i + 1 < len(self.lines) else None
        alone = nxt is None or nxt.first_in_block or nxt.page != ln.page
        # Journals (CJE) set subsubsections "1.10.1. Coding for landscape tables" in text-size italics, on a line of
        # their own that stops well short of the roman text under it. Third level and below only: a second-level one
        # ("4.1. TAM ... Testing" in tests/fixtures/papers/futureinternet-2014-6-61) is labelled a sentence (sup-661).
        # A run-in italic head that fills the line ("4.1.2 Term Definitions help Sarah resolve ...") is not one.
        ends_short = nxt is not None and nxt.page == ln.page and not nxt.italic and nxt.x1 - ln.x1 > 40
        italic_numbered = italic_numbered or (ln.first_in_block and ln.italic and ends_short and re.match(r"^\d{1,2}(\.\d{1,2}){2,3}\.?\s+\S", ln.text) is not None)
        # amsart sets section headings in a small-caps font ("1. Introduction" in CMCSC10) at body size.
        small_caps = ln.first_in_block and _SMALL_CAPS_FONT.search(ln.font) is not None and (
            parse_number(ln.text) is not None or named_kind(ln.text) is not None)
        # A bold font whose line holds a few roman or typewriter words ("8. Various font features of the amsmath
        # package") falls short of the bold share the layout asks for; the line's main font still says bold. It must
        # be a block of its own: a list item that starts with a bold word ("3. Segmentation: given ...") runs on.
        bold_font = ln.first_in_block and _BOLD_FONT.search(ln.font) is not None and alone
        return ln.bold or bold_font or ln.size >= self.body + 0.9 or caps or italic_numbered or small_caps

    def stands_alone(self, i: int) -> bool:
        ln = self.lines[i]
        if ln.first_in_block or i == 0:
            return True
        prev = self.lines[i - 1]
        return prev.page != ln.page or prev.bold != ln.bold or abs(prev.size - ln.size) > 0.5 or prev.text.rstrip().endswith((".", ":"))

    def short(self, i: int) -> bool:
        text = self.lines[i].text
        return len(text) <= 120 and len(text.split()) <= 18

    def continuation(self, i: int, j: int) -> bool:
        """Does line j continue the heading that starts at line i?"""
        if j >= len(self.lines):
            return False
        a, b = self.lines[i], self.lines[j]
        return (
            b.page == a.page
            and b.x0 < a.x1
            and a.x0 < b.x1
            and (b.bold == a.bold or _cut_mid_phrase(a.text, b.text))
            and b.italic == a.italic  # an italic IEEE subsection heading is not continued by the roman text under it
            and abs(b.size - a.size) <= 0.5
            and not parse_number(b.text)
            and len(b.text.split()) <= 10
            and not a.text.rstrip().endswith((".", ":"))
            and (b.y0 - a.y1) < 1.2 * a.size
            # A run-in paragraph heading ("Detecting paraphrases.") is not a second heading line.
            and not b.text.rstrip().endswith(".")
            and (b.block == a.block or (b.y0 - a.y1) < 0.6 * a.size)
        )


def detect_headings(layout: DocumentLayout) -> tuple[list[Heading], list[Line]]:
    """Headings from fonts, weights and numbering when the PDF has no outline."""
    cand = _Candidates(layout)
    lines = cand.lines
    headings: list[Heading] = []
    prev_number: tuple[int, ...] | None = None
    top_style: str | None = None  # "arabic" or "roman", fixed by the first numbered heading
    roman_prev: int | None = None
    roman_parts_prev: tuple[int, ...] | None = None  # the last roman heading's full number, "I.2" as (1, 2)
    letter_prev: tuple[int, ...] | None = None
    in_appendix = False
    # A printed table of contents repeats the headings with page numbers: it opens a section of its own.
    contents = contents_lines(lines)
    # Numbers before a printed "Abstract" are affiliation marks, not sections.
    i = first = next((k for k, ln in enumerate(lines) if cand.styled(k) and named_kind(ln.text) == "abstract"), 0)
    while i < len(lines):
        ln = lines[i]
        if i in contents:
            if i - 1 not in contents:
                headings.append(Heading(i, i, None, ln.text.strip(), 1, ln.page, "contents"))
            i += 1
            continue
        if top_style == "arabic" and not in_appendix and _split_run_in(cand, i, prev_number):
            contents = {k + (k > i) for k in contents}
            ln = lines[i]
        elif not (cand.styled(i) and cand.short(i) and cand.stands_alone(i)) or cand.running_head(i):
            i += 1
            continue
        text = ln.text.strip()
        end = i
        # Glue a bare number line ("2.1") to the title printed beside or below it.
        if re.fullmatch(r"(\d{1,2}(\.\d{1,2}){0,3}|[IVX]{1,6}|[A-Z])\.?", text) and i + 1 < len(lines):
            nxt = lines[i + 1]
            # Same size too: a figure's big panel letter ("B" in 54 pt) is not the number of the caption beside it.
            if nxt.page == ln.page and nxt.bold == ln.bold and abs(nxt.size - ln.size) <= 1.0 and abs(nxt.y1 - ln.y1) < 2 * ln.size:
                text = f"{text} {nxt.text.strip()}"
                end = i + 1
        while end - i < 3 and cand.continuation(end, end + 1):
            end += 1
            nxt = lines[end].text.strip()
            text = f"{text}{nxt}" if text.endswith("-") else f"{text} {nxt}"
        text = re.sub(r"\s+", " ", text)
        kind = named_kind(text)
        parsed = None if kind else parse_number(text)
        accepted: Heading | None = None
        if kind:
            in_appendix = in_appendix or kind in ("appendix", "references")
            accepted = Heading(i, end, None, text.strip().rstrip(".:"), 1, ln.page, kind)
        elif parsed and parsed.style == "appendix":
            if letter_prev is None or _is_successor(letter_prev, parsed.parts):
                letter_prev = parsed.parts
                in_appendix = True
                accepted = Heading(i, end, parsed.label, parsed.title, len(parsed.parts), ln.page, "appendix")
        elif parsed and parsed.style == "roman" and len(parsed.parts) > 1 and top_style == "roman":
            if roman_parts_prev is not None and _is_successor(roman_parts_prev, parsed.parts):
                roman_parts_prev = parsed.parts
                accepted = Heading(i, end, parsed.label, parsed.title, len(parsed.parts), ln.page)
        elif parsed and parsed.style == "roman" and len(parsed.parts) == 1 and top_style in (None, "roman"):
            if roman_prev is None and parsed.parts[0] <= 2 or roman_prev is not None and 1 <= parsed.parts[0] - roman_prev <= 2:
                top_style, roman_prev, letter_prev = "roman", parsed.parts[0], None
                roman_parts_prev = parsed.parts
                accepted = Heading(i, end, parsed.label, parsed.title, 1, ln.page)
        elif parsed and parsed.style == "letter" and top_style == "roman" and not in_appendix and roman_prev:
            if (letter_prev is None and parsed.parts == (1,)) or (letter_prev and _is_successor(letter_prev, parsed.parts)):
                letter_prev = parsed.parts
                label = f"{_to_roman(roman_prev)}.{parsed.label}"
                accepted = Heading(i, end, label, parsed.title, 1 + len(parsed.parts), ln.page, number=parsed.label)
        elif parsed and parsed.style == "letter" and (in_appendix or top_style == "arabic"):
            if (letter_prev is None and parsed.parts[0] == 1) or (letter_prev and _is_successor(letter_prev, parsed.parts)):
                # A lettered top-level heading after the body opens the appendix; set lighter than the sections it
                # is a line of text that starts with the article "A" ("A bunch of packages").
                if letter_prev is None and not in_appendix and (len(parsed.parts) > 1 or _lighter_than_its_level(lines, headings, ln, 1)):
                    pass
                else:
                    letter_prev = parsed.parts
                    in_appendix = True
                    accepted = Heading(i, end, parsed.label, parsed.title, len(parsed.parts), ln.page, "appendix")
        elif parsed and parsed.style == "arabic" and top_style in (None, "arabic") and not in_appendix:
            if _is_successor(prev_number, parsed.parts) and not _lighter_than_its_level(lines, headings, ln, len(parsed.parts)):
                top_style, prev_number = "arabic", parsed.parts
                accepted = Heading(i, end, parsed.label, parsed.title, len(parsed.parts), ln.page)
        if accepted:
            headings.append(accepted)
            i = end + 1
        else:
            i += 1
    if sum(1 for h in headings if h.label) < 2:
        from tools.unnumbered_headings import unnumbered_fallback  # it builds on this module's candidates

        headings = unnumbered_fallback(cand, headings, first)
    else:
        from tools.heading_styles import add_unnumbered_by_style  # it builds on this module's candidates

        headings = add_unnumbered_by_style(cand, headings, contents, first)
    return headings, lines


# A numbered run-in subsection set in the text's own size, in italics or roman (aomart, amsart's \subsection):
# "8.1. Bold versions of special symbols. In the amsmath package ..." The title is short and ends with a period.
_RUN_IN = re.compile(r"^(?P<num>\d{1,2}(?:\.\d{1,2}){1,2})\.\s+(?P<title>[A-Z“\"'(][^.]{1,80}?[^.\s])\.\s+(?P<rest>\S.*)$")


def _lighter_than_its_level(lines: list[Line], headings: list[Heading], ln: Line, level: int) -> bool:
    """A numbered list item in the text ("3. We do not try to control ...") set lighter and smaller than the
    numbered headings of its level found so far: it would put the numbering out of step."""
    first = next((lines[h.start] for h in headings if h.label and h.kind == "body" and h.level == level), None)
    return first is not None and first.bold and not ln.bold and ln.size < first.size - 1.0


def _split_run_in(cand: _Candidates, i: int, prev: tuple[int, ...] | None) -> bool:
    """Split a numbered run-in subsection at body size into a heading line and its text, when its number follows
    the last numbered heading. Changes `cand.lines` (one line more after `i`) and says whether it did."""
    ln = cand.lines[i]
    if not ln.first_in_block or abs(ln.size - cand.body) > 0.6 or ln.bold:
        return False
    m = _RUN_IN.match(ln.text.strip())
    if m is None or len(m["title"].split()) > 12 or prev is None:
        return False
    parts = tuple(int(x) for x in m["num"].split("."))
    if not _is_successor(prev, parts):
        return False
    head_text = f"{m['num']}. {m['title']}"
    # Where the heading ends on the line, by its share of the characters (the line's spans are gone by now).
    cut = ln.x0 + (ln.x1 - ln.x0) * (len(head_text) + 1) / max(len(ln.text.strip()), 1)
    head = replace(ln, x1=cut, text=head_text)
    rest = replace(ln, x0=cut, text=m["rest"], first_in_block=False)
    cand.lines[i:i + 1] = [head, rest]
    return True


# Unnumbered sections ACL-style papers print after the conclusion (\section*), which their outlines leave out.
_PRINTED_STARRED = {"limitations", "ethics statement", "ethical considerations", "broader impact", "broader impacts"}


def add_printed_back_matter(layout: DocumentLayout, lines: list[Line], headings: list[Heading]) -> list[Heading]:
    """Outlines often leave out References, Acknowledgments and starred sections (Limitations, Ethics Statement):
    add them where the paper prints them."""
    cand, have = _Candidates(layout, lines), {h.kind for h in headings}
    titles = {normalize_title(h.title) for h in headings}
    extra = [Heading(i, i, None, ln.text.strip(), 1, ln.page, kind or "body") for i, ln in enumerate(lines)
             if ((kind := named_kind(ln.text)) in ("references", "acknowledgments") and kind not in have
                 or (kind is None and normalize_title(ln.text) in _PRINTED_STARRED - titles))
             and cand.styled(i) and cand.short(i) and ln.first_in_block and all(h.start != i for h in headings)]
    return sorted([*headings, *extra], key=lambda h: h.start)
