"""A profile's library: the papers a group already keeps, read from BibTeX, RIS or Zotero CSV exports.

Reference managers export the same few fields under different names (Zotero's CSV says "Abstract Note",
RIS says AB, Google Scholar's BibTeX has no abstract at all). Every entry becomes a LibraryPaper with a title,
an abstract when there is one, and an arXiv id or DOI when the export names one. A file that cannot be read
is a LibraryError naming the file and the line.
"""

from __future__ import annotations

import csv
import io
import logging
import re
from pathlib import Path

import bibtexparser
import rispy
from pydantic import BaseModel
from pylatexenc.latex2text import LatexNodes2Text

from tools.arxiv_ids import parse_arxiv_id
from tools.errors import ConfigError


class LibraryError(ConfigError):
    """A library file that cannot be read; the message names the file and the line."""


class LibraryPaper(BaseModel):
    title: str
    abstract: str = ""
    arxiv_id: str | None = None  # without version
    doi: str | None = None
    source: str = ""  # "papers.bib:12"

    @property
    def text(self) -> str:
        return f"{self.title}. {self.abstract}".strip()

    @property
    def keys(self) -> list[str]:
        """What identifies the paper, strongest first: arXiv id, DOI, folded title."""
        return [k for k in (self.arxiv_id, self.doi and self.doi.lower(), _title_key(self.title)) if k]


_ARXIV_IN_TEXT = re.compile(r"(?:arxiv\.org/(?:abs|pdf)/|arxiv[:\s]\s*)(\d{4}\.\d{4,5}(?:v\d+)?|[a-z\-]+(?:\.[A-Z]{2})?/\d{7})", re.I)
_BRACES = re.compile(r"[{}]")
_RIS_TAG = re.compile(r"^[A-Z][A-Z0-9]  -( |$)")


def _clean(value: str | None) -> str:
    """BibTeX protects case with braces and wraps long fields; neither belongs in the text."""
    return " ".join(_BRACES.sub("", value or "").split())


def _arxiv_id(*values: str | None) -> str | None:
    for value in values:
        if not value:
            continue
        match = _ARXIV_IN_TEXT.search(value)
        candidate = match.group(1) if match else value.strip()
        try:
            return parse_arxiv_id(candidate).base
        except ConfigError:
            continue
    return None


def _paper(title: str, abstract: str, source: str, *, eprint: str | None = None, urls: list[str] | None = None,
           doi: str | None = None, extra: str | None = None) -> LibraryPaper | None:
    title = _clean(title)
    if not title:
        return None
    arxiv_id = _arxiv_id(eprint, *(urls or []), extra, doi if doi and "arxiv" in doi.lower() else None)
    return LibraryPaper(title=title, abstract=_clean(abstract), arxiv_id=arxiv_id, doi=_clean(doi) or None, source=source)


_LATEX = LatexNodes2Text(math_mode="verbatim")
_BARE_PERCENT = re.compile(r"(?<!\\)%")
_MONTHS = {m: m.capitalize() for m in ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")}


def _latex_to_text(value: str) -> str:
    """Accents and escapes as text: Sch\\"{o}n -> Schön, \\& -> &; a bare % is text here, not a LaTeX comment."""
    try:
        return _LATEX.latex_to_text(_BARE_PERCENT.sub(r"\\%", value))
    except Exception:  # pylatexenc is lenient; anything it still cannot read stays as it was
        return value


def _split_concatenation(value: str) -> list[str]:
    """The operands of BibTeX's `a # "b" # {c}`, split at the #s outside quotes and braces."""
    parts, depth, quoted, start = [], 0, False, 0
    for i, ch in enumerate(value):
        if ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
        elif ch == '"' and depth == 0:
            quoted = not quoted
        elif ch == "#" and depth == 0 and not quoted:
            parts.append(value[start:i])
            start = i + 1
    return [*parts, value[start:]]


def _expand_macros(value: str, strings: dict[str, str]) -> str:
    """`@string` macros joined with #, which bibtexparser leaves as written; anything else is returned unchanged."""
    operands = _split_concatenation(value)
    if len(operands) < 2:
        return value
    out = []
    for operand in (o.strip() for o in operands):
        if len(operand) >= 2 and operand[0] + operand[-1] in ('""', "{}"):
            out.append(operand[1:-1])
        elif operand.lower() in strings:
            out.append(strings[operand.lower()])
        elif operand.isdigit():
            out.append(operand)
        else:
            return value  # not a concatenation after all (a title with a # in it)
    return "".join(out)


def read_bibtex(text: str, name: str) -> list[LibraryPaper]:
    # bibtexparser logs each failed block as a multi-line warning; the failure is reported below, in one line.
    quiet = logging.getLogger("bibtexparser")
    level, quiet.level = quiet.level, logging.ERROR
    try:
        library = bibtexparser.parse_string(text)
    finally:
        quiet.setLevel(level)
    if library.failed_blocks:
        block = library.failed_blocks[0]
        error = getattr(block, "error", None)
        detail = getattr(error, "abort_reason", None) or str(error or "")
        reason = (detail.strip().splitlines() or ["unreadable entry (an unclosed brace or a missing comma?)"])[0]
        raise LibraryError(f"{name}:{block.start_line + 1}: {reason}")
    strings = {**_MONTHS, **{s.key.lower(): str(s.value) for s in library.strings}}
    papers = []
    for entry in library.entries:
        fields = {k.lower(): _expand_macros(str(v.value), strings) for k, v in entry.fields_dict.items()}
        paper = _paper(_latex_to_text(fields.get("title", "")), _latex_to_text(fields.get("abstract", "")), f"{name}:{entry.start_line + 1}",
                       eprint=fields.get("eprint") if fields.get("archiveprefix", "arxiv").lower() == "arxiv" else None,
                       urls=[fields.get("url", "")], doi=fields.get("doi"), extra=fields.get("journal") or fields.get("note"))
        if paper:
            papers.append(paper)
    return papers


def read_ris(text: str, name: str) -> list[LibraryPaper]:
    for number, line in enumerate(text.splitlines(), 1):
        line = line.lstrip("\ufeff").rstrip()
        if line and not _RIS_TAG.match(line):
            raise LibraryError(f"{name}:{number}: not a RIS line (expected a tag such as 'TI  - '): {line[:60]!r}")
    try:
        records = rispy.loads(text.lstrip("\ufeff"))
    except Exception as exc:  # rispy raises plain IOError/ValueError subclasses on malformed records
        raise LibraryError(f"{name}: {str(exc).splitlines()[0] if str(exc) else type(exc).__name__}") from None
    if text.strip() and not records:
        raise LibraryError(f"{name}:1: no RIS record (each starts with 'TY  - ' and ends with 'ER  - ')")
    papers = []
    for number, record in enumerate(records, 1):
        title = record.get("title") or record.get("primary_title") or ""
        paper = _paper(title, record.get("abstract", ""), f"{name}#{number}", urls=record.get("urls"), doi=record.get("doi"),
                       extra=" ".join(record.get("notes", []) or []))
        if paper:
            papers.append(paper)
    return papers


def read_zotero_csv(text: str, name: str) -> list[LibraryPaper]:
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    if not reader.fieldnames or "Title" not in reader.fieldnames:
        raise LibraryError(f"{name}:1: a Zotero CSV export needs a 'Title' column")
    papers = []
    try:
        for row in reader:
            paper = _paper(row.get("Title", ""), row.get("Abstract Note", ""), f"{name}:{reader.line_num}",
                           urls=[row.get("Url", "")], doi=row.get("DOI"), extra=row.get("Extra"))
            if paper:
                papers.append(paper)
    except csv.Error as exc:
        raise LibraryError(f"{name}:{reader.line_num}: {exc}") from None
    return papers


READERS = {".bib": read_bibtex, ".bibtex": read_bibtex, ".ris": read_ris, ".csv": read_zotero_csv}


def read_library_file(path: Path) -> list[LibraryPaper]:
    reader = READERS.get(path.suffix.lower())
    if reader is None:
        raise LibraryError(f"{path}: unknown library format (use .bib, .ris or a Zotero .csv export)")
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise LibraryError(f"{path}: library file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise LibraryError(f"{path}: cannot read ({exc})") from None
    papers = reader(text, str(path))
    if not papers:
        # A library that teaches nothing must not pass for one that does: the semantic stage would run without it.
        raise LibraryError(f"{path}: no paper with a title in this file (is it really a {path.suffix} export?); "
                           "export the library again, or remove the file from `library` in the profile")
    return papers


def read_library(paths: list[Path]) -> list[LibraryPaper]:
    """All papers of the given files, each once (by arXiv id, DOI or title)."""
    papers: list[LibraryPaper] = []
    seen: set[str] = set()
    for path in paths:
        for paper in read_library_file(path):
            keys = set(paper.keys)
            if keys & seen:
                continue
            seen |= keys
            papers.append(paper)
    return papers


def _title_key(title: str) -> str:
    return "title:" + re.sub(r"[^a-z0-9]+", " ", title.lower()).strip()
