"""Many profiles in one run (SQLite): feeds once per category, each paper parsed and analysed once, a report per profile."""

from __future__ import annotations

import re

import pytest
from typer.testing import CliRunner

import tools.paper_cache
from agent.cli import app
from agent.config import load_profile
from agent.llm.registry import offline_registry
from agent.prompts import PromptLibrary
from agent.run.lab_run import LabProfile, run_lab
from agent.run.monitor_run import run_monitor
from tests.conftest import SAMPLE_DIR
from tests.lab_profiles import NAMES, content, copy_lab_profiles, read_reports
from tools.errors import ConfigError
from tools.sources import OfflineSource


def lab_profiles(directory):
    profiles = [load_profile(p) for p in sorted(directory.glob("*.toml"))]
    return [LabProfile(p, offline_registry("test"), PromptLibrary(p.prompts)) for p in profiles]


class CountingOffline(OfflineSource):
    def __init__(self, directory):
        super().__init__(directory)
        self.asked: list[list[str]] = []

    def announcements(self, categories, day=None):
        self.asked.append(list(categories))
        return super().announcements(categories, day)


def test_three_profiles_share_one_fetch_one_parse_and_one_analysis_per_paper(tmp_path, monkeypatch):
    parsed = []
    real_parse = tools.paper_cache.parse_pdf
    monkeypatch.setattr(tools.paper_cache, "parse_pdf", lambda pdf, arxiv_id=None: parsed.append(arxiv_id) or real_parse(pdf, arxiv_id=arxiv_id))
    directory = copy_lab_profiles(tmp_path)
    source = CountingOffline(SAMPLE_DIR)
    outcome = run_lab(lab_profiles(directory), source=source, worker="w1")
    reports = read_reports(tmp_path / "reports")
    assert sorted(reports) == sorted(NAMES) and sorted(outcome.outcomes) == sorted(NAMES)
    assert [len(reports[n]["papers"]) for n in NAMES] == [6, 3, 3]
    # every paper parsed once, though lab-both shares all of lab-rag's and lab-reading's papers
    assert sorted(parsed) == sorted(set(parsed)) and len(parsed) == 6
    s = outcome.summary
    assert (s.profiles, s.selections, s.papers, s.analysed_here, s.parsed_here) == (3, 12, 6, 6, 6)
    assert "read 6 paper(s) once for 3 profile(s) (12 selections, 6 shared)" in s.line()
    # five categories among the three profiles, each asked of the source once (and one at a time)
    assert sorted(c for asked in source.asked for c in asked) == sorted({"cs.CL", "cs.LG", "cs.HC", "cs.CV", "cond-mat.str-el"})
    assert all(len(asked) == 1 for asked in source.asked)
    # the analysis belongs to the paper, the verdict to the profile
    both = {p["arxiv_id"]: p for p in reports["lab-both"]["papers"]}
    for p in reports["lab-rag"]["papers"]:
        assert p["analysis"] == both[p["arxiv_id"]]["analysis"]
        assert p["relevance"]["matched_topics"] == ["retrieval-augmented language model"]


def test_each_shared_report_is_the_report_of_its_own_separate_run(tmp_path):
    directory = copy_lab_profiles(tmp_path)
    run_lab(lab_profiles(directory), source=OfflineSource(SAMPLE_DIR), worker="w1")
    shared = read_reports(tmp_path / "reports")
    for path in sorted(directory.glob("*.toml")):
        alone = load_profile(path).model_copy(update={"data_dir": tmp_path / "alone-data", "output_dir": tmp_path / "alone"})
        run_monitor(alone, registry=offline_registry("test"), source=OfflineSource(SAMPLE_DIR))
    separate = read_reports(tmp_path / "alone")
    for name in NAMES:
        assert content(shared[name]) == content(separate[name]), name
        assert shared[name]["counts"] == separate[name]["counts"]


def test_run_profiles_from_the_command_line_then_again_reuses(tmp_path):
    directory = copy_lab_profiles(tmp_path)
    result = CliRunner().invoke(app, ["run", "--profiles", str(directory), "--offline"])
    assert result.exit_code == 0, result.output
    said = " ".join(result.output.split())
    assert "read 6 paper(s) once for 3 profile(s)" in said and "parsed 6 here" in said
    assert re.search(r"completed lab-rag 2026-11-20: [^\n]*3 reported", said)
    again = CliRunner().invoke(app, ["run", "--profiles", str(directory), "--offline"])
    assert again.exit_code == 0, again.output
    assert "the day was done before for all 3 profile(s)" in " ".join(again.output.split())
    assert len(read_reports(tmp_path / "reports")) == 3


def test_repeated_profile_option_runs_those_profiles_together(tmp_path):
    directory = copy_lab_profiles(tmp_path)
    result = CliRunner().invoke(app, ["run", "-p", str(directory / "rag.toml"), "-p", str(directory / "reading.toml"), "--offline"])
    assert result.exit_code == 0, result.output
    assert sorted(read_reports(tmp_path / "reports")) == ["lab-rag", "lab-reading"]
    assert "for 2 profile(s)" in " ".join(result.output.split())


@pytest.mark.parametrize("args, message", [
    (["--profiles", "/no/such/dir"], "not a directory"),
    (["--profiles", "."], "no *.toml profile"),
    (["--profiles", "LAB", "--fresh"], "--fresh and --judge-only work on one profile"),
])
def test_bad_profile_sets_are_one_line_errors(tmp_path, args, message):
    directory = copy_lab_profiles(tmp_path)
    (tmp_path / "empty").mkdir()
    args = [str(directory) if a == "LAB" else str(tmp_path / "empty") if a == "." else a for a in args]
    result = CliRunner().invoke(app, ["run", *args, "--offline"])
    assert result.exit_code != 0
    assert isinstance(result.exception, ConfigError) and message in str(result.exception), result.output


def test_two_profiles_with_one_name_are_refused(tmp_path):
    directory = copy_lab_profiles(tmp_path)
    profiles = lab_profiles(directory)
    with pytest.raises(ConfigError, match="two profiles are named 'lab-rag'"):
        run_lab([profiles[1], profiles[1]], source=OfflineSource(SAMPLE_DIR))


def test_schedule_runs_a_profile_directory_together(tmp_path, monkeypatch):
    import agent.run.scheduler

    monkeypatch.setattr(agent.run.scheduler, "next_run", lambda now, at, weekdays: now)  # the run is due at once
    directory = copy_lab_profiles(tmp_path)
    result = CliRunner().invoke(app, ["schedule", "--profiles", str(directory), "--offline", "--max-runs", "1"])
    assert result.exit_code == 0, result.output
    said = " ".join(result.output.split())
    assert "scheduling 3 profile(s) together" in said and "read 6 paper(s) once for 3 profile(s)" in said
    assert sorted(read_reports(tmp_path / "reports")) == sorted(NAMES)


def test_one_profile_without_a_database_keeps_the_embedded_path(profile_file, tmp_path):
    """The SQLite path is unchanged: one profile, no database, the single-profile run with its files in data_dir."""
    import sqlite3

    result = CliRunner().invoke(app, ["run", "-p", str(profile_file), "--offline"])
    assert result.exit_code == 0, result.output
    assert "completed sample 2026-11-20" in result.output and "store:" not in result.output
    data = tmp_path / "data"
    assert (data / "ledger.sqlite").exists() and (data / "checkpoints.sqlite").exists()
    with sqlite3.connect(data / "ledger.sqlite") as db:
        tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert "tasks" not in tables and {"papers", "versions", "runs"} <= tables


def test_stored_analyses_are_keyed_by_the_code_that_made_them(tmp_path):
    """An upgraded reader must not serve the analyses its predecessor stored (a report kept quoting §8.3 after a fix)."""
    import shutil

    from agent.shared_analysis import _ANALYSIS_CODE, _PACKAGE, analysis_code_digest

    for folder in _ANALYSIS_CODE:
        shutil.copytree(_PACKAGE / folder, tmp_path / "same" / folder, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(tmp_path / "same", tmp_path / "upgraded")
    rules = tmp_path / "upgraded" / "tools" / "rhetoric.py"
    rules.write_text(rules.read_text(encoding="utf-8") + "\n# a new cue\n", encoding="utf-8")
    assert analysis_code_digest(tmp_path / "same") == analysis_code_digest()
    assert analysis_code_digest(tmp_path / "upgraded") != analysis_code_digest()
