"""Relevance that ranks: scores follow the ranking, the daily cap follows it and is reported, the judge model meets
candidates in rank order, near misses explain themselves, and the arxiv-sanity baseline sits in the whole-day eval."""

import re

import pytest

from agent.prompts import PromptLibrary
from agent.publish.render import render_html, render_markdown
from agent.relevance.semantic_admission import DAY_BAR_Z, MAX_SEMANTIC_SCORE, DayCalibration, top_share
from evals.arxiv_sanity_baseline import baseline_ranking
from evals.relevance_days import BASELINE, evaluate_days
from evals.scripted_agents import scripted_registry
from tests.test_report_render import report_with
from tests.test_semantic_relevance import HELD_OUT, days, judge, one_keyword_profile  # noqa: F401  (days is a fixture)
from tools.feeds import PaperMeta
from tools.library import read_library

PLACE = re.compile(r"语义排名 (\d+) / (\d+)（本日前 (\d+)%）")
NO_KEYWORD_SENTENCE = "未以完整词或短语形式出现任何关注关键词"


def with_semantic(profile, **update):
    return profile.model_copy(update={"semantic": profile.semantic.model_copy(update=update)})


@pytest.fixture(scope="module")
def offline_day(tmp_path_factory, days):  # noqa: F811
    profile = one_keyword_profile(tmp_path_factory.mktemp("offline"), days)
    out, _ = judge(profile, days)
    return profile, out


def test_semantic_scores_follow_the_ranking_and_say_where_the_paper_stands(offline_day):
    profile, out = offline_day
    semantic = [v for v in out["verdicts"] if v.stage == "semantic"]
    assert len(semantic) >= 2
    places = {v.arxiv_id: int(PLACE.search(v.reason).group(1)) for v in semantic}
    by_place = sorted(semantic, key=lambda v: places[v.arxiv_id])
    scores = [v.score for v in by_place]
    # Better placed, never lower scored; not a flat bar; never above what a model or the user decides.
    assert scores == sorted(scores, reverse=True) and len(set(scores)) > 1
    assert all(profile.relevance_threshold <= s <= MAX_SEMANTIC_SCORE for s in scores)
    for v in semantic:
        assert "最接近您库中的《" in v.reason or "最接近关注主题的描述" in v.reason
        assert "离散单位" in v.reason and "入选线" in v.reason and f"评分 {v.score:g}" in v.reason
        assert not re.search(r"相似度 0\.\d\d", v.reason)  # no raw cosine a reader would take for "unrelated"


def test_every_reason_gives_the_place_among_todays_candidates(offline_day):
    _, out = offline_day
    seen = []
    for v in out["verdicts"]:
        place, of, share = (int(x) for x in PLACE.search(v.reason).groups())
        assert of == len(out["verdicts"]) and share == top_share(place, of)
        seen.append(place)
    assert sorted(seen) == list(range(1, len(seen) + 1))  # one place per paper


def test_the_daily_cap_keeps_the_best_ranked_and_the_report_says_how_many_it_cut(tmp_path, days):  # noqa: F811
    profile = with_semantic(one_keyword_profile(tmp_path, days), daily_cap=1)
    out, _ = judge(profile, days)
    uncapped, _ = judge(with_semantic(one_keyword_profile(tmp_path / "uncapped", days), daily_cap=200), days)
    above = sorted((v for v in uncapped["verdicts"] if v.stage == "semantic"), key=lambda v: int(PLACE.search(v.reason).group(1)))
    assert len(above) >= 2, "the cap has nothing to cut"
    admitted = [v for v in out["verdicts"] if v.stage == "semantic"]
    assert [v.arxiv_id for v in admitted] == [above[0].arxiv_id]  # the best-ranked one
    assert out["semantic"]["cut_by_cap"] == len(above) - 1 and uncapped["semantic"]["cut_by_cap"] == 0
    # What the cap cut is among the near misses, in rank order, and says so.
    cut = [v.arxiv_id for v in above[1:]]
    details = out["near_miss_details"]
    listed = [e.paper.versioned_id for e in out["near_misses"] if e.paper.versioned_id in cut]
    assert listed and listed == cut[: len(listed)] and listed[0] == out["near_misses"][0].paper.versioned_id
    assert all("超出每日语义入选上限（1 篇）" in details[pid]["reason"] for pid in listed)
    report = report_with("t") | {"semantic": out["semantic"]}
    report["profile"]["language"] = "zh"
    for text in (render_markdown(report), render_html(report)):
        assert f"本日另有 {len(above) - 1} 篇超过入选线，但因每日上限未入选" in text
        assert "高出越多越接近 9 分" in text
    report["profile"]["language"] = "en"
    assert f"{len(above) - 1} more cleared the bar today but were cut by the daily cap" in render_markdown(report)


def test_the_judge_model_sees_candidates_in_rank_order(tmp_path, days):  # noqa: F811
    profile = one_keyword_profile(tmp_path, days)
    profile = with_semantic(profile.model_copy(update={"reader": profile.reader.model_copy(update={"concurrency": 1})}), daily_cap=6)
    registry, models = scripted_registry()
    out, _ = judge(profile, days, registry=registry)
    prompts = [m[0].content for kind, m in models["judge"].calls if kind == "VerdictBatch"]
    places = [int(PLACE.search(p).group(1)) for p in prompts]
    assert len(places) >= 6 + 2 and places == sorted(places)
    # With a model nothing is cut silently: the papers above the offline bar that the cap kept from the model are counted.
    offline, _ = judge(with_semantic(one_keyword_profile(tmp_path / "offline", days), daily_cap=200), days)
    above = sum(v.stage == "semantic" for v in offline["verdicts"])
    assert out["semantic"]["offline"] is False and out["semantic"]["cut_by_cap"] == max(0, above - 6)


def test_near_misses_name_the_nearest_library_paper_and_do_not_repeat_the_keyword_sentence(offline_day):
    profile, out = offline_day
    details = out["near_miss_details"]
    library = {p.title for p in read_library(profile.library)}
    reasons = [details[e.paper.versioned_id]["reason"] for e in out["near_misses"]]
    assert len(reasons) == 8 and len(set(reasons)) == len(reasons)
    for e, reason in zip(out["near_misses"], reasons, strict=True):
        detail = details[e.paper.versioned_id]
        assert NO_KEYWORD_SENTENCE not in reason
        assert f"语义排名 {detail['rank']} / {detail['of']}" in reason
        assert detail["nearest"] in library and f"《{detail['nearest']}》" in reason
    report = report_with("t") | {"near_misses": [{"arxiv_id": e.paper.versioned_id, "title": e.paper.title, "score": e.verdict.score,
                                                  "stage": e.verdict.stage, "reason": e.verdict.reason} | details[e.paper.versioned_id]
                                                 for e in out["near_misses"]]}
    assert render_markdown(report).count(NO_KEYWORD_SENTENCE) == 0


def test_the_bar_is_the_higher_of_the_library_and_the_day_and_scores_grow_above_it():
    ordinary = [0.0, 0.1, -0.1, 0.2, -0.2] * 8  # 40 papers: median 0, spread 1.4826 × 0.1
    day = DayCalibration.of(ordinary, library_bar=0.05)
    assert day.bar == pytest.approx(DAY_BAR_Z * 0.14826) and day.day_bar_binds
    assert not day.admits(0.5) and day.admits(0.6)
    assert DayCalibration.of(ordinary, library_bar=2.0).bar == 2.0  # a strict library wins
    assert DayCalibration.of(ordinary[:10], library_bar=0.05).bar == 0.05  # ten papers say little about an ordinary one
    assert DayCalibration.of(ordinary, library_bar=None).bar is None  # no library, no offline admission
    spread = 0.14826
    scores = [day.admission_score(day.bar + k * spread, 5.0) for k in (0, 1, 4, 8, 16)]
    assert scores[0] == 5.0 and scores == sorted(scores) and len(set(scores)) == 5 and scores[-1] < MAX_SEMANTIC_SCORE
    assert scores[2] == pytest.approx(5.0 + 4.0 * (1 - 1 / 2.718281828), abs=0.05)  # four spreads: two thirds of the way


def paper(arxiv_id: str, title: str, abstract: str) -> PaperMeta:
    return PaperMeta(arxiv_id=arxiv_id, version=1, title=title, abstract=abstract, categories=["cs.CV"], primary_category="cs.CV")


def test_the_baseline_ranks_by_closeness_to_the_library():
    library = [paper("2501.00001", "Gaussian splatting for scenes", "We render radiance fields with Gaussian splatting."),
               paper("2501.00002", "Neural radiance fields", "Novel view synthesis from a radiance field.")]
    filler = [paper(f"2502.{i:05d}", f"Language model study {i}", f"We evaluate a large language model on task {i}.") for i in range(30)]
    near = paper("2503.00001", "Faster Gaussian splatting", "Real-time novel view synthesis with Gaussian splatting of radiance fields.")
    ranked = baseline_ranking(library, filler[:15] + [near] + filler[15:])
    assert ranked[0] == near.arxiv_id and len(ranked) == 31


def test_the_whole_day_eval_reports_the_baseline_at_the_cap(days):  # noqa: F811
    scores = evaluate_days(days, None, PromptLibrary(), conditions=(BASELINE,))
    assert {(s.profile, s.day) for s in scores} == {(p, d) for p in days.profiles for d in days.days}
    for s in scores:
        assert s.selected == 20 and 0 <= s.precision_at_10 <= 1  # the default daily cap: what arxiv-sanity would show
        assert s.recall == len(s.found) / s.relevant
