"""Several workers on one day against a real PostgreSQL: the day is split, each paper read once, a dead worker covered."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time

import psycopg
import pytest

from agent.config import load_profile
from agent.llm.registry import offline_registry
from agent.prompts import PromptLibrary
from agent.run.lab_run import LabProfile, run_lab
from tests.conftest import REPO, SAMPLE_DIR
from tests.lab_profiles import NAMES, content, copy_lab_profiles, read_reports
from tests.postgres_server import postgres_server, postgres_url  # noqa: F401  (fixtures)
from tools.sources import OfflineSource

# A worker that claims papers and then hangs: killed with SIGKILL, it never finishes or renews its claims.
HANGING_WORKER = """
import sys, time
import agent.run.lab_run as lab_run

def hang(self, task):
    print("HANGING", task.key, flush=True)
    time.sleep(3600)

lab_run.LabRun.analyse = hang
from agent.cli import main
sys.argv = ["arxiv-monitor", *sys.argv[1:]]
main()
"""


def lab_profiles(directory):
    return [LabProfile(p, offline_registry("test"), PromptLibrary(p.prompts))
            for p in (load_profile(path) for path in sorted(directory.glob("*.toml")))]


def worker(directory, name: str, lease: float, *, script: str | None = None) -> list[str]:
    head = [sys.executable, "-c", script] if script else [sys.executable, "-m", "agent"]
    return [*head, "run", "--profiles", str(directory), "--offline", "--worker", name, "--claim-lease", str(lease)]


@pytest.fixture(scope="module")
def sqlite_reports(tmp_path_factory) -> dict[str, dict]:
    """The reference: the same three profiles in one run with the embedded SQLite store."""
    root = tmp_path_factory.mktemp("sqlite-reference")
    directory = copy_lab_profiles(root)
    run_lab(lab_profiles(directory), source=OfflineSource(SAMPLE_DIR), worker="alone")
    return read_reports(root / "reports")


def tasks(url: str) -> list[tuple]:
    with psycopg.connect(url) as conn:
        return conn.execute("SELECT kind, key, attempts, done_by FROM tasks ORDER BY kind, key").fetchall()


def test_two_workers_share_a_day_of_three_profiles_and_read_each_paper_once(postgres_url, tmp_path, sqlite_reports):  # noqa: F811
    directory = copy_lab_profiles(tmp_path)
    env = {**os.environ, "ARXIV_MONITOR_DATABASE_URL": postgres_url, "PYTHONPATH": str(REPO)}
    procs = [subprocess.Popen(worker(directory, f"w{i}", 30), env=env, cwd=tmp_path, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True) for i in (1, 2)]
    outputs = [" ".join(p.communicate(timeout=600)[0].split()) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outputs
    reports = read_reports(tmp_path / "reports")
    reference = sqlite_reports
    assert sorted(reports) == sorted(NAMES)
    for name in NAMES:
        assert content(reports[name]) == content(reference[name]), name
    rows = tasks(postgres_url)
    papers = [r for r in rows if r[0] == "paper"]
    assert len(papers) == 6 and all(r[2] == 1 for r in papers)  # six papers, each claimed once
    assert {r[1] for r in rows if r[0] == "report"} == set(NAMES)
    parsed = sum(int(m) for out in outputs for m in re.findall(r"parsed (\d+) here", out))
    assert parsed == 6, outputs  # between them, each PDF parsed once
    with psycopg.connect(postgres_url) as conn:
        assert conn.execute("SELECT COUNT(*) FROM analyses").fetchone()[0] == 6
        assert conn.execute("SELECT COUNT(DISTINCT thread_id) FROM checkpoints").fetchone()[0] >= 3  # LangGraph's, in PostgreSQL


def test_a_worker_killed_mid_day_is_covered_by_the_other(postgres_url, tmp_path, sqlite_reports):  # noqa: F811
    directory = copy_lab_profiles(tmp_path)
    env = {**os.environ, "ARXIV_MONITOR_DATABASE_URL": postgres_url, "PYTHONPATH": str(REPO)}
    doomed = subprocess.Popen(worker(directory, "doomed", 2, script=HANGING_WORKER), env=env, cwd=tmp_path,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    hung = []
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline and not hung:
        line = doomed.stdout.readline()
        if not line:
            break
        if line.startswith("HANGING"):
            hung.append(line.split()[1])
    time.sleep(0.5)  # let its other reader threads take their claims too
    doomed.kill()
    doomed.wait()
    assert hung, "the doomed worker never reached a paper"
    outcome = run_lab(lab_profiles(directory), source=OfflineSource(SAMPLE_DIR), database=postgres_url, worker="survivor",
                      lease=2, poll=0.2)
    assert outcome.summary.took_over and set(hung) <= {t.split(":", 1)[1] for t in outcome.summary.took_over}
    reports = read_reports(tmp_path / "reports")
    reference = sqlite_reports
    for name in NAMES:
        assert content(reports[name]) == content(reference[name]), name
    rows = tasks(postgres_url)
    assert all(r[3] == "survivor" for r in rows if r[0] in ("paper", "report"))  # the dead worker finished nothing
    assert all(r[2] == 2 for r in rows if r[0] == "paper" and r[1] in hung)


def test_a_single_profile_on_postgres_goes_through_the_database(postgres_url, tmp_path, monkeypatch):  # noqa: F811
    """One profile with a database behaves as one member of a lab: its ledger is in PostgreSQL, not in a file."""
    from typer.testing import CliRunner

    from agent.cli import app

    directory = copy_lab_profiles(tmp_path)
    monkeypatch.setenv("ARXIV_MONITOR_DATABASE_URL", postgres_url)
    result = CliRunner().invoke(app, ["run", "-p", str(directory / "rag.toml"), "--offline"])
    assert result.exit_code == 0, result.output
    assert "store: PostgreSQL" in result.output and not (tmp_path / "data" / "ledger.sqlite").exists()
    with psycopg.connect(postgres_url) as conn:
        assert conn.execute("SELECT COUNT(*) FROM papers WHERE profile='lab-rag' AND reported_day='2026-11-20'").fetchone()[0] == 3


def test_feedback_goes_to_the_lab_database(postgres_url, tmp_path, monkeypatch):  # noqa: F811
    from typer.testing import CliRunner

    from agent.cli import app

    directory = copy_lab_profiles(tmp_path)
    monkeypatch.setenv("ARXIV_MONITOR_DATABASE_URL", postgres_url)
    result = CliRunner().invoke(app, ["feedback", "2002.08909", "--like", "-p", str(directory / "rag.toml"), "--offline"])
    assert result.exit_code == 0, result.output
    with psycopg.connect(postgres_url) as conn:
        assert conn.execute("SELECT profile, arxiv_id, value FROM feedback").fetchall() == [("lab-rag", "2002.08909", "like")]
