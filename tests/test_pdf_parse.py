import json
import re

import pymupdf
import pytest
from typer.testing import CliRunner

from agent.cli import app
from evals.outline import layout_vs_outline, outline_entries
from tests.conftest import FIXTURES, SAMPLE_DIR
from tools.errors import PaperError
from tools.headings import parse_number, roman_value
from tools.pdf_parse import caption_label, parse_pdf

OUTLINED = ["2302.07302v1", "2203.00130v1", "2304.02623v1", "1111.2011v2"]


@pytest.fixture(scope="module")
def parsed():
    cache = {}

    def get(name, **kw):
        key = (name, tuple(sorted(kw.items())))
        if key not in cache:
            cache[key] = parse_pdf(SAMPLE_DIR / f"{name}.pdf", **kw)
        return cache[key]

    return get


@pytest.mark.parametrize("name", OUTLINED)
def test_layout_headings_match_the_outline(name):
    score, found, gold = layout_vs_outline(SAMPLE_DIR / f"{name}.pdf")
    assert len(gold) >= 6
    assert score.f1 >= 0.9, (score, set(gold) - set(found), set(found) - set(gold))


@pytest.mark.parametrize("name", OUTLINED)
def test_outline_and_layout_agree_on_ids(parsed, name):
    from_outline = parsed(name)
    from_layout = parsed(name, use_outline=False)
    assert from_outline.structure_source == "outline" and from_layout.structure_source == "layout"
    ids_outline = [s.id for s in from_outline.headings() if s.numbered]
    ids_layout = [s.id for s in from_layout.headings() if s.numbered]
    assert ids_outline == ids_layout


def test_ids_are_the_printed_numbers(parsed):
    assert [s.id for s in parsed("1111.2011v2").headings() if s.numbered] == ["I", "II", "II.A", "II.B", "III", "IV", "V"]
    ii_a = parsed("1111.2011v2").section("II.A")
    assert ii_a.parent_id == "II" and ii_a.level == 2 and ii_a.number == "A"
    plain = parsed("2203.00130v1")
    assert plain.section("C.1").parent_id == "C" and plain.section("C").kind == "appendix"
    assert plain.section("7.2").title.startswith("How does Paper Plain affect")
    citesee = parsed("2302.07302v1", use_outline=False)
    assert citesee.section("4.3").title == "[D1] Discover Relevant Citations"


def test_papers_without_outline(parsed):
    resnet = parsed("1512.03385v1")
    assert resnet.structure_source == "layout"
    assert [s.id for s in resnet.headings() if s.numbered] == [
        "1", "2", "3", "3.1", "3.2", "3.3", "3.4", "4", "4.1", "4.2", "4.3", "A", "B", "C",
    ]
    assert resnet.section("references").kind == "references"
    bn = parsed("1502.03167v3")
    assert bn.section("4.2.1").level == 3 and bn.section("4.2.1").parent_id == "4.2"
    assert bn.section("3.1").title == "Training and Inference with Batch-Normalized Networks"


def test_title_abstract_and_pages(parsed):
    realm = parsed("2002.08909v1")
    assert realm.title == "REALM: Retrieval-Augmented Language Model Pre-Training"
    assert realm.abstract.startswith("Language model pre-training has been shown to capture")
    assert realm.page_count == 12
    s = realm.section("4.3")
    assert 1 <= s.page_start <= s.page_end <= realm.page_count
    assert all(s.page_start <= p.page <= s.page_end for p in s.paragraphs)
    # A paper that prints no "Abstract" heading still has its abstract found.
    physics = parsed("1111.2011v2", use_outline=False)
    assert physics.section("abstract").synthetic
    assert physics.abstract.startswith("Theoretical description of anisotropic systems")


def test_two_columns_are_read_in_order(parsed):
    intro = parsed("1512.03385v1").section("1")
    assert intro.paragraphs[0].text.startswith("Deep convolutional neural networks")
    # The left column ends mid-sentence and the right column continues it.
    text = intro.text()
    assert "Driven by the significance of depth, a question arises" in text


def test_running_headers_stamps_and_hyphens_are_removed(parsed):
    realm = parsed("2002.08909v1")
    body = [p.text for _, p in realm.paragraphs(include_references=True)]
    # The running header of pages 2-12 is the title; only page 1's real title remains.
    assert [p.page for _, p in realm.paragraphs(include_references=True) if realm.title in p.text] == [1]
    assert not any(re.search(r"arXiv:2002\.08909v1\s+\[cs\.CL\]", t) for t in body)
    citesee = parsed("2302.07302v1")
    assert "personalized visual augmentations" in citesee.abstract  # "per-\nsonalized" joined


def test_captions_are_found_with_numbers(parsed):
    realm = parsed("2002.08909v1")
    labels = [p.label for _, p in realm.captions()]
    assert {"Figure 1", "Figure 2", "Table 1", "Table 2"} <= set(labels)
    section, table1 = next((s, p) for s, p in realm.captions() if p.label == "Table 1")
    assert section.id == "4.3" and table1.text.startswith("Table 1. Test results on Open-QA benchmarks")


def test_references_are_kept_apart(parsed):
    realm = parsed("2002.08909v1")
    refs = realm.section("references")
    assert refs.kind == "references" and all(p.kind == "reference" for p in refs.paragraphs)
    assert not any(s.kind == "references" for s, _ in realm.paragraphs())  # excluded by default


def test_number_and_caption_patterns():
    assert parse_number("3.1. Residual Learning").label == "3.1"
    assert parse_number("II. SELF-CONSISTENT ACTION").label == "II"
    assert parse_number("A.2 More results").parts == (1, 2)
    assert parse_number("Appendix B: Proofs").label == "B"
    assert parse_number("2016 was a year") is None  # not a heading number
    assert parse_number("3 0.5 0.7") is None
    assert roman_value("IV") == 4 and roman_value("IIII") is None
    assert caption_label("Fig. 3: Results") == "Figure 3"
    assert caption_label("TABLE II. Parameters") == "Table II"
    assert caption_label("Figure 2 shows that") is None


def test_outline_root_title_entry_is_dropped():
    entries = outline_entries(SAMPLE_DIR / "1111.2011v2.pdf")
    assert entries[0] == ("abstract", 1, 1)
    assert ("i introduction", 1, 1) in entries


def test_an_outline_of_only_the_title_falls_back_to_the_printed_headings():
    """LayoutParser's PDF has one bookmark, its title: the sections come from the page, not from that outline."""
    pdf = FIXTURES / "papers" / "2103.15348v2.pdf"
    assert len(pymupdf.open(pdf).get_toc()) == 1
    doc = parse_pdf(pdf)
    top = [(s.id, s.title) for s in doc.sections if s.kind == "body" and not s.parent_id]
    assert top == [("1", "Introduction"), ("2", "Related Work"), ("3", "The Core LayoutParser Library"), ("4", "LayoutParser Community Platform"),
                   ("5", "Use Cases"), ("6", "Conclusion")]
    assert doc.section("abstract") is not None and doc.section("references") is not None


def test_unnumbered_imrad_headings_of_a_journal_paper_are_found_without_its_outline():
    """BMC sets Background / Methods / Results in bold only slightly larger than the text: the section names decide."""
    doc = parse_pdf(FIXTURES / "papers" / "jner-2016-13-22.pdf", use_outline=False)
    top = [s.title for s in doc.sections if s.kind == "body" and s.level == 1]
    assert [t for t in top if t in ("Background", "Methods", "Results", "Discussion", "Conclusions")] == [
        "Background", "Methods", "Results", "Discussion", "Conclusions"]


# --- bad input -------------------------------------------------------------------------


def _text_pdf(path, pages=1, text="Hello world. " * 40):
    doc = pymupdf.open()
    for i in range(pages):
        page = doc.new_page()
        page.insert_textbox(pymupdf.Rect(72, 72, 540, 720), f"{i + 1} Section {i + 1}\n{text}", fontsize=10)
    return doc


def test_bad_inputs_raise_one_line_errors(tmp_path):
    cases = {}
    (tmp_path / "notes.pdf").write_text("just text")
    cases["notes.pdf"] = "not a PDF"
    (tmp_path / "empty.pdf").write_bytes(b"")
    cases["empty.pdf"] = "empty file"
    real = (SAMPLE_DIR / "2304.02623v1.pdf").read_bytes()
    (tmp_path / "truncated.pdf").write_bytes(real[:3000])
    cases["truncated.pdf"] = "truncated PDF (the file ends early"
    (tmp_path / "garbage.pdf").write_bytes(b"%PDF-1.5\n" + bytes(range(256)) * 40)
    cases["garbage.pdf"] = "corrupt PDF"
    doc = _text_pdf(None)
    doc.save(tmp_path / "locked.pdf", encryption=pymupdf.PDF_ENCRYPT_AES_256, owner_pw="owner", user_pw="user")
    cases["locked.pdf"] = "encrypted"
    scan = pymupdf.open()
    page = scan.new_page()
    pix = pymupdf.Pixmap(pymupdf.csRGB, pymupdf.IRect(0, 0, 200, 200), False)
    pix.set_rect(pix.irect, (200, 200, 200))
    page.insert_image(page.rect, pixmap=pix)
    scan.save(tmp_path / "scanned.pdf")
    cases["scanned.pdf"] = "no text layer"
    cases["missing.pdf"] = "file not found"
    for name, expected in cases.items():
        with pytest.raises(PaperError) as err:
            parse_pdf(tmp_path / name)
        assert expected in str(err.value), name
        assert "\n" not in str(err.value)


def test_a_thousand_page_pdf_parses(tmp_path):
    doc = _text_pdf(None, pages=1000, text="Retrieval augmented generation. " * 30)
    doc.save(tmp_path / "long.pdf")
    paper = parse_pdf(tmp_path / "long.pdf")
    assert paper.page_count == 1000
    assert sum(len(s.paragraphs) for s in paper.sections) >= 1000


# --- CLI ----------------------------------------------------------------------------------


def test_sections_json_is_the_only_stdout(tmp_path):
    result = CliRunner().invoke(app, ["sections", str(SAMPLE_DIR / "2302.07302v1.pdf"), "--json", "--data-dir", str(tmp_path)])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert rows[0] == {"id": "abstract", "title": "Abstract", "level": 1, "page_start": 1, "page_end": 1}
    assert [r["id"] for r in rows][:4] == ["abstract", "1", "2", "2.1"]
    assert all(list(r) == ["id", "title", "level", "page_start", "page_end"] for r in rows)


def test_sections_by_arxiv_id_from_an_offline_directory(tmp_path):
    result = CliRunner().invoke(app, ["sections", "2002.08909", "--offline-dir", str(SAMPLE_DIR), "--json", "--data-dir", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert any(r["id"] == "3.2" for r in json.loads(result.stdout))


@pytest.mark.parametrize("arg, message", [("nope.pdf", "file not found"), ("12345", "not an arXiv id")])
def test_sections_bad_arguments(arg, message):
    result = CliRunner().invoke(app, ["sections", arg])
    assert result.exit_code != 0
    assert message in str(result.exception)


# --- layouts that broke the section tree ---------------------------------------------------

PAPERS = FIXTURES / "papers"


def test_a_printed_table_of_contents_is_a_section_of_its_own_and_never_headings_or_evidence():
    doc = parse_pdf(PAPERS / "2207.05221v4.pdf", use_outline=False)
    contents = doc.section("contents")
    assert contents is not None and contents.kind == "contents" and contents.page_start == 2
    ids = [s.id for s in doc.headings() if s.numbered or s.kind != "body"]
    assert ids[:8] == ["abstract", "1", "1.1", "1.2", "1.3", "2", "3", "3.1"]
    assert not any(re.search(r"\s\d+$", s.title) for s in doc.headings())  # no "Introduction 3" from the contents page
    # The bold paragraph heads under "1.1 Contributions", set like subsections but unnumbered, nest under it.
    glossary = doc.section("glossary-observables-and-metrics")
    assert glossary.parent_id == "1.1" and glossary.level == 3 and glossary.title == "Glossary: Observables and Metrics"
    assert doc.section("1").page_start == 3
    assert all(not t.evidence for p in contents.paragraphs for t in p.sentences)


def test_ieee_lettered_subsections_under_roman_sections():
    doc = parse_pdf(PAPERS / "2404.10155v3.pdf", use_outline=False)
    ids = [s.id for s in doc.headings()]
    for sid in ("II", "II.A", "II.C", "III.E", "IV.A", "VII.C", "VIII"):
        assert sid in ids, sid
    assert doc.section("II.A").title == "Large Language Models" and doc.section("II.A").number == "A"
    # An italic subsection heading is not continued by the roman paragraph that starts on the next line.
    assert doc.section("III.D").title == "RQ4: Contamination Issues"
    assert doc.section("III.D").paragraphs[0].text.startswith("In this question, we checked")


def test_amsart_small_caps_sections_and_running_headers():
    doc = parse_pdf(PAPERS / "math0405482v2.pdf", use_outline=False)
    numbered = [s.id for s in doc.headings() if s.numbered]
    assert numbered[:5] == ["1", "2", "3", "4", "5"]
    assert doc.section("2").title == "Generating matchings" and doc.section("2").page_start == 5
    # The running headers ("FROM DOMINOES TO HEXAGONS 3", the author's name and the page number) are never headings.
    assert not any("DOMINOES" in s.title or "THURSTON" in s.title for s in doc.headings())


def test_amsart_run_in_subsections_and_a_small_caps_references_heading():
    doc = parse_pdf(PAPERS / "math0405482v2.pdf", use_outline=False)
    ids = [s.id for s in doc.headings()]
    assert ids[ids.index("5"):] == ["5", "5.1", "5.2", "5.3", "5.4", "references"]
    # "5.1. Invariants of plane curves and Legendrian knots." opens a paragraph that goes on in the section.
    first = doc.section("5.1")
    assert first.title == "Invariants of plane curves and Legendrian knots"
    assert first.paragraphs and len(first.paragraphs[0].text) > 100 and not first.paragraphs[0].text.startswith("5.1")
    assert doc.section("references").kind == "references"


def test_appendix_overview_is_not_appendix_o_and_lettered_appendices_keep_their_place():
    doc = parse_pdf(PAPERS / "2402.17753v1.pdf", use_outline=False)
    ids = [s.id for s in doc.headings()]
    assert "O" not in ids
    for sid in ("A", "A.1", "A.2", "B", "C", "D"):
        assert sid in ids, sid
    assert doc.section("A").title.startswith("Generative Pipeline for") and doc.section("A").page_start == 13


def test_unnumbered_headings_take_their_level_from_their_size():
    """ACS-style perspective: sections at 17.2 pt, subsections at 14.3 pt, none numbered."""
    doc = parse_pdf(PAPERS / "2006.11371.pdf")
    assert doc.section("theory").level == 1 and doc.section("applications").level == 1
    assert doc.section("attribution-methods").level == 2 and doc.section("attribution-methods").parent_id == "theory"
    assert doc.section("solubility-prediction").parent_id == "applications"
    assert doc.section("references").level == 1 and doc.section("discussion").parent_id is None


def test_revtex_balanced_last_page_reads_both_columns_of_text_before_the_bibliography():
    """On 1111.2011's last page the discussion ends in both columns and the bibliography runs under it in both."""
    doc = parse_pdf(SAMPLE_DIR / "1111.2011v2.pdf", use_outline=False)
    discussion = " ".join(p.text for p in doc.section("V").paragraphs)
    assert "One can imagine many possible extensions" in discussion  # the right column's text
    assert "Johnston, Adv. Phys." not in discussion  # the first reference, at the bottom of the left column


@pytest.mark.parametrize("name, statements", [("math0405482v2", 20), ("1906.08632v2", 5)])
def test_theorems_lemmas_proofs_and_definitions_are_not_sections(name, statements):
    doc = parse_pdf(PAPERS / f"{name}.pdf", use_outline=False)
    body = " ".join(p.text for s in doc.sections for p in s.paragraphs)
    assert len(re.findall(r"\b(?:Theorem|Lemma|Definition|Proof)(?: [A-Z]?\d+(?:\.\d+)?)?\.", body)) >= statements  # they stay in the text
    # An appendix titled "Proof of Theorem 1.1" is a section; the statements themselves are not.
    statement = re.compile(r"^(?:(?:Theorem|Lemma|Definition|Corollary|Proposition) [A-Z]?\d+(?:\.\d+)?\b|Proof\.?$)")
    assert not [s.title for s in doc.headings() if statement.match(s.title)]


def test_outline_titles_without_the_printed_number_still_find_their_heading_and_keep_the_papers_ids():
    """Outlines often say "Limitations" where the page prints "8 Limitations" (or "D. RQ4: …" under Roman sections)."""
    ieee = parse_pdf(PAPERS / "2404.10155v3.pdf")
    assert ieee.section("III.D").title == "RQ4: Contamination Issues"
    assert ieee.section("III.D").paragraphs[0].text.startswith("In this question, we checked")
    assert ieee.section("VI").paragraphs[0].text.startswith("We manually analyzed around 3,900 prompts")
    locomo = parse_pdf(PAPERS / "2402.17753v1.pdf")
    assert locomo.section("8").title == "Limitations"
    assert locomo.section("8").paragraphs[0].text.startswith("Hybrid human-machine generated data.")
    assert locomo.section("9").paragraphs[0].text.startswith("We adopt and improve a framework of generative agents")
    # Lettered appendix headings printed without a period ("A.1 Persona") too.
    assert locomo.section("A.1").title == "Persona" and locomo.section("A.1").parent_id == "A"
    assert locomo.section("C.2").paragraphs[0].text.startswith("We use OpenAI API and Huggingface")


def test_a_title_in_capitals_at_the_body_size_is_the_title():
    """AMS styles print "FROM DOMINOES TO HEXAGONS" no larger than the body, and the PDF has no title metadata: it was "Untitled"."""
    assert parse_pdf(FIXTURES / "papers" / "math0405482v2.pdf").title == "FROM DOMINOES TO HEXAGONS"


@pytest.mark.parametrize("pdf, words", [
    ("papers/jss-lme4.pdf", "moderately large data sets (10⁴–10⁶ observations)"),  # read "(104–106 observations)"
    ("papers-kinds-v4/mp-mpgraph.pdf", "between 1.61 × 10⁻²⁸ and 3.88 × 10⁵⁵"),  # the minus is a raised span of its own
    ("papers-registry/r-ordinal-clm-article.pdf", "clm2 and clmm2¹ provide legacy"),  # a footnote after a digit
])
def test_a_raised_exponent_after_a_number_is_not_read_as_more_digits(pdf, words):
    from tools.citation_markers import quote_on_page
    doc = parse_pdf(FIXTURES / pdf)
    found = [t for _, _, t in doc.sentences() if words in t.text]
    assert found and all(quote_on_page(t.text, doc.page_text[t.page - 1]) for t in found)  # NFKC reads ⁴ as the page's 4


def test_an_exponent_that_is_not_a_plain_integer_is_left_as_the_page_has_it():
    """1704.01689's "ρ ∈(2−1/3, 21/3)": a raised "1/3" has no superscript form, so it is not half-raised ("2¹/3")."""
    doc = parse_pdf(FIXTURES / "papers" / "1704.01689v1.pdf")
    sentence = next(t.text for _, _, t in doc.sentences() if "these two equations will have solution" in t.text)
    assert "21/3)" in sentence and "¹" not in sentence


def test_an_outline_of_sections_only_gets_the_subsections_the_paper_prints():
    """2207.05221's bookmarks list "1 Introduction" ... "7 Contribution Statement" and nothing deeper; its printed
    "6.1 Limitations and Future Work" was part of §6, and investigate cited limitations as "Section 6"."""
    doc = parse_pdf(FIXTURES / "papers" / "2207.05221v4.pdf")
    ids = [s.id for s in doc.headings()]
    assert ids[ids.index("1"):ids.index("2")] == ["1", "1.1", "1.2", "1.3"]
    assert ids[ids.index("6"):ids.index("7")] == ["6", "6.1", "6.2"]
    assert doc.section("6.1").title == "Limitations and Future Work"
    assert not [i for i in ids if i.count(".") == 1 and i.split(".")[0] not in ids]  # every subsection has its parent
    from agent.investigate import retrieval_turn
    turn = retrieval_turn(doc, "What are the limitations?")
    assert turn.found and turn.citations[0].section_id == "6.1"
