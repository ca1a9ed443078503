"""The outbox on both stores: `outbox_for` gives each store its backend, and both keep the same rules.

SQLite is the embedded ledger; PostgreSQL runs on a throw-away server (tests/postgres_server.py) and is
skipped, saying so, where PostgreSQL is not installed.
"""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta, timezone

import pytest
from typer.testing import CliRunner

from agent.cli import app
from agent.config import load_profile
from agent.delivery.deliver import deliver_report, flush_outbox
from agent.delivery.messages import payloads
from tests.conftest import REPO
from tests.loopback import LoopbackServer
from tests.postgres_server import postgres_server, postgres_url  # noqa: F401  (fixtures)
from tests.report_files import write_report
from tools.outbox import FIRST_BACKOFF, SqliteOutbox, outbox_for
from tools.stores import open_store

T0 = datetime(2026, 11, 20, 8, 0, tzinfo=timezone.utc)
DAY = date(2026, 11, 20)
SLACK_OK = (200, {}, b"ok")


@pytest.fixture(params=["sqlite", "postgres"])
def store(request, tmp_path):
    s = open_store(None, tmp_path / "data") if request.param == "sqlite" else open_store(request.getfixturevalue("postgres_url"), tmp_path)
    yield s
    s.close()


@pytest.fixture
def hooks():
    with LoopbackServer() as server:
        server.script.add("/slack", SLACK_OK)
        yield server


def slack_profile(tmp_path, url: str):
    text = (REPO / "profiles" / "sample.toml").read_text(encoding="utf-8")
    text = text.replace('output_dir = "reports"', f'output_dir = "{tmp_path / "reports"}"').replace(
        'data_dir = ".arxiv-monitor"', f'data_dir = "{tmp_path / "data"}"')
    path = tmp_path / "p.toml"
    path.write_text(text + f'\n[[delivery]]\ntype = "slack"\nname = "slack"\nurl = "{url}"\n', encoding="utf-8")
    return load_profile(path)


def texts(hooks) -> list[str]:
    return [json.loads(body)["text"] for path, _, body in hooks.script.posts if path == "/slack"]


def test_each_store_gets_the_outbox_in_its_own_database(store):
    outbox = outbox_for(store)
    assert type(outbox).__name__ == ("SqliteOutbox" if type(store).__name__ == "SqliteStore" else "PostgresOutbox")
    assert store.schema_version() == (2 if type(outbox) is SqliteOutbox else 3)  # PostgreSQL's migration 3 is the outbox
    with pytest.raises(TypeError, match="no outbox"):
        outbox_for(object())


def test_enqueue_send_and_record_each_part(store):
    outbox = outbox_for(store)
    item = outbox.enqueue("p", DAY, "slack", "/r", now=T0)
    assert (item.status, item.parts_sent, item.recipients_done) == ("pending", 0, [])
    assert [i.channel for i in outbox.due("p", now=T0)] == ["slack"] and outbox.due("other", now=T0) == []
    outbox.begin(item, 0, 2, now=T0)
    assert outbox.get("p", DAY, "slack").status == "sending"
    # A row left `sending` (a run killed mid-send) is due at once, whatever its backoff says.
    assert [i.status for i in outbox.due("p", now=T0 - timedelta(days=1))] == ["sending"]
    outbox.part_sent(item, 0, now=T0)
    outbox.begin(item, 1, 2, now=T0)
    outbox.part_sent(item, 1, now=T0)
    outbox.recipients_sent(item, ["b@x", "a@x"], now=T0)
    outbox.finish(item, "sent", now=T0)
    row = outbox.get("p", "2026-11-20", "slack")
    assert (row.status, row.parts_sent, row.parts_total, row.recipients_done, row.sent_at) == ("sent", 2, 2, ["a@x", "b@x"], T0.isoformat())
    assert outbox.day_delivered("p", DAY) and outbox.undelivered("p") == [] and outbox.due("p", now=T0) == []
    # A rerun of the day keeps a sent row sent; a resend on purpose starts it again, whole.
    assert outbox.enqueue("p", DAY, "slack", "/r2", now=T0).status == "sent"
    again = outbox.reset("p", DAY, "slack", "/r2", now=T0)
    assert (again.status, again.parts_sent, again.report_dir, again.recipients_done) == ("pending", 0, "/r2", [])


def test_a_failure_waits_out_its_backoff_and_is_listed(store):
    outbox = outbox_for(store)
    item = outbox.enqueue("p", DAY, "mail", "/r", now=T0)
    outbox.fail(item, "connection refused", 3, now=T0)
    assert (item.status, item.attempts, item.failed_runs, item.late) == ("pending", 3, 1, True)
    assert outbox.due("p", now=T0 + FIRST_BACKOFF - timedelta(seconds=1)) == []
    assert [i.channel for i in outbox.due("p", now=T0 + FIRST_BACKOFF)] == ["mail"]
    assert store.failed_deliveries("p") == [("2026-11-20", "mail", "connection refused")]
    outbox.mark_uncertain(item, now=T0)
    assert outbox.get("p", DAY, "mail").uncertain


def test_a_later_run_sends_a_failed_day_once_with_a_note(store, tmp_path, hooks):
    profile = slack_profile(tmp_path, f"{hooks.base}/slack")
    first, first_paths = write_report(tmp_path, "2026-11-20")
    second, second_paths = write_report(tmp_path, "2026-11-21")
    hooks.script.add("/slack", (500, {}, b"down"))
    [failed] = deliver_report(profile, first, first_paths, store, sleep=lambda s: None, now=lambda: T0)
    assert failed.status == "failed" and len(texts(hooks)) == 3  # three tries in the run
    hooks.script.add("/slack", SLACK_OK)
    next_day = deliver_report(profile, second, second_paths, store, sleep=lambda s: None, now=lambda: T0 + timedelta(days=1))
    assert [(d.day, d.status, d.late) for d in next_day] == [("2026-11-20", "sent", True), ("2026-11-21", "sent", False)]
    sent = texts(hooks)[3:]
    assert len(sent) == 2 and sent[0].startswith("【补发】") and not sent[1].startswith("【补发】")
    assert flush_outbox(profile, store, sleep=lambda s: None, now=lambda: T0 + timedelta(days=2)) == []
    assert len(texts(hooks)) == 5 and store.failed_deliveries("sample") == []


def test_a_split_message_resumes_at_the_part_that_failed(store, tmp_path, hooks):
    profile = slack_profile(tmp_path, f"{hooks.base}/slack")
    report, paths = write_report(tmp_path, "2026-11-20", copies=8)
    total = len(payloads("slack", report, None))
    assert total >= 3
    hooks.script.add("/slack", SLACK_OK, (500, {}, b"busy"))  # part 1 goes out, part 2 is refused (three times)
    [first] = deliver_report(profile, report, paths, store, sleep=lambda s: None, now=lambda: T0)
    item = outbox_for(store).get("sample", "2026-11-20", "slack")
    assert first.status == "failed" and (item.parts_sent, item.parts_total, item.status) == (1, total, "pending")
    hooks.script.add("/slack", SLACK_OK)
    [second] = deliver_report(profile, report, paths, store, sleep=lambda s: None, now=lambda: T0 + timedelta(hours=1))
    assert second.status == "sent" and second.messages == total - 1
    parts = [t.rsplit("(", 1)[1].rstrip(")") for t in texts(hooks)]
    assert parts == [f"1/{total}"] + [f"2/{total}"] * 3 + [f"{k}/{total}" for k in range(2, total + 1)]


def test_rows_recorded_before_the_outbox_are_kept(store):
    store.record_delivery("p", date(2026, 11, 19), "mail", "sent", 1)
    store.record_delivery("p", date(2026, 11, 19), "slack", "failed", 3, "HTTP 500")
    outbox = outbox_for(store)
    assert outbox.get("p", "2026-11-19", "mail").status == "sent"
    assert store.failed_deliveries("p") == [("2026-11-19", "slack", "HTTP 500")]


def test_deliver_finds_the_report_through_the_postgres_outbox(tmp_path, hooks, postgres_url, monkeypatch):  # noqa: F811
    """`doctor` and `deliver` open the lab's database; `deliver` reads the report's folder from its outbox, not from SQLite."""
    monkeypatch.setenv("ARXIV_MONITOR_DATABASE_URL", postgres_url)
    profile = slack_profile(tmp_path, f"{hooks.base}/slack")
    report, paths = write_report(tmp_path, "2026-11-20", reports="elsewhere")  # not the profile's output_dir
    store = open_store(postgres_url, tmp_path)
    try:
        hooks.script.add("/slack", (500, {}, b"down"))
        deliver_report(profile, report, paths, store, sleep=lambda s: None, now=lambda: T0)
    finally:
        store.close()
    doctor = " ".join(CliRunner().invoke(app, ["doctor", "-p", str(tmp_path / "p.toml")]).output.split())
    assert "not delivered 2026-11-20 → slack" in doctor and "resend now" in doctor  # doctor reads the same outbox
    hooks.script.add("/slack", SLACK_OK)
    result = CliRunner().invoke(app, ["deliver", "-p", str(tmp_path / "p.toml"), "--date", "2026-11-20"])
    assert result.exit_code == 0, result.output
    assert "2026-11-20 → slack: sent" in result.output and len(texts(hooks)) == 4
    assert not (tmp_path / "data" / "ledger.sqlite").exists()  # nothing went to an embedded ledger
    store = open_store(postgres_url, tmp_path)
    try:
        assert outbox_for(store).get("sample", "2026-11-20", "slack").status == "sent"
    finally:
        store.close()
