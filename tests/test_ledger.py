import sqlite3
from datetime import date

import pytest

from tools.feeds import PaperMeta
from tools.ledger import Ledger

DAY1, DAY2 = date(2026, 9, 24), date(2026, 9, 25)


def meta(aid, version=1, kind="new", **kw):
    return PaperMeta(arxiv_id=aid, version=version, title=kw.pop("title", f"Paper {aid}"), abstract=kw.pop("abstract", "An abstract."),
                     categories=["cs.LG"], primary_category="cs.LG", announce_type=kind, **kw)


@pytest.fixture
def ledger(tmp_path):
    led = Ledger(tmp_path / "ledger.sqlite")
    yield led
    led.close()


def run_day(ledger, day, entries, report, profile="p", include_replaced=False):
    ledger.observe(profile, entries, day)
    triage = ledger.triage(profile, entries, day, include_replaced=include_replaced)
    ledger.mark_reported(profile, [e for e in triage.candidates if e.arxiv_id in report], day)
    return triage


def test_two_days_and_a_rerun(ledger, tmp_path):
    day1 = [meta("2609.00001"), meta("2609.00002")]
    t1 = run_day(ledger, DAY1, day1, report={"2609.00001"})
    assert [e.arxiv_id for e in t1.candidates] == ["2609.00001", "2609.00002"]

    # Re-running the same day gives the same candidates: the report is reproduced, not emptied.
    again = run_day(ledger, DAY1, day1, report={"2609.00001"})
    assert [e.arxiv_id for e in again.candidates] == ["2609.00001", "2609.00002"]
    assert again.already_reported == [] and again.updates == []

    # The next day: a new version of the reported paper, a cross-listing of it, a brand-new paper,
    # and a replacement of a paper this profile judged but never reported.
    day2 = [
        meta("2609.00001", 2, "replace", title="Paper 1, revised", comment="Accepted at ICLR 2027"),
        meta("2609.00002", 2, "replace"),
        meta("2609.00003"),
    ]
    t2 = run_day(ledger, DAY2, day2, report={"2609.00003"})
    assert [e.arxiv_id for e in t2.candidates] == ["2609.00003"]
    assert t2.not_followed == ["2609.00002v2"]
    [update] = t2.updates
    assert (update.arxiv_id, update.old_version, update.new_version, update.reported_day) == ("2609.00001", 1, 2, "2026-09-24")
    assert any("Paper 1, revised" in c for c in update.changes)
    assert any("Accepted at ICLR 2027" in c for c in update.changes)

    # The old version showing up again (e.g. cross-listed elsewhere) is never reported twice.
    t3 = ledger.triage("p", [meta("2609.00001", 1, "cross")], DAY2)
    assert t3.candidates == [] and t3.already_reported == ["2609.00001v1"]

    # Everything survives a restart.
    ledger.close()
    reopened = Ledger(tmp_path / "ledger.sqlite")
    assert reopened.reported("p", "2609.00001") == (1, "2026-09-24")
    assert reopened.versions_seen("p", "2609.00001") == [1, 2]
    reopened.close()


def test_replacements_are_judged_when_the_profile_asks(ledger):
    t = run_day(ledger, DAY1, [meta("2609.00009", 3, "replace")], report=set(), include_replaced=True)
    assert [e.versioned_id for e in t.candidates] == ["2609.00009v3"]


def test_profiles_are_independent(ledger):
    entries = [meta("2609.00001")]
    run_day(ledger, DAY1, entries, report={"2609.00001"}, profile="a")
    t = run_day(ledger, DAY2, entries, report=set(), profile="b")
    assert [e.arxiv_id for e in t.candidates] == ["2609.00001"]


def test_states_only_move_forward_and_verdicts_are_kept(ledger):
    ledger.observe("p", [meta("2609.00001")], DAY1)
    assert ledger.state("p", "2609.00001") == "seen"
    ledger.mark("p", "2609.00001", "read")
    ledger.mark("p", "2609.00001", "judged", verdict={"relevant": True, "score": 8})
    assert ledger.state("p", "2609.00001") == "read"
    assert ledger.verdict("p", "2609.00001") == {"relevant": True, "score": 8}
    ledger.mark_reported("p", [meta("2609.00001")], DAY1)
    ledger.mark_delivered("p", DAY1)
    assert ledger.state("p", "2609.00001") == "delivered"


def test_a_failed_batch_records_nothing(ledger):
    good, bad = meta("2609.00001"), meta("2609.00002")
    bad.__dict__["version"] = None  # violates NOT NULL inside the transaction
    with pytest.raises(sqlite3.IntegrityError):
        ledger.observe("p", [good, bad], DAY1)
    assert ledger.state("p", "2609.00001") is None


def test_unchanged_metadata_says_so(ledger):
    run_day(ledger, DAY1, [meta("2609.00001")], report={"2609.00001"})
    t = ledger.triage("p", [meta("2609.00001", 2, "replace")], DAY2)
    assert t.updates[0].changes == ["元数据未见变化（可能仅修改了正文）"]
