"""Delivery in a run of many profiles: as in a single-profile run, through the outbox, on SQLite and PostgreSQL.

A profile's papers are marked delivered only once its channel has the report; a day whose send failed goes
out with the next day's run, once, marked 补发; `run --profiles` exits with status 3 while a channel lacks a report.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest
from typer.testing import CliRunner

from agent.cli import app
from agent.config import load_profile
from agent.llm.registry import offline_registry
from agent.prompts import PromptLibrary
from agent.run.lab_run import LabProfile, run_lab
from tests.conftest import REPO
from tests.lab_profiles import copy_lab_profiles
from tests.loopback import LoopbackServer
from tests.postgres_server import postgres_server, postgres_url  # noqa: F401  (fixtures)
from tests.test_outbox import two_recorded_days
from tools.sources import OfflineSource
from tools.stores import open_store

SLACK_OK = (200, {}, b"ok")


@pytest.fixture
def hooks():
    with LoopbackServer() as server:
        server.script.add("/a", SLACK_OK)
        server.script.add("/b", SLACK_OK)
        yield server


def two_profiles(tmp_path, base: str) -> list[LabProfile]:
    """The sample profile twice, as two members of a lab, each with its own Slack channel."""
    text = (REPO / "profiles" / "sample.toml").read_text(encoding="utf-8")
    text = text.replace('output_dir = "reports"', f'output_dir = "{tmp_path / "reports"}"').replace(
        'data_dir = ".arxiv-monitor"', f'data_dir = "{tmp_path / "data"}"')
    found = []
    for who in ("a", "b"):
        path = tmp_path / f"{who}.toml"
        path.write_text(text.replace('name = "sample"', f'name = "member-{who}"')
                        + f'\n[[delivery]]\ntype = "slack"\nname = "slack"\nurl = "{base}/{who}"\n', encoding="utf-8")
        profile = load_profile(path)
        found.append(LabProfile(profile, offline_registry("t"), PromptLibrary(profile.prompts)))
    return found


def texts(hooks, path: str) -> list[str]:
    return [json.loads(body)["text"] for p, _, body in hooks.script.posts if p == path]


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_a_channel_down_for_a_day_gets_that_days_report_with_the_next_days_lab_run_once(tmp_path, hooks, backend, request):
    database = request.getfixturevalue("postgres_url") if backend == "postgres" else None
    days = two_recorded_days(tmp_path / "feeds")
    source = OfflineSource(tmp_path / "feeds")
    morning = [datetime(d.year, d.month, d.day, 8, 0, tzinfo=timezone.utc) for d in days]

    def run(day: int, hour: float = 0):
        return run_lab(two_profiles(tmp_path, hooks.base), source=source, database=database, worker="w", day=days[day],
                       now=lambda: morning[day] + timedelta(hours=hour), deliver_sleep=lambda s: None)

    hooks.script.add("/a", (500, {}, b"down"))
    first = run(0)
    a, b = first.outcomes["member-a"], first.outcomes["member-b"]
    assert [(d.day, d.status) for d in a.deliveries] == [(days[0].isoformat(), "failed")]
    assert [(d.day, d.status) for d in b.deliveries] == [(days[0].isoformat(), "sent")]
    reported = [p["arxiv_id"].split("v")[0] for p in a.report["papers"]]
    assert reported
    store = open_store(database, tmp_path / "data")
    try:
        # Marked delivered only where the channel has the report.
        assert {store.state("member-a", x) for x in reported} == {"written"}
        assert {store.state("member-b", x) for x in reported} == {"delivered"}
    finally:
        store.close()

    hooks.script.add("/a", SLACK_OK)
    second = run(1)
    a, b = second.outcomes["member-a"], second.outcomes["member-b"]
    assert [(d.day, d.status, d.late) for d in a.deliveries] == [(days[0].isoformat(), "sent", True), (days[1].isoformat(), "sent", False)]
    assert [(d.day, d.status, d.late) for d in b.deliveries] == [(days[1].isoformat(), "sent", False)]
    sent_a = texts(hooks, "/a")[3:]  # after the three refused tries of day 1
    assert len(sent_a) == 2 and sent_a[0].startswith("【补发】") and not sent_a[1].startswith("【补发】")
    store = open_store(database, tmp_path / "data")
    try:
        assert {store.state("member-a", x) for x in reported} == {"delivered"}
        assert store.failed_deliveries("member-a") == []
    finally:
        store.close()

    # A rerun of day 2 re-renders it (the batch was done) and sends nothing again; day 3 sends only its own.
    again = run(1, hour=1)
    assert all(o.status == "reused" for o in again.outcomes.values())
    assert [d.status for o in again.outcomes.values() for d in o.deliveries] == ["skipped", "skipped"]
    run(2)
    assert len(texts(hooks, "/a")) == 3 + 3 and len(texts(hooks, "/b")) == 3
    assert sum(t.startswith("【补发】") for t in texts(hooks, "/a")) == 1


def test_run_profiles_exits_3_and_says_which_profile_lacks_its_report(tmp_path, hooks):
    directory = copy_lab_profiles(tmp_path)
    hooks.script.add("/a", (500, {}, b"down"))
    rag = directory / "rag.toml"
    rag.write_text(rag.read_text(encoding="utf-8") + f'\n[[delivery]]\ntype = "slack"\nname = "slack"\nurl = "{hooks.base}/a"\n',
                   encoding="utf-8")
    result = CliRunner().invoke(app, ["run", "--profiles", str(directory), "--offline"])
    said = " ".join(result.output.split())
    assert result.exit_code == 3, result.output
    assert "delivery lab-rag 2026-11-20 → slack: failed — HTTP 500" in said and "(lab-rag)" in said
    assert (tmp_path / "reports" / "lab-rag" / "2026-11-20" / "report.md").exists()
    assert len(texts(hooks, "/a")) == 3
