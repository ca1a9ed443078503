"""Heading detection, round 2 of issue #21: failure kinds seen on round-1 registry PDFs (all tuning data now).

The round-2 held-out PDFs (tests/fixtures/papers-registry2) are measured by `make bench` only, never tested here
beyond their split.
"""

import json

import pytest

from evals.outline import score_entries
from tests.conftest import FIXTURES
from tools.headings import parse_number
from tools.pdf_parse import parse_pdf

REGISTRY = FIXTURES / "papers-registry"
REGISTRY2 = FIXTURES / "papers-registry2"


@pytest.fixture(scope="module")
def parsed():
    cache = {}

    def get(name, folder=REGISTRY):
        if name not in cache:
            cache[name] = parse_pdf(folder / f"{name}.pdf", use_outline=False)
        return cache[name]

    return get


def test_round2_split_is_fixed_and_disjoint_from_round1():
    split = json.loads((REGISTRY2 / "split.json").read_text())
    assert sorted(split["heldout"]) == sorted(p.name for p in REGISTRY2.glob("*.pdf"))
    assert len(split["heldout"]) >= 15
    assert not {p.name for p in REGISTRY.glob("*.pdf")} & set(split["heldout"])


def test_roman_section_numbers_with_arabic_subsections():
    parsed = parse_number("I.1. Changes in REVTeX 4.2")
    assert parsed is not None and (parsed.style, parsed.label, parsed.parts, parsed.title) == ("roman", "I.1", (1, 1), "Changes in REVTeX 4.2")
    assert parse_number("IIII.1 Nothing") is None


def test_revtex_guide_subsections_under_roman_sections(parsed):
    heads = [(s.id, s.title, s.level, s.parent_id) for s in parsed("tl-revtex-auguide4-2").headings()]
    assert heads[:4] == [("I", "INTRODUCTION", 1, None), ("I.1", "Changes in REVTEX 4.2", 2, "I"),
                         ("I.2", "REVTEX 4 Backwards Compatibility", 2, "I"), ("I.3", "Submitting to APS Journals", 2, "I")]
    assert ("III.1", "The documentclass line", 2, "III") in heads


def test_run_in_italic_subsections_are_split_from_their_text(parsed):
    doc = parsed("tl-aomart-aomsample")
    # "8. Various font features of the amsmath package" is in a bold font with one typewriter word.
    assert doc.section("8").title == "Various font features of the amsmath package"
    sub = doc.section("8.1")
    assert sub.title == "Bold versions of special symbols" and sub.parent_id == "8" and sub.page_start == 19
    assert sub.paragraphs[0].text.startswith("In the amsmath package")
    assert [s.id for s in doc.headings() if s.parent_id == "9"][:3] == ["9.1", "9.2", "9.3"]
    # Body-size italic text is not taken for an unnumbered heading in the style of the run-in ones.
    assert not any(s.title in ("Let", "Set") or s.title.startswith("It follows") for s in doc.headings())


def test_plain_roman_headings_a_little_above_text_size(parsed):
    doc = parsed("tl-oup-authoring-template")
    titles = [s.title for s in doc.headings()]
    assert titles[:3] == ["Abstract", "Introduction", "This is an example for first level head - section head"]
    # The second line of a two-line heading ("... - section" / "head") belongs to it.
    assert "This is an example for third level head - subsubsection head" in titles
    assert {"Equations", "Tables", "Figures", "Conclusion", "Competing interests"} <= set(titles)
    assert not any(t.lower().startswith("key words") or "Author," in t for t in titles)


def test_a_list_item_opening_with_a_bold_word_is_not_a_heading():
    doc = parse_pdf(FIXTURES / "papers" / "2402.18376v2.pdf", use_outline=False)
    assert not any(s.title.startswith("Segmentation: given") for s in doc.headings())
    assert doc.section("2").title == "Preliminaries"


def test_headings_an_outline_leaves_out_by_convention_are_not_scored():
    gold = [("1 introduction", 1, 1), ("2 methods", 1, 2)]
    found = [("abstract", 1, 1), ("1 introduction", 1, 1), ("2 methods", 1, 2), ("references", 1, 3), ("appendix", 1, 4)]
    score = score_entries(found, gold)
    assert (score.found, score.matched) == (3, 2)  # Appendix is not exempt
    listed = score_entries(found, [*gold, ("references", 1, 3)])
    assert (listed.found, listed.matched) == (4, 3)


def test_an_outline_title_opening_with_the_article_a_is_not_lettered():
    gold = [("a class structure for permutation tests", 1, 4), ("a 1 proofs", 1, 9)]
    found = [("3 a class structure for permutation tests", 1, 4), ("proofs", 1, 9)]
    score = score_entries(found, gold)
    # The first matches; a lettered entry still needs its letter.
    assert (score.matched, score.ids_checked) == (1, 0)


def test_a_capitals_heading_broken_after_a_function_word_keeps_its_second_line(parsed):
    doc = parsed("tl-revtex-auguide4-2")
    assert doc.section("XIII").title == "REVTEX 4.2 SYMBOLS AND THE REVSYMB4-2 PACKAGE"


def test_centred_italic_unnumbered_headings_below_centred_numbered_ones(parsed):
    heads = [(s.id, s.title, s.level, s.parent_id) for s in parsed("tl-revtex-auguide4-2").headings()]
    i = heads.index(("II.1", "Useful LATEX 2ε Markup", 2, "II"))
    assert heads[i + 1:i + 5] == [("fonts", "Fonts", 3, "II.1"), ("user-defined-macros", "User-defined macros", 3, "II.1"),
                                  ("symbols", "Symbols", 3, "II.1"), ("II.2", "Using LATEX 2ε packages with REVTEX", 2, "II")]


def test_numbered_list_items_do_not_put_the_numbering_out_of_step(parsed):
    # "3. We do not try to control ..." (a 10 pt roman list item) once became section 3, and "A bunch of packages"
    # then opened an appendix, so "3 Implementation" and everything after it were lost.
    doc = parsed("tl-philosophersimprint")
    ids = [s.id for s in doc.headings() if s.numbered]
    assert ids[:12] == ["1", "2", "2.1", "2.2", "2.3", "2.4", "2.5", "2.6", "3", "3.1", "3.2", "3.3"]
    assert doc.section("3").title == "Implementation" and doc.section("3").page_start == 8
    assert not any(s.title.startswith(("We do not try", "bunch of packages")) for s in doc.headings())


def test_italic_numbered_subsubsections_at_text_size(parsed):
    doc = parsed("tl-cje-cjeguide")
    assert [(s.id, s.title) for s in doc.headings() if s.parent_id == "3.4"] == [
        ("3.4.1", "Changing the word “Proof”"), ("3.4.2", "Typesetting a proof without ■"),
        ("3.4.3", "Placing the ■after a displayed equation"), ("3.4.4", "Placing the ■after a displayed eqnarray")]


def test_a_titled_example_heading_is_a_heading(parsed):
    doc = parsed("r-flexmix-mixture-regressions")
    assert [s.page_start for s in doc.headings() if s.title == "Example: Using the driver"] == [27, 30]


def test_all_round1_registry_pdfs_stay_at_the_measured_figure():
    """A guard at the round-2 tuning figure (all 30 round-1 PDFs, F1 0.98 after round 2, 0.85 before); the round-2
    held-out part is only measured by `make bench`."""
    from evals.outline import layout_vs_outline

    matched = found = gold = 0
    for pdf in sorted(REGISTRY.glob("*.pdf")):
        score, _, _ = layout_vs_outline(pdf)
        matched, found, gold = matched + score.matched, found + score.found, gold + score.gold
    p, r = matched / found, matched / gold
    assert gold == 682 and 2 * p * r / (p + r) >= 0.96
