"""Limitations the authors state, wherever they stand, and 论文中未找到 only where a paper is silent (checked by hand)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import SAMPLE_DIR
from tools.pdf_parse import parse_pdf

REPO = Path(__file__).resolve().parents[1]
PAPERS = REPO / "tests" / "fixtures" / "papers"


@pytest.mark.parametrize("pdf, question, opening, listed", [
    # A vignette with no conclusion states its caveat in the abstract only.
    ("papers-kinds-v2/vegan-diversity.pdf", "What are the limitations?", "The document is still incomplete", None),
    # "... still suffers from imperfections ..." announces the limitations listed after it ("First, we only demonstrated ...").
    ("papers/2201.09329v1.pdf", "这篇论文有哪些局限？", "the ULSA scheme still suffers from imperfections", "First, we only demonstrated"),
])
def test_limitations_stated_outside_a_limitations_section_are_found(pdf, question, opening, listed):
    from agent.investigate import retrieval_turn
    turn = retrieval_turn(parse_pdf(REPO / "tests" / "fixtures" / pdf), question)  # both were 论文中未找到
    assert turn.found and opening in turn.citations[0].quote
    assert listed is None or listed in turn.citations[0].quote


def test_a_document_speaking_of_itself_is_its_own_work():
    from tools.rhetoric import sentence_role
    assert sentence_role("The document is still incomplete and does not cover all diversity methods in vegan.", "abstract") == "limitation"
    assert sentence_role("Earlier tools do not cover all diversity methods.", "abstract") == "other"  # others' gap, not the authors' caveat


def test_starred_sections_an_outline_leaves_out_are_read():
    """ACL's unnumbered Limitations and Ethics Statement are missing from the PDF's bookmarks: they were read as the conclusion."""
    doc = parse_pdf(PAPERS / "2402.18376v2.pdf")
    titles = [s.title for s in doc.sections]
    assert titles.index("Conclusion") < titles.index("Limitations") < titles.index("Ethics Statement") < titles.index("References")
    assert "results may not generalize" in doc.section("limitations").text()


@pytest.mark.parametrize("pdf, question, words", [
    ("papers/2402.18376v2.pdf", "这篇论文有哪些局限？", "constrained to particular tasks"),  # its Limitations section, once part of the conclusion
    ("papers/2501.10120v1.pdf", "What are the limitations?", "may only include a subset"),  # "it is important to note that ..."
    ("papers-kinds-v3/tl-mp3d-animations.pdf", "这篇论文有哪些局限？", "overlapping may be wrong"),  # "In the current implementation, ..."
    ("papers/1906.08632v2.pdf", "这篇论文有哪些局限？", "so we resort to experiments"),
    ("papers-registry/r-quantreg-crq.pdf", "What are the limitations?", "becomes impractical"),  # "it should be recognized that ..."
    ("papers-kinds-v3/tl-turnstile-practex.pdf", "这篇论文有哪些局限？", "vertical lines don’t stretch"),  # "The reader should also note ..."
])
def test_limitations_a_careful_reader_found_are_answered(pdf, question, words):
    """notfound-checks-v2: each was 论文中未找到, and a helper reading the whole PDF found it (dev since)."""
    from agent.investigate import retrieval_turn
    turn = retrieval_turn(parse_pdf(REPO / "tests" / "fixtures" / pdf), question)
    assert turn.found and words in turn.citations[0].quote


def test_the_hand_checked_not_found_answers_agree():
    """Round 3 measured once 3/12 (only the silent papers right); its papers silent by hand stay 论文中未找到."""
    from evals.notfound_checks import DATASETS, score
    agree, total, misses = score(DATASETS / "notfound-checks-v2.json")
    assert agree["heldout"] >= 9 and not any("the reader: nothing" in m for m in misses)


def test_a_limitations_subsection_is_a_limitations_section_wherever_it_stands():
    from tools.rhetoric import section_type
    assert section_type("Limitations", parent_title="Discussion & Future Work") == "limitations"  # was the parent's: conclusion
    assert section_type("Study 1 Limitations", parent_title="Study 1: Discover Relevant Citations") == "limitations"  # was experiments
    assert section_type("Threats to Validity") == "limitations"
    assert section_type("Study 1 Results", parent_title="Study 1: Discover Relevant Citations") == "experiments"


def test_the_limitations_part_quotes_the_stated_limitations_before_future_work():
    """Paper Plain's 8.4 Limitations states its study's limits without cue words; 局限 once quoted §8.3's
    "A key limitation of current generative models" (not this study's) and §8.5's future work."""
    from agent.reading.evidence_reader import role_notes
    from tools.rhetoric import is_future_work
    doc = parse_pdf(SAMPLE_DIR / "2203.00130v1.pdf")
    future = [n for n in role_notes(doc, kind="system") if n.part == "future"]
    stated = [n for n in future if not is_future_work(n.citation.quote)]
    assert len(stated) == 2 and all(n.citation.section_id == "8.4" for n in stated)
    assert "Upwork might have have skewed" in stated[0].citation.quote
    assert sum(1 for n in future if is_future_work(n.citation.quote)) <= 1


def test_a_threats_section_gives_the_threats_not_how_they_were_countered():
    """2404.10155's Threats to Validity names each threat, then how the authors countered it ("However, we performed
    a peer review ..."): 局限 quoted that rebuttal as the paper's second limitation."""
    from agent.reading.evidence_reader import role_notes
    from tools.rhetoric import is_mitigation
    doc = parse_pdf(PAPERS / "2404.10155v3.pdf")
    threats = next(s.id for s in doc.sections if s.title == "THREATS TO VALIDITY")
    stated = [n.citation.quote for n in role_notes(doc) if n.part == "future" and n.citation.section_id == threats]
    assert len(stated) == 2 and not any("peer review" in q or "resolved the disagreements" in q for q in stated)
    assert any(q.startswith("An external threat to the validity is that") for q in stated)
    assert is_mitigation("To mitigate this threat, two authors labelled each prompt independently.")
    assert is_mitigation("Moreover, an experienced author has resolved the disagreements.")
    assert not is_mitigation("However, we did not evaluate other languages.")  # a limitation, however it opens
    assert not is_mitigation("However, we used only one model, which may not generalize.")
