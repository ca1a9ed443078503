"""The semantic stage on real whole days (evals/datasets/days): library, feedback, retraining, near misses, judge-only."""

import json
from datetime import date, timedelta

import pytest
from langgraph.runtime import Runtime

from agent.config import Keyword, load_profile
from agent.context import Context
from agent.llm.registry import LLMRegistry
from agent.prompts import PromptLibrary
from agent.relevance.judge import judge_relevance
from agent.relevance.semantic_stage import training_set
from evals.relevance_days import REPO, RelevanceDaysDataset, library_bibtex, library_for
from evals.scripted_agents import scripted_registry
from tools.ledger import Ledger
from tools.paper_cache import PaperCache

HELD_OUT = "2025-10-24"


@pytest.fixture(scope="module")
def days() -> RelevanceDaysDataset:
    return RelevanceDaysDataset.model_validate(json.loads((REPO / "evals/datasets/relevance-days-v1.json").read_text(encoding="utf-8")))


def one_keyword_profile(tmp_path, days, with_library=True):
    base = load_profile(REPO / "profiles" / "3d-reconstruction.toml")
    tmp_path.mkdir(parents=True, exist_ok=True)
    library = tmp_path / "lib.bib"
    library.write_text(library_bibtex(library_for(days, "3d-reconstruction", HELD_OUT)), encoding="utf-8")
    return base.model_copy(update={"keywords": [Keyword(term="Gaussian splatting")], "library": [library] if with_library else [],
                                   "data_dir": tmp_path / "data", "max_papers": 50})


def judge(profile, days, registry=None, ledger=None):
    ledger = ledger or Ledger(profile.data_dir / "ledger.sqlite")
    day = date.fromisoformat(HELD_OUT)
    candidates = days.entries(HELD_OUT)
    background = [e for d in days.days if d != HELD_OUT for e in days.entries(d)]
    ledger.observe(profile.name, background, day - timedelta(days=1))
    ledger.observe(profile.name, candidates, day)
    registry = registry or LLMRegistry(models={}, offline_reason="offline requested")
    ctx = Context(profile=profile, llm=registry, source=None, ledger=ledger, papers=PaperCache(None), prompts=PromptLibrary())
    return judge_relevance({"candidates": candidates, "day": HELD_OUT}, Runtime(context=ctx)), ledger


def test_the_library_finds_papers_without_the_keyword_and_says_which_library_paper(tmp_path, days):
    out, _ = judge(one_keyword_profile(tmp_path, days), days)
    relevant = {v.arxiv_id.split("v")[0]: v for v in out["verdicts"] if v.relevant}
    semantic = [v for v in relevant.values() if v.stage == "semantic"]
    assert semantic, "no paper was admitted on semantics"
    assert all("最接近您库中的《" in v.reason or "最接近关注主题的描述" in v.reason for v in semantic)
    # Without the library the same one keyword finds fewer of the day's labelled papers.
    without, _ = judge(one_keyword_profile(tmp_path / "nolib", days, with_library=False), days)
    gold = days.relevant("3d-reconstruction", HELD_OUT)
    found_with = gold & set(relevant)
    found_without = gold & {v.arxiv_id.split("v")[0] for v in without["verdicts"] if v.relevant}
    assert len(found_with) > len(found_without)
    assert out["semantic"]["library"] == 14 and out["semantic"]["threshold"] is not None


def test_near_misses_are_the_best_ranked_papers_that_were_not_selected(tmp_path, days):
    out, _ = judge(one_keyword_profile(tmp_path, days), days)
    selected = {p.versioned_id for p in out["selected"]}
    near = out["near_misses"]
    assert len(near) == 8 and not selected & {e.paper.versioned_id for e in near}
    details = out["near_miss_details"]
    assert set(details) == {e.paper.versioned_id for e in near}
    places = [details[e.paper.versioned_id]["rank"] for e in near]
    assert places == sorted(places) and places[0] >= 1 and all(d["of"] == len(out["verdicts"]) for d in details.values())


def test_with_a_model_the_semantic_stage_sends_a_capped_number_of_keywordless_papers_to_the_judge(tmp_path, days):
    profile = one_keyword_profile(tmp_path, days)
    profile = profile.model_copy(update={"semantic": profile.semantic.model_copy(update={"daily_cap": 3})})
    registry, models = scripted_registry()
    out, _ = judge(profile, days, registry=registry)
    prompts = [m[0].content for kind, m in models["judge"].calls if kind == "VerdictBatch"]
    keyword_hits = [v for v in out["verdicts"] if "Gaussian splatting" in v.matched_topics or "Gaussian splatting" in v.reason]
    assert len(prompts) == 2 + 3  # the papers with the keyword, then the cap of semantic admissions
    assert sum("语义排名" in p for p in prompts) == 5  # the prompt carries the semantic place
    assert len(keyword_hits) >= 2


def test_likes_join_the_library_dislikes_become_negatives_and_a_change_retrains(tmp_path, days):
    profile = one_keyword_profile(tmp_path, days)
    _, ledger = judge(profile, days)
    first = (profile.data_dir / "semantic" / "3d-reconstruction.joblib").stat().st_mtime_ns
    out, _ = judge(profile, days, ledger=ledger)
    assert out["semantic"]["retrained"] is False  # same library and feedback: the cached model
    assert (profile.data_dir / "semantic" / "3d-reconstruction.joblib").stat().st_mtime_ns == first
    ledger.record_feedback(profile.name, "2510.20549", "like")  # the SLAM paper
    ledger.record_feedback(profile.name, "2510.20385", "dislike")
    data, liked, disliked, _, _ = training_set(profile, profile.keywords, ledger, date.fromisoformat(HELD_OUT), days.entries(HELD_OUT))
    assert liked == 1 and disliked == 1
    assert any("SELM-SLAM3" in p.text for p in data.library) and any("Positional Encoding Field" == p.title for p in data.disliked)
    out, _ = judge(profile, days, ledger=ledger)
    assert out["semantic"]["retrained"] is True and out["semantic"]["liked"] == 1 and out["semantic"]["disliked"] == 1


def test_every_paper_of_every_day_is_labelled_with_a_reason_and_the_bundled_library_is_the_other_days(days):
    for day in days.days:
        ids = {e.arxiv_id for e in days.entries(day)}
        labelled = {i.id for i in days.items if i.day == day}
        assert ids == labelled
    for item in days.items:
        for name in days.profiles:
            assert item.labels[name].why.strip()
    for name in days.profiles:
        bundled = (REPO / "profiles" / "libraries" / f"{name}.bib").read_text(encoding="utf-8")
        assert bundled == library_bibtex(library_for(days, name, HELD_OUT))


def test_judge_only_writes_verdicts_without_fetching_a_pdf_and_leaves_the_day_open(tmp_path):
    from typer.testing import CliRunner

    from agent.cli import app

    day_dir = REPO / "evals" / "datasets" / "days" / HELD_OUT
    result = CliRunner().invoke(app, ["run", "-p", str(REPO / "profiles" / "3d-reconstruction-library.toml"), "--offline-dir", str(day_dir), "--judge-only"])
    assert result.exit_code == 0, result.output
    folder = tmp_path / "reports" / "3d-reconstruction-library" / HELD_OUT
    report = json.loads((folder / "judge-only" / "report.json").read_text(encoding="utf-8"))
    assert report["judge_only"] and report["judged"] and report["papers"] == []
    assert report["counts"]["pdfs_fetched"] == 0 and not (tmp_path / ".arxiv-monitor" / "pdfs").exists()
    assert not (folder / "report.md").exists()  # the day's full report is not written (nor replaced)
    md = (folder / "judge-only" / "report.md").read_text(encoding="utf-8")
    assert "仅判定模式" in md and "## 差点入选" in md and "本日没有判定为相关的论文" not in md
    ledger = Ledger(tmp_path / ".arxiv-monitor" / "ledger.sqlite")
    assert all(ledger.reported("3d-reconstruction-library", j["arxiv_id"].split("v")[0]) is None for j in report["judged"])
    # A full run of the same day afterwards is not reused from the judge-only run: it reads the papers.
    assert ledger.run("3d-reconstruction-library", date.fromisoformat(HELD_OUT)) is None


def test_on_whole_days_semantics_never_costs_a_keyworded_profile_recall(days):
    from agent.llm.registry import offline_registry
    from evals.relevance_days import evaluate_days

    scores = evaluate_days(days, lambda: offline_registry("offline requested"), PromptLibrary(), conditions=("lexical", "lexical+semantic"))
    by = {(s.profile, s.day, s.condition): s for s in scores}
    for name in days.profiles:
        for day in days.days:
            assert by[(name, day, "lexical+semantic")].recall >= by[(name, day, "lexical")].recall


def test_likes_from_the_command_line_teach_the_next_run(tmp_path, days):
    """feedback --like on five of a day's papers: the next judge-only run has a threshold and finds more of the day's topic."""
    from typer.testing import CliRunner

    from agent.cli import app

    profile = tmp_path / "p.toml"
    text = (REPO / "profiles" / "3d-reconstruction-library.toml").read_text(encoding="utf-8")
    profile.write_text(text.replace('library = ["libraries/3d-reconstruction.bib"]\n', ""), encoding="utf-8")
    day = "2025-10-22"
    day_dir = REPO / "evals" / "datasets" / "days" / day
    report_json = tmp_path / "reports" / "3d-reconstruction-library" / day / "judge-only" / "report.json"

    def judged() -> dict:
        result = CliRunner().invoke(app, ["run", "-p", str(profile), "--offline-dir", str(day_dir), "--judge-only"])
        assert result.exit_code == 0, result.output
        return json.loads(report_json.read_text(encoding="utf-8"))

    gold = days.relevant("3d-reconstruction", day)
    before = judged()
    assert before["semantic"]["threshold"] is None  # no library yet: nothing is accepted on semantics offline
    found_before = gold & {j["arxiv_id"].split("v")[0] for j in before["judged"]}
    liked = sorted(gold - found_before)[:5] + sorted(found_before)[: max(0, 5 - len(gold - found_before))]
    for arxiv_id in liked:
        said = CliRunner().invoke(app, ["feedback", arxiv_id, "--like", "-p", str(profile)])
        assert said.exit_code == 0 and "joins the library from the next run" in " ".join(said.output.split())
    after = judged()
    assert after["semantic"]["liked"] == 5 and after["semantic"]["threshold"] is not None and after["semantic"]["retrained"]
    found_after = gold & {j["arxiv_id"].split("v")[0] for j in after["judged"]}
    assert len(found_after) > len(found_before)


def test_day_metrics_fall_when_the_output_gets_worse():
    from agent.state import RelevanceVerdict
    from evals.relevance_days import score_day

    gold = {f"2510.000{i:02d}" for i in range(5)}
    ids = [f"2510.000{i:02d}" for i in range(20)]

    def verdicts(chosen):
        return [RelevanceVerdict(arxiv_id=f"{i}v1", score=5, relevant=i in chosen, reason="") for i in ids]

    perfect = score_day(verdicts(set(ids[:5])), ids[:5], gold)
    assert perfect[:4] == (1.0, 1.0, 1.0, 0.5)  # P@10 counts ten slots: five right answers fill half
    noisy = score_day(verdicts(set(ids[:12])), ids[5:12] + ids[:5], gold)
    assert noisy[0] < perfect[0] and noisy[1] == 1.0 and noisy[3] < perfect[3]
    missing = score_day(verdicts(set(ids[:3])), ids[:3], gold)
    assert missing[1] == 0.6 and missing[4] == ids[:3] and missing[5] == ids[3:5]


def test_liking_a_paper_the_profile_never_saw_looks_it_up_so_it_counts(tmp_path):
    from typer.testing import CliRunner

    from agent.cli import app

    profile_file = tmp_path / "p.toml"
    profile_file.write_text('name = "g"\ncategories = ["cs.CV"]\nkeywords = ["Gaussian splatting"]\n', encoding="utf-8")
    day_dir = REPO / "evals" / "datasets" / "days" / "2025-10-22"
    said = CliRunner().invoke(app, ["feedback", "2510.18101", "--like", "-p", str(profile_file), "--offline-dir", str(day_dir)])
    assert said.exit_code == 0 and "joins the library from the next run" in " ".join(said.output.split())
    unknown = CliRunner().invoke(app, ["feedback", "2501.99999", "--like", "-p", str(profile_file), "--offline-dir", str(day_dir)])
    assert unknown.exit_code == 0 and "could not be found" in " ".join(unknown.output.split())
    profile = load_profile(profile_file)
    ledger = Ledger(profile.data_dir / "ledger.sqlite")
    data, liked, _, notes, _ = training_set(profile, profile.keywords, ledger, date(2025, 10, 24), [])
    assert liked == 1 and data.library[0].title == "From Volume Rendering to 3D Gaussian Splatting: Theory and Applications"
    assert any("2501.99999" in n for n in notes)  # recorded, said to be unknown, not trained on
