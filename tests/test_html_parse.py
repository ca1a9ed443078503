"""arXiv HTML (LaTeXML) into the paper model: the page's own tree, clean quotable text, anchors that exist."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import lxml.html
import pytest

from tools.errors import PaperError
from tools.evidence import locate_evidence
from tools.html_parse import parse_html, parse_html_bytes
from tools.paper_cache import PaperCache

HTML = Path(__file__).parent / "fixtures" / "html"
PAGE = HTML / "2501.11120v1.html"


@pytest.fixture(scope="module")
def doc():
    return parse_html(PAGE)


@pytest.fixture(scope="module")
def page():
    return lxml.html.document_fromstring(PAGE.read_bytes())


def test_the_tree_is_the_pages_own(doc):
    body = [s for s in doc.headings() if s.kind not in ("abstract", "references")]
    levels = Counter((s.level, s.kind == "appendix") for s in body)
    # 9 sections (8 numbered + Acknowledgments), 17 subsections, 36 subsubsections, 29 paragraph heads; 3 appendices.
    assert sum(n for (lvl, app), n in levels.items() if lvl == 1 and not app) == 9
    assert sum(n for (lvl, _), n in levels.items() if lvl == 2) == 17
    assert sum(n for (lvl, _), n in levels.items() if lvl == 3) == 36
    assert sum(n for (lvl, _), n in levels.items() if lvl == 4) == 29
    assert [s.id for s in body if s.kind == "appendix" and s.level == 1] == ["A", "B", "C"]
    assert doc.source_kind == "arxiv-html" and doc.arxiv_id == "2501.11120v1" and doc.structure_source == "html"


def test_numbers_and_titles_match_the_pages_table_of_contents(doc, page):
    """The page's own navigation lists (number, title, anchor) for every numbered heading: ours must say the same."""
    toc = set()
    for a in page.xpath("//nav[contains(@class,'ltx_TOC')]//a[contains(@class,'ltx_ref')]"):
        tag = a.xpath(".//span[contains(@class,'ltx_tag_ref')]")
        if not tag:
            continue
        number = re.sub(r"^Appendix\s+", "", " ".join(tag[0].text_content().split()))
        title = " ".join(a.text_content().split())[len(" ".join(tag[0].text_content().split())):].strip()
        toc.add((number, title, a.get("href").rsplit("#", 1)[1]))
    ours = {(s.id, s.title, s.anchor) for s in doc.headings() if s.numbered}
    assert len(toc) > 60
    assert toc <= ours, sorted(toc - ours)[:5]


def test_run_in_paragraph_heads_are_the_lowest_level_and_stay_out_of_the_text(doc):
    design = doc.section("3.2.1")
    kids = [s for s in doc.sections if s.parent_id == design.id]
    assert [(s.title, s.level, s.anchor) for s in kids] == [
        ("Make Me Say rules", 4, "S3.SS2.SSS1.Px1"), ("Finetuning", 4, "S3.SS2.SSS1.Px2"), ("Why Make Me Say?", 4, "S3.SS2.SSS1.Px3"),
    ]
    assert kids[0].paragraphs[0].sentences[0].text.startswith("There are two players")


def test_citation_markers_and_conversion_errors_never_reach_a_sentence(doc):
    texts = [t.text for _, _, t in doc.sentences() if _.kind != "references"]
    joined = "\n".join(texts)
    assert "{mdframed}" not in joined and "{spverbatim}" not in joined  # ltx_ERROR spans
    assert not re.search(r"\((?:[A-Z][\w@&.\- ]+,\s*)?(19|20)\d\d[a-z]?\)|et al\.,? \(?\d{4}", joined)
    s1 = doc.section("1").paragraphs[0].sentences[0].text
    assert s1 == "Large Language Models (LLMs) can learn sophisticated behaviors and policies, such as the ability to act as helpful and harmless assistants."
    # A textual citation keeps the names the sentence needs, without the year marker.
    related = doc.section("2").text()
    assert "Our experiments have a structure similar to Treutlein et al., but involve" in related


def test_math_is_tex_tables_are_rows_captions_and_bibliography(doc, page):
    assert "latent policy z\\in Z and two data generating distributions \\varphi_{T}" in doc.section("2").text()
    table1 = next(t for t in doc.tables if t.label == "Table 1")
    assert table1.anchor == "S3.T1" and table1.rows[0][1:] == ["Assistant output", "Learned behavior", "Variations"]
    assert len(doc.tables) == 47
    labels = [p.label for _, p in doc.captions()]
    printed = {" ".join(t.text_content().split()).rstrip(":") for t in page.xpath("//figcaption//span[contains(@class,'ltx_tag_figure')]")}
    printed = {x for x in printed if x.startswith("Figure")}  # sub-figure captions "(a)" are captions too, of panels
    assert labels.count("Figure 1") == 1 and {x for x in labels if x.startswith("Figure")} == printed and len(printed) > 30
    refs = doc.section("references").paragraphs
    assert refs[0].anchor == "bib.bib1" and refs[0].text.startswith("AI@Meta. Llama 3 model card.")
    assert not any(t.evidence for p in refs for t in p.sentences)


def test_every_anchor_is_an_id_in_the_page(doc, page):
    ids = set(page.xpath("//@id"))
    anchors = {p.anchor for s in doc.sections for p in s.paragraphs} | {s.anchor for s in doc.sections if s.anchor}
    assert None not in anchors and anchors <= ids


def test_a_quote_gets_a_url_that_opens_at_its_paragraph(doc, page):
    c = locate_evidence(doc, "3.2.1", "There are two players: a manipulator and a manipulatee.")
    assert c.anchor == "S3.SS2.SSS1.Px1.p1" and c.url == "https://arxiv.org/html/2501.11120v1#S3.SS2.SSS1.Px1.p1"
    target = page.get_element_by_id(c.anchor)
    assert c.quote in " ".join(target.text_content().split())


def test_old_latexml_output_math_from_mathjax_labels():
    d = parse_html(HTML / "1707.08043.latexml-0.8.4.html", arxiv_id="1707.08043v2", kind="ar5iv")
    assert d.title.endswith("Finitelly Generated \\mathbb{Q}-Algebras")
    assert [s.id for s in d.headings() if s.kind == "body"] == ["introduction", "1", "2"]
    c = next(c for c in (d.with_url(locate_evidence(d, s.id, t.text)) for s, _, t in d.evidence_sentences() if s.id == "1") if c)
    assert c.url.startswith("https://ar5iv.labs.arxiv.org/html/1707.08043#S1.")  # ar5iv serves the bare id


def _page(body: str) -> bytes:
    return f'<html><body><article class="ltx_document"><h1 class="ltx_title ltx_title_document">T</h1>{body}</article></body></html>'.encode()


def test_failed_conversions_are_refused_so_the_pdf_is_read():
    with pytest.raises(PaperError, match="no sections"):
        parse_html_bytes(_page('<div class="ltx_para"><p class="ltx_p">Only text.</p></div>'), source="x.html")
    errors = "".join(f'<span class="ltx_ERROR undefined">\\foo{i}</span>' for i in range(5))
    section = f'<section class="ltx_section" id="S1"><h2 class="ltx_title ltx_title_section">Intro</h2><div class="ltx_para" id="S1.p1"><p class="ltx_p">{errors} Some words here.</p></div></section>'
    with pytest.raises(PaperError, match="conversion failed"):
        parse_html_bytes(_page(section), source="x.html")
    with pytest.raises(PaperError, match="not a LaTeXML page"):
        parse_html_bytes(b"<html><body><h1>No HTML for '2501.00001v1'</h1></body></html>", source="x.html")


def test_the_cache_reparses_when_the_bytes_change(tmp_path):
    cache = PaperCache(tmp_path)
    page = tmp_path / "2501.11120v1.html"
    page.write_bytes(PAGE.read_bytes())
    first = cache.load(page, "2501.11120v1")
    assert cache.load(page, "2501.11120v1").content_key == first.content_key
    page.write_bytes(PAGE.read_bytes().replace(b"Awareness of behaviors</h2>", b"Awareness of behaviours</h2>"))
    assert cache.load(page, "2501.11120v1").section("3").title == "Awareness of behaviours"
