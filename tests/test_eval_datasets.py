"""The eval datasets stay consistent with the papers and profiles they refer to."""

from agent.config import load_profile
from agent.relevance.lexical import KeywordMatcher
from evals.datasets import load_dataset
from tests.conftest import REPO, SAMPLE_DIR
from tools.pdf_parse import parse_pdf


def test_reading_facts_are_in_the_gold_sections():
    data = load_dataset("reading")
    assert len(data.items) >= 12
    docs = {}
    for item in data.items:
        doc = docs.setdefault(item.paper, parse_pdf(SAMPLE_DIR / f"{item.paper}.pdf"))
        text = " ".join(doc.section(s).text() for s in item.gold_sections).lower()
        for fact in item.fact_alternatives():
            assert any(alt.lower() in text for alt in fact), (item.id, fact)


def test_relevance_sets_have_traps_and_both_labels():
    for name in ("relevance-vla", "relevance-sample"):
        data = load_dataset(name)
        labels = [i.label for i in data.items]
        assert any(labels) and not all(labels)
        assert any(i.trap for i in data.items)
        load_profile(REPO / data.profile)


def test_the_acronym_trap_is_what_it_claims():
    data = load_dataset("relevance-vla")
    profile = load_profile(REPO / data.profile)
    matcher = KeywordMatcher(profile.keywords)
    vlat = next(i for i in data.items if "VLAT" in (i.trap or ""))
    assert "VLAT" in vlat.abstract and not matcher.match(vlat.title, vlat.abstract).passed


def test_every_listed_dataset_loads_and_the_others_name_their_own_scorer():
    import pytest

    from evals.datasets import OWN_SCORERS, available_datasets
    from tools.errors import ConfigError

    for name in available_datasets():
        assert load_dataset(name).items
    with pytest.raises(ConfigError, match="kinds_heldout"):
        load_dataset("kinds")  # once: kinds-v4.json read as a relevance set, "('version',): Field required"
    with pytest.raises(ConfigError, match="support_kinds_eval"):
        load_dataset("support-kinds-v2")
    assert not set(OWN_SCORERS) & set(available_datasets())
