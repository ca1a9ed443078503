"""Deterministic checks of a written analysis against the paper it describes.

Pure functions: the self-check node, the report and the eval metrics all use them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from agent.config import WriterSettings
from agent.reading.kind_schema import kind_spec
from agent.state import CitedText, Finding, Note, PaperAnalysis
from tools.evidence import citation_is_evidence
from tools.paper_model import Citation, PaperDocument, Section, normalize_space

# (见第3.1节, 第4页) / (见摘要, 第1页) / (见“Conclusion”部分, 第9页), full- or half-width; without the page for
# a paper read from HTML, which has no pages: (见第3.1节).
CITATION_MARK = re.compile(
    r"[（(]见\s*(?:第\s*(?P<sec>[^（）()节,，]+?)\s*节|(?P<abs>摘要)|“(?P<title>[^”]+)”部分)(?:\s*[,，]\s*第\s*(?P<page>\d+)\s*页)?[)）]"
)
CITATION_MARK_EN = re.compile(r"\(see (?:Section (?P<sec>[^,()]+)|(?P<abs>Abstract)|“(?P<title>[^”]+)”)(?:, p\. (?P<page>\d+))?\)")
_NUMBER = re.compile(r"(?<![\w.])\d+(?:,\d{3})*(?:\.\d+)?")
_QUOTED = re.compile(r"“[^”]*”|\"[^\"]*\"")
_CJK = re.compile(r"[\u4e00-\u9fff]")
_LATIN = re.compile(r"[A-Za-z]")


def location(section_id: str, page: int | None, *, numbered: bool, title: str = "", abstract: bool = False, language: str = "zh") -> str:
    """Where a quote stands, as readers say it: 第3.1节, 第4页 / Section 3.1, p. 4; without a page when it has none (HTML)."""
    if page is None:
        if language == "en":
            return "Abstract" if abstract else f"Section {section_id}" if numbered else f"“{title or section_id}”"
        return "摘要" if abstract else f"第{section_id}节" if numbered else f"“{title or section_id}”部分"
    if language == "en":
        if abstract:
            return f"Abstract, p. {page}"
        return f"Section {section_id}, p. {page}" if numbered else f"“{title or section_id}”, p. {page}"
    if abstract:
        return f"摘要, 第{page}页"
    return f"第{section_id}节, 第{page}页" if numbered else f"“{title or section_id}”部分, 第{page}页"


def section_location(section: Section, page: int | None, language: str = "zh") -> str:
    return location(section.id, page, numbered=section.numbered, title=section.title, abstract=section.kind == "abstract", language=language)


def citation_label(section: Section, page: int | None, language: str = "zh") -> str:
    """How a citation is written in running text: (见第3.1节, 第4页)."""
    where = section_location(section, page, language)
    return f" (see {where})" if language == "en" else f"（见{where}）"


@dataclass
class Marker:
    text: str
    section: Section | None
    page: int | None


def find_markers(text: str, doc: PaperDocument, language: str = "zh") -> list[Marker]:
    pattern = CITATION_MARK if language == "zh" else CITATION_MARK_EN
    markers = []
    for m in pattern.finditer(text):
        if m["abs"]:
            section = doc.section("abstract")
        elif m["title"]:
            section = next((s for s in doc.sections if s.title == m["title"]), None)
        else:
            section = doc.section(m["sec"])
        markers.append(Marker(m.group(0), section, int(m["page"]) if m["page"] else None))
    return markers


def strip_markers(text: str) -> str:
    return CITATION_MARK_EN.sub("", CITATION_MARK.sub("", text))


def quote_in_section(citation: Citation, doc: PaperDocument) -> bool:
    section = doc.section(citation.section_id)
    if section is None or not citation.quote.strip():
        return False
    return normalize_space(citation.quote) in normalize_space(section.text())


def citation_exists(citation: Citation, doc: PaperDocument) -> bool:
    section = doc.section(citation.section_id)
    if section is None:
        return False
    if citation.page is None:  # only a paper without pages (read from HTML) is cited without one
        return doc.source_kind != "pdf"
    return section.page_start <= citation.page <= section.page_end


def cited_evidence_holds(citation: Citation, doc: PaperDocument) -> bool:
    """The section and page exist, and the quote is the whole, quotable sentences it names."""
    return citation_exists(citation, doc) and quote_in_section(citation, doc) and citation_is_evidence(citation, doc)


def _number_forms(token: str) -> set[str]:
    plain = token.replace(",", "")
    forms = {token, plain}
    if "." in plain:
        forms.add(plain.rstrip("0").rstrip("."))
    return forms


def paper_numbers(doc: PaperDocument) -> set[str]:
    numbers: set[str] = set()
    for token in _NUMBER.findall(doc.full_text()):
        numbers |= _number_forms(token)
    return numbers


def numbers_not_in_paper(text: str, doc: PaperDocument, known: set[str] | None = None) -> list[str]:
    """Numbers the analysis states that appear nowhere in the paper's text (tables included)."""
    paper_numbers_ = known if known is not None else paper_numbers(doc)
    missing = []
    for token in _NUMBER.findall(strip_markers(text)):
        if not (_number_forms(token) & paper_numbers_):
            missing.append(token)
    return list(dict.fromkeys(missing))


def chinese_ratio(text: str, quotes: list[str] | tuple[str, ...] = ()) -> float:
    """Share of CJK characters among letters, outside quotations and citation markers.

    Known quotes are removed first: a quote may itself contain quotation marks.
    """
    bare = strip_markers(text)
    for quote in quotes:
        bare = bare.replace(quote, "")
    bare = _QUOTED.sub("", bare)
    cjk, latin = len(_CJK.findall(bare)), len(_LATIN.findall(bare))
    return cjk / (cjk + latin) if cjk + latin else 1.0


def _check_cited(
    part: str, item: CitedText, notes: dict[str, Note], doc: PaperDocument, language: str, numbers: set[str]
) -> list[Finding]:
    findings: list[Finding] = []
    if not item.text.strip():
        return [Finding(part=part, code="structure", message="empty text")]
    if item.absent and not item.evidence and not find_markers(item.text, doc, language):
        return []  # "no sentence of the paper fits this part": claims nothing, so nothing to back
    if not item.evidence:
        findings.append(Finding(part=part, code="missing_evidence", message="no evidence (notes) backs this text"))
    cited = []
    for ev in item.evidence:
        note = notes.get(ev)
        if note is None:
            findings.append(Finding(part=part, code="bad_citation", message=f"evidence {ev} does not exist"))
            continue
        cited.append(note.citation)
        if not citation_exists(note.citation, doc):
            findings.append(Finding(part=part, code="bad_citation", message=f"{ev}: section {note.citation.section_id} p.{note.citation.page} does not exist"))
        elif not quote_in_section(note.citation, doc):
            findings.append(Finding(part=part, code="quote_not_found", message=f"{ev}: quote not found in section {note.citation.section_id}"))
        elif not citation_is_evidence(note.citation, doc):
            findings.append(Finding(part=part, code="not_evidence", message=f"{ev}: the quote is not whole sentences of body text"))
    for marker in find_markers(item.text, doc, language):
        if marker.section is None:
            findings.append(Finding(part=part, code="bad_citation", message=f"{marker.text} cites a section the paper does not have"))
        elif marker.page is None and doc.source_kind == "pdf":
            findings.append(Finding(part=part, code="bad_citation", message=f"{marker.text} gives no page"))
        elif marker.page is not None and not marker.section.page_start <= marker.page <= marker.section.page_end:
            findings.append(Finding(part=part, code="bad_citation", message=f"{marker.text}: section {marker.section.id} is on pages {marker.section.page_start}-{marker.section.page_end}"))
        elif not any(c.section_id == marker.section.id and c.page == marker.page for c in cited):
            findings.append(Finding(part=part, code="bad_citation", message=f"{marker.text} is not backed by any of its evidence"))
    missing = numbers_not_in_paper(item.text, doc, numbers)
    if missing:
        findings.append(Finding(part=part, code="number_not_in_paper", message=f"numbers not found in the paper: {', '.join(missing)}"))
    return findings


def validate_analysis(
    analysis: PaperAnalysis, notes: list[Note], doc: PaperDocument, *, language: str = "zh", settings: WriterSettings | None = None,
    kind: str = "method",
) -> list[Finding]:
    """Findings against the parts of the paper's kind (agent/reading/paper_kinds.toml): a slot the kind does not use may stay empty."""
    settings = settings or WriterSettings()
    slots = set(kind_spec(kind).slots) | {"summary"}
    by_id = {n.id: n for n in notes}
    findings: list[Finding] = []
    if "contributions" in slots and not analysis.contributions:
        findings.append(Finding(part="contributions", code="structure", message="no contribution listed"))
    future = analysis.future
    if not (future.author_limitations or future.author_future_work or future.inferred_limitations or future.suggestions):
        findings.append(Finding(part="future", code="structure", message="no limitation or suggestion given"))
    numbers = paper_numbers(doc)
    for part, item in analysis.cited_texts():
        findings += _check_cited(part, item, by_id, doc, language, numbers)
    quotes = [n.citation.quote for n in notes]
    for part_name, text in [*((p, c.text) for p, c in analysis.cited_texts()), *(("future", s) for s in future.inferred_limitations + future.suggestions)]:
        if language == "zh" and chinese_ratio(text, quotes) < 0.4:
            findings.append(Finding(part=part_name, code="not_chinese", message=f"not written in Chinese: {text[:40]!r}"))
    for part_name, items in (("summary", [analysis.summary]), ("motivation", [analysis.motivation]), ("method", [analysis.method]), ("experiments", [analysis.experiments])):
        if items[0].absent or part_name not in slots:
            continue
        length = len(strip_markers(items[0].text))
        if length < settings.min_chars_per_part or length > settings.max_chars_per_part:
            findings.append(Finding(part=part_name, code="length", message=f"{length} characters (allowed {settings.min_chars_per_part}-{settings.max_chars_per_part})"))
    return findings
