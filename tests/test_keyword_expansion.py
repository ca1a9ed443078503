"""The judge's model may widen the profile's keywords once per profile (cached); it cannot add topics."""

from datetime import date

from langgraph.runtime import Runtime

from agent.config import load_profile
from agent.context import Context
from agent.prompts import PromptLibrary
from agent.searcher import expand_keywords
from evals.scripted_agents import scripted_registry
from tests.conftest import REPO
from tools.feeds import PaperMeta
from tools.ledger import Ledger
from tools.paper_cache import PaperCache

EXPANSION = {"keywords": [
    {"term": "traffic prediction", "synonyms": ["traffic flow forecasting", "road speed prediction"], "acronyms": ["TFP", "not-an-acronym"]},
    {"term": "stock trading", "synonyms": ["alpha mining"], "acronyms": ["HFT"]},  # invented: must be ignored
]}


def context(tmp_path, registry):
    profile = load_profile(REPO / "profiles" / "vla-forecasting.toml")
    return Context(profile=profile, llm=registry, source=None, ledger=Ledger(":memory:"), papers=PaperCache(None),
                   prompts=PromptLibrary(), cache_dir=tmp_path / "cache")


def test_expansion_widens_known_terms_only_and_is_cached(tmp_path):
    candidates = [PaperMeta(arxiv_id="2501.00001", version=1, title="t", announced=date(2026, 1, 1))]
    registry, models = scripted_registry(judge={"KeywordExpansion": lambda m, k: EXPANSION})
    out = expand_keywords({"candidates": candidates}, Runtime(context=context(tmp_path, registry)))
    by_term = {k.term: k for k in out["keywords"]}
    assert set(by_term) == {"Vision-Language-Action", "multivariate time series forecasting", "spatio-temporal prediction", "traffic prediction"}
    traffic = by_term["traffic prediction"]
    assert "traffic flow forecasting" in traffic.synonyms and "traffic forecasting" in traffic.synonyms
    assert traffic.acronyms == ["TFP"]  # "not-an-acronym" is not one
    assert models["judge"].kinds() == ["KeywordExpansion"]

    registry2, models2 = scripted_registry(judge={"KeywordExpansion": lambda m, k: EXPANSION})
    again = expand_keywords({"candidates": candidates}, Runtime(context=context(tmp_path, registry2)))
    assert again["keywords"] == out["keywords"] and models2["judge"].kinds() == []  # once per profile


def test_offline_or_empty_days_do_not_expand(tmp_path):
    from agent.llm.registry import offline_registry

    assert expand_keywords({"candidates": [PaperMeta(arxiv_id="1", version=1, title="t")]}, Runtime(context=context(tmp_path, offline_registry("t")))) == {}
    registry, models = scripted_registry()
    assert expand_keywords({"candidates": []}, Runtime(context=context(tmp_path, registry))) == {}
    assert models["judge"].kinds() == []
