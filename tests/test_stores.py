"""The storage interface on both backends: the ledger behaves alike, schemas migrate, claims expire, pacing holds."""

from __future__ import annotations

import threading
import time
from datetime import date

import pytest

from tests.postgres_server import postgres_server, postgres_url  # noqa: F401  (fixtures)
from tools.feeds import PaperMeta
from tools.stores import database_url, open_store


@pytest.fixture(params=["sqlite", "postgres"])
def store(request, tmp_path):
    if request.param == "sqlite":
        s = open_store(None, tmp_path / "data")
    else:
        s = open_store(request.getfixturevalue("postgres_url"), tmp_path)
    yield s
    s.close()


def meta(arxiv_id: str, version: int = 1, title: str = "A paper") -> PaperMeta:
    return PaperMeta(arxiv_id=arxiv_id, version=version, title=title)


def test_ledger_reports_a_paper_once_and_a_new_version_as_an_update(store):
    day1, day2 = date(2026, 11, 19), date(2026, 11, 20)
    store.observe("p", [meta("2601.00001")], day1)
    store.mark("p", "2601.00001", "judged", verdict={"score": 8})
    store.mark_reported("p", [meta("2601.00001")], day1)
    assert store.reported("p", "2601.00001") == (1, "2026-11-19")
    assert store.verdict("p", "2601.00001") == {"score": 8}
    store.observe("p", [meta("2601.00001", 2, "A better paper")], day2)
    triage = store.triage("p", [meta("2601.00001", 2, "A better paper"), meta("2601.00001")], day2)
    assert [u.new_version for u in triage.updates] == [2] and triage.already_reported == ["2601.00001v1"]
    assert "标题改为" in triage.updates[0].changes[0]
    assert store.versions_seen("p", "2601.00001") == [1, 2]
    assert store.reported("other", "2601.00001") is None  # each profile has its own ledger rows
    store.mark_delivered("p", day1)
    assert store.state("p", "2601.00001") == "delivered"
    store.record_feedback("p", "2601.00001", "like")
    assert store.feedback("p") == {"2601.00001": "like"}
    store.record_delivery("p", day1, "email", "failed", 2, "refused")
    assert store.failed_deliveries("p") == [("2026-11-19", "email", "refused")]
    store.record_run("p", day1, "completed", {"reported": 1})
    assert store.run("p", day1) == ("completed", {"reported": 1})


def test_schema_is_versioned_and_migrating_again_changes_nothing(store, tmp_path):
    version = 3 if hasattr(store, "url") else 2  # PostgreSQL's 3 is the delivery outbox (SQLite's is in tools/outbox.py)
    assert store.schema_version() == version
    again = open_store(store.url if hasattr(store, "url") else None, tmp_path / "data")
    try:
        assert again.schema_version() == version
    finally:
        again.close()


def test_a_claim_is_taken_once_and_expires_when_its_worker_stops_renewing(store):
    store.enqueue("day", "paper", {"a": {"n": 1}, "b": {"n": 2}})
    store.enqueue("day", "paper", {"a": {"n": 99}})  # enqueuing again keeps the first payload
    first = store.claim("day", "paper", "w1", lease=0.5)
    second = store.claim("day", "paper", "w2", lease=30)
    assert (first.key, first.payload, second.key) == ("a", {"n": 1}, "b")
    assert store.claim("day", "paper", "w3", lease=30) is None  # both held
    store.finish(second, "w2")
    assert store.unfinished("day", "paper") == 1
    time.sleep(0.7)  # w1 died: no renewal
    taken = store.claim("day", "paper", "w3", lease=30)
    assert (taken.key, taken.attempts) == ("a", 2)
    assert not store.renew(first, "w1", 30)  # the dead worker's claim is gone
    store.release(taken, "w3")  # w3 failed on it: free at once, not after its 30 s lease
    taken = store.claim("day", "paper", "w3", lease=30)
    assert (taken.key, taken.attempts) == ("a", 3)
    store.finish(taken, "w3")
    assert store.unfinished("day", "paper") == 0 and store.done_by("day", "paper") == {"a": "w3", "b": "w2"}


def test_analyses_are_shared_by_key(store):
    assert store.analysis("k") is None
    store.save_analysis("k", "2601.00001v1", '{"x": 1}', "w1")
    assert store.analysis("k") == '{"x": 1}'


def test_postgres_claims_split_work_between_concurrent_workers(postgres_url):  # noqa: F811
    stores = [open_store(postgres_url, "unused") for _ in range(4)]
    stores[0].enqueue("day", "paper", {f"p{i:02d}": {} for i in range(40)})
    taken: dict[str, list[str]] = {}

    def work(i):
        s = stores[i]
        while (task := s.claim("day", "paper", f"w{i}", lease=30)) is not None:
            taken.setdefault(f"w{i}", []).append(task.key)
            s.finish(task, f"w{i}")

    threads = [threading.Thread(target=work, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    every = sorted(k for keys in taken.values() for k in keys)
    assert every == [f"p{i:02d}" for i in range(40)]  # each task exactly once
    for s in stores:
        s.close()


def test_postgres_pacing_spaces_requests_from_every_worker(postgres_url):  # noqa: F811
    store = open_store(postgres_url, "unused")
    pacers = [store.pacing() for _ in range(3)]
    stamps: list[float] = []

    def turns(p):
        for _ in range(2):
            stamps.append(p.wait_turn(0.3))

    threads = [threading.Thread(target=turns, args=(p,)) for p in pacers]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    stamps.sort()
    assert len(stamps) == 6 and min(b - a for a, b in zip(stamps, stamps[1:], strict=False)) >= 0.29
    for p in pacers:
        p.close()
    store.close()


def test_the_environment_names_the_database_over_the_profile(monkeypatch):
    assert database_url(None) is None
    assert database_url("postgresql://a/b") == "postgresql://a/b"
    monkeypatch.setenv("ARXIV_MONITOR_DATABASE_URL", "postgresql://env/db")
    assert database_url("postgresql://a/b") == "postgresql://env/db"


def test_unreachable_database_is_a_one_line_error():
    from tools.errors import ConfigError

    with pytest.raises(ConfigError, match="cannot connect to the database postgresql://u:\\*\\*\\*@127.0.0.1:9/x"):
        open_store("postgresql://u:secret@127.0.0.1:9/x", "unused")
