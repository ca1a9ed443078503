"""No quote holds a citation marker or a run-in heading, on every bundled paper, PDF and HTML, and in the bundled report."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pymupdf
import pytest

from tests.conftest import FIXTURES, SAMPLE_DIR
from tools.citation_markers import quote_on_page, strip_citation_markers, verification_key
from tools.html_parse import parse_html
from tools.paper_model import PaperDocument
from tools.pdf_parse import parse_pdf

PDFS = sorted(SAMPLE_DIR.glob("*.pdf")) + sorted((FIXTURES / "papers").glob("*.pdf")) + sorted((FIXTURES / "papers-kinds").glob("*.pdf"))
HTMLS = sorted((FIXTURES / "html").glob("*.html"))

# Written apart from tools/citation_markers.py, so that a form the parser misses shows here:
# numeric "[12]", "[3, 5–7]"; alpha keys "[Arn94]", "[BKS+20]"; author-year "(Devlin et al., 2018)", "[Guo et al., 2017]";
# a textual citation's year "Guu et al. (2020)".
MARKER = re.compile(
    r"\[[1-9]\d{0,3}(?:\s*[,–-]\s*\d+)*\]"
    r"|\[[A-Z][A-Za-z]{0,6}\+?\d\d[a-z]?[\],]"
    r"|[(\[](?:e\.g\.,?\s*|see\s+)?[A-Z][\w'’\-]*[a-z][^()\[\]]*?,\s*(?:19|20)\d\d[a-z]?[)\];]"
    r"|\bet al\.\s*\((?:19|20)\d\d"
)


@pytest.mark.parametrize("text, kept", [
    ("as shown in [12], the model [3, 5–7] works [6-10].", "as shown in, the model works."),
    ("Arnold's result [Arn94] and [BKS+20] and [Thu90,STCR95] and [Pos06, Theorem 12.7] hold.", "Arnold's result and and and hold."),
    ("We use BERT (Devlin et al., 2018) and RoBERTa (Liu et al., 2019; Raffel et al., 2019).", "We use BERT and RoBERTa."),
    ("As proposed by Guu et al. (2020), retrieval helps, as in Karpukhin et al. (2020).", "As proposed by Guu et al., retrieval helps, as in Karpukhin et al."),
    ("The package (Bates, Maechler, Bolker, and Walker 2014a) uses R (R Core Team 2015).", "The package uses R."),
    ("See [Brown et al., 2020, Smith et al., 2022] for more (see [4]).", "See for more."),
    # not citations: intervals, indices, equation numbers, years in prose, bracketed words, a dataset's year
    ("It lies in [0, 1], the interval [1, 2] and x ∈ [1, 5]; A[2] and Eq. (3) in 2019 on the [Left] panel (ILSVRC 2012).", None),
])
def test_markers_are_removed_and_what_is_no_marker_stays(text, kept):
    assert strip_citation_markers(text) == (kept if kept is not None else text)
    assert quote_on_page(kept or text, f"Some words before. {text} And after.")


def _bold_heads(pdf: Path) -> set[str]:
    """Bold words opening a line, followed by roman text: the run-in heads a reader sees, read straight from PyMuPDF."""
    heads = set()
    with pymupdf.open(pdf) as doc:
        for page in doc:
            for block in page.get_text("dict", flags=pymupdf.TEXT_PRESERVE_WHITESPACE)["blocks"]:
                for line in block.get("lines", []):
                    spans = [s for s in line["spans"] if s["text"].strip()]
                    k = next((i for i, s in enumerate(spans) if not (s["flags"] & 16 or "Bold" in s["font"] or "CMBX" in s["font"])), 0)
                    head = " ".join("".join(s["text"] for s in spans[:k]).split())
                    if k and sum(map(str.isalpha, head)) >= 3:
                        heads.add(head)
    return heads


@pytest.fixture(scope="module")
def pdf_docs() -> dict[str, PaperDocument]:
    return {p.name: parse_pdf(p) for p in PDFS}


def test_no_quotable_pdf_sentence_holds_a_marker_or_a_run_in_head(pdf_docs):
    """Over every bundled PDF: a sentence that may be quoted has no citation marker and no bold head glued to its start."""
    assert len(pdf_docs) >= 30
    marked, headed, quotable = [], [], 0
    for name, doc in pdf_docs.items():
        heads = _bold_heads(next(p for p in PDFS if p.name == name))
        for _, para, sent in doc.evidence_sentences():
            quotable += 1
            if MARKER.search(sent.text):
                marked.append((name, sent.text))
            if para.kind == "text":  # a caption's label ("Figure 3.") belongs to the caption
                headed += [(name, h, sent.text) for h in heads if re.match(re.escape(h) + r"\s+[A-Z]", sent.text)]
    assert quotable > 8000
    assert marked == []
    assert headed == []


def test_superscript_citation_numbers_leave_the_sentence_and_exponents_stay(pdf_docs):
    """Nature-style papers print citations as raised numbers: "superconductors¹", "relationships.¹⁻³" come out of the PDF
    as "superconductors1", "relationships.1–3". A word glued to such a number is no sentence's; "lme4" (no superscript) stays."""
    glued = re.compile(r"[a-z]{3,}[.,]?\d{1,3}(?:[,–]\d{1,3})*(?=\s|$)")
    for name in ("1111.2011v2.pdf", "2006.11371.pdf", "1906.08632v2.pdf"):
        assert [t.text for _, _, t in pdf_docs[name].evidence_sentences() if glued.search(t.text)] == [], name
    assert any("lme4" in t.text for _, _, t in pdf_docs["jss-lme4.pdf"].evidence_sentences())


def test_a_run_in_head_is_kept_with_its_paragraph_not_in_its_sentence(pdf_docs):
    doc = pdf_docs["2301.11305v2.pdf"]  # "Datasets & metrics Our experiments use six datasets ..."
    para = next(p for _, p in doc.paragraphs() if p.head == "Datasets & metrics")
    assert para.text.startswith("Our experiments use") and para.sentences[0].text.startswith("Our experiments use")
    assert para.sentences[0].evidence


def test_quotes_stand_verbatim_on_their_page_once_markers_are_set_aside(pdf_docs):
    """A quote is the page's own words: compared with PyMuPDF's page text, markers removed on both sides."""
    off = total = 0
    for name, doc in pdf_docs.items():
        with pymupdf.open(next(p for p in PDFS if p.name == name)) as pdf:
            pages = [verification_key(page.get_text()) for page in pdf]  # what quote_on_page compares, once per page
        for _, _, sent in doc.evidence_sentences():
            total += 1
            off += verification_key(sent.text) not in pages[sent.page - 1]
    # An equation's symbols come out of a PDF in another order than the parse reads them: a few stand apart.
    assert off <= total // 20, (off, total)


@pytest.mark.parametrize("page", HTMLS, ids=lambda p: p.stem)
def test_no_quotable_html_sentence_holds_a_marker(page):
    doc = parse_html(page)
    assert [t.text for _, _, t in doc.evidence_sentences() if MARKER.search(t.text)] == []


def test_the_bundled_report_quotes_no_marker():
    report = json.loads((FIXTURES / "report-sample.json").read_text(encoding="utf-8"))
    quotes = [c["quote"] for p in report["papers"] for c in p["citations"]]
    quotes += [n["citation"]["quote"] for p in report["papers"] for n in p.get("notes", [])]
    assert len(quotes) > 30
    assert [q for q in quotes if MARKER.search(q)] == []
