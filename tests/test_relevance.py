"""Relevance on the six papers of the example report (shared/seed), with the vla-forecasting profile."""

import re
from datetime import date

import pytest

from agent.config import load_profile
from agent.relevance.lexical import KeywordMatcher
from tests.conftest import FIXTURES, REPO
from tools.feeds import PaperMeta

SEED = FIXTURES / "seed" / "example-report-2025-10-21.md"


def seed_papers() -> list[PaperMeta]:
    text = SEED.read_text(encoding="utf-8")
    papers = []
    for block in re.split(r"\n## \d+\. ", text)[1:]:
        title = block.split("\n", 1)[0].strip()
        m = re.search(r"arXiv:(\d{4}\.\d{5})v(\d+) Announce Type: (\S+)\s+Abstract: (.*)", block)
        cats = re.search(r"\*\*分类\*\*: (.*)", block).group(1).split(", ")
        papers.append(PaperMeta(arxiv_id=m[1], version=int(m[2]), title=title, abstract=m[4].strip(), categories=cats,
                                primary_category=cats[0], announce_type=m[3], announced=date(2025, 10, 21)))
    return papers


@pytest.fixture(scope="module")
def verdicts():
    profile = load_profile(REPO / "profiles" / "vla-forecasting.toml")
    matcher = KeywordMatcher(profile.keywords, profile.negative_keywords)
    return {p.arxiv_id: matcher.match(p.title, p.abstract) for p in seed_papers()}


def test_the_six_seed_papers_are_parsed_from_the_report():
    assert [p.arxiv_id for p in seed_papers()] == ["2510.15231", "2509.19605", "2510.15446", "2510.12276", "2510.14952", "2510.09607"]


def test_vlat_is_not_vla(verdicts):
    audio = verdicts["2510.15231"]
    assert not audio.passed and audio.score() == 0
    assert "VLAT" in audio.near_misses
    assert "「VLAT」只是包含缩写字母的其他词" in audio.reason_zh()


@pytest.mark.parametrize("arxiv_id", ["2510.15446", "2510.12276", "2510.09607", "2510.14952"])
def test_the_vla_papers_pass(verdicts, arxiv_id):
    result = verdicts[arxiv_id]
    assert result.passed
    assert result.topics == ["Vision-Language-Action"]


def test_the_judge_node_excludes_vlat_at_the_lexical_stage(tmp_path):
    """Through the real judge node: the audio paper never reaches the model."""
    from langgraph.runtime import Runtime

    from agent.context import Context
    from agent.prompts import PromptLibrary
    from agent.relevance.judge import judge_relevance
    from evals.scripted_agents import scripted_registry
    from tools.ledger import Ledger
    from tools.paper_cache import PaperCache

    profile = load_profile(REPO / "profiles" / "vla-forecasting.toml")
    registry, models = scripted_registry()
    ledger = Ledger(tmp_path / "l.sqlite")
    papers = seed_papers()
    ledger.observe(profile.name, papers, date(2025, 10, 21))
    ctx = Context(profile=profile, llm=registry, source=None, ledger=ledger, papers=PaperCache(None), prompts=PromptLibrary())
    out = judge_relevance({"candidates": papers}, Runtime(context=ctx))
    by_id = {v.arxiv_id: v for v in out["verdicts"]}
    assert by_id["2510.15231v1"].stage == "lexical" and not by_id["2510.15231v1"].relevant
    assert "VLAT" in by_id["2510.15231v1"].reason
    prompt = next(m for kind, m in models["judge"].calls if kind == "VerdictBatch")[0].content
    assert "2510.15231" not in prompt
    for pid in ("2510.15446v1", "2510.12276v2", "2510.09607v2"):
        assert by_id[pid].stage == "llm" and by_id[pid].relevant
    assert "2510.15231v1" in {e.paper.versioned_id for e in out["excluded"]}
