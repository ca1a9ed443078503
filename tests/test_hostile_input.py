"""Bad input gets one line, text from papers and feeds is printed as text, and nothing is lost or deleted."""

from __future__ import annotations

import io
import json
import os
import stat
import subprocess
import sys

import pytest
from rich.console import Console
from typer.testing import CliRunner

from agent.cli import app
from agent.cli.progress import ConsoleProgress
from agent.config import parse_profile
from tests.conftest import MINIMAL_PROFILE, REPO, SAMPLE_DIR
from tools.errors import ConfigError


def cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "agent", *args], cwd=REPO, capture_output=True, text=True, timeout=120)


def test_markup_in_an_error_message_is_printed_literally():
    out = cli("sections", "/nonexistent/[/]weird [link=evil]name.pdf")
    assert out.returncode == 2 and "Traceback" not in out.stderr
    assert "[/]weird [link=evil]name.pdf: file not found" in " ".join(out.stderr.split())


def test_progress_prints_feed_text_literally_and_at_once_when_not_a_terminal():
    buffer = io.StringIO()
    with ConsoleProgress(Console(file=buffer, force_terminal=False, width=200)) as progress:
        progress("stage", {"name": "search", "detail": "title with [/] and [mask] and [link=https://x]y"})
        progress("paper", {"id": "2501.00001v1", "step": "reading [bold]"})
        assert "2501.00001v1: reading [bold]" in buffer.getvalue()  # not held back until the end
    text = buffer.getvalue()
    assert "title with [/] and [mask] and [link=https://x]y" in text


def test_an_answer_with_brackets_is_printed_as_is(tmp_path):
    from agent.cli.investigate_ui import _print_turn
    from agent.investigate import Turn

    buffer = io.StringIO()
    turn = Turn(question="q", answer="The [mask] token [/] stays.", found=True, verified=True, mode="retrieval")
    _print_turn(Console(file=buffer, width=200), None, turn)
    assert "The [mask] token [/] stays." in buffer.getvalue()


@pytest.mark.parametrize("field, value, message", [
    ("keywords", ["  "], "at least two characters besides spaces"),
    ("negative_keywords", [""], "a blank one would exclude every paper"),
])
def test_blank_keywords_are_refused(field, value, message):
    import tomllib

    data = tomllib.loads(MINIMAL_PROFILE)
    data[field] = value
    with pytest.raises(ConfigError, match=message):
        parse_profile(data)


def test_unknown_prompt_role_is_refused(profile_file):
    result = CliRunner().invoke(app, ["run", "-p", str(profile_file), "--offline", "--prompt", "nosuchrole=x"])
    assert result.exit_code != 0 and "no role 'nosuchrole'" in str(result.exception)


@pytest.mark.parametrize("paper, message", [("", "the paper is empty"), (str(SAMPLE_DIR), "is a directory, not a PDF")])
def test_a_missing_or_wrong_paper_argument_is_one_line(paper, message):
    for command in (["sections", paper], ["investigate", paper, "--offline", "--ask", "why?"]):
        out = cli(*command)
        assert out.returncode == 2 and message in out.stderr and "Traceback" not in out.stderr, (command, out.stderr)


@pytest.mark.parametrize("name", ["checkpoints.sqlite", "ledger.sqlite"])
def test_a_corrupt_database_is_named_and_kept(profile_file, tmp_path, name):
    data = tmp_path / "data"
    data.mkdir()
    (data / name).write_bytes(b"this is not a database" * 100)
    out = cli("run", "-p", str(profile_file), "--offline")
    assert out.returncode == 2 and "Traceback" not in out.stderr
    assert f"{name} is not a readable SQLite database" in " ".join(out.stderr.split()) and "move it aside" in out.stderr
    assert (data / name).read_bytes().startswith(b"this is not a database")  # never deleted on the user's behalf


def test_out_pointing_at_a_file_is_one_line(profile_file, tmp_path):
    blocker = tmp_path / "afile"
    blocker.write_text("mine", encoding="utf-8")
    out = cli("run", "-p", str(profile_file), "--offline", "--out", str(blocker))
    assert out.returncode == 2 and "is a file, not a directory" in " ".join(out.stderr.split()) and "Traceback" not in out.stderr
    assert blocker.read_text(encoding="utf-8") == "mine"


def test_report_files_follow_the_umask_and_the_banner_names_what_was_given(profile_file, tmp_path):
    old = os.umask(0o022)
    try:
        result = CliRunner().invoke(app, ["run", "-p", str(profile_file), "--offline-dir", str(SAMPLE_DIR)])
    finally:
        os.umask(old)
    assert result.exit_code == 0, result.output
    assert "--offline-dir was given" in result.output and "--offline was given" not in result.output
    report = tmp_path / "reports" / "sample" / "2026-11-20" / "report.md"
    assert stat.S_IMODE(report.stat().st_mode) == 0o644
    assert "命令行指定了 --offline-dir" in report.read_text(encoding="utf-8")


def test_a_run_whose_model_calls_fell_back_says_so_at_the_top(tmp_path, profile_file):
    from agent.config import load_profile
    from agent.run.monitor_run import run_monitor
    from evals.fake_models import unreachable_model_error
    from evals.scripted_agents import scripted_registry
    from tools.sources import OfflineSource

    def down(messages, kwargs):
        raise unreachable_model_error()

    registry, _ = scripted_registry(writer={"PaperAnalysis": down}, critic={"SupportReview": down})
    profile = load_profile(profile_file).model_copy(update={"max_papers": 2})
    outcome = run_monitor(profile, registry=registry, source=OfflineSource(SAMPLE_DIR))
    head = outcome.paths["md"].read_text(encoding="utf-8").split("## ")[0]
    assert "⚠️ **模型调用失败" in head and "2 篇论文的分析是原文摘录，未经模型撰写。" in head


def test_stale_partial_downloads_are_cleaned(tmp_path):
    import time

    from tools.polite_http import clean_partial_downloads

    old, fresh = tmp_path / ".a.pdf.x.part", tmp_path / ".b.pdf.y.part"
    old.write_bytes(b"x")
    fresh.write_bytes(b"y")
    os.utime(old, (time.time() - 7200, time.time() - 7200))
    assert clean_partial_downloads(tmp_path) == 1 and not old.exists() and fresh.exists()


def test_sections_caches_in_the_users_cache_directory(tmp_path, monkeypatch):
    pdf_dir = tmp_path / "papers"
    pdf_dir.mkdir()
    (pdf_dir / "x.pdf").write_bytes((SAMPLE_DIR / "2007.01282v2.pdf").read_bytes())
    monkeypatch.chdir(pdf_dir.parent)
    result = CliRunner().invoke(app, ["sections", str(pdf_dir / "x.pdf"), "--json"])
    assert result.exit_code == 0, result.output
    assert not (pdf_dir.parent / ".arxiv-monitor").exists()
    assert list((tmp_path / "user-cache" / "arxiv-monitor" / "papers").glob("*.json"))


def test_sections_of_an_id_parsed_before_needs_no_network(tmp_path, monkeypatch):
    """As `investigate` does: a paper in the cache answers at once, even with arXiv out of reach."""
    data = tmp_path / "data"
    named = tmp_path / "2007.01282v2.pdf"
    named.write_bytes((SAMPLE_DIR / "2007.01282v2.pdf").read_bytes())
    first = CliRunner().invoke(app, ["sections", str(named), "--json", "--data-dir", str(data)])
    assert first.exit_code == 0, first.output
    monkeypatch.setenv("ARXIV_MONITOR_ARXIV_BASE", "http://127.0.0.1:9")  # nothing listens there
    again = CliRunner().invoke(app, ["sections", "2007.01282v2", "--json", "--data-dir", str(data)])
    assert again.exit_code == 0, again.output
    assert json.loads(again.stdout) == json.loads(first.stdout)
