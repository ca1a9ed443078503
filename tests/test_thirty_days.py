"""Thirty announcement days against a fake arXiv on loopback that misbehaves, through ARXIV_MONITOR_ARXIV_BASE.

Every day announces new papers (some cross-listed) and revised versions of
earlier ones. The server throttles (429, 406), is busy (503), stalls, drops
bodies, sends truncated and corrupt PDFs and, one day, no feed at all; one run
is killed midway; the model endpoint fails for a day. Then every day is run
again, as cron would the next morning. What must hold: every relevant paper is
reported exactly once over the thirty days, revisions of reported papers
become update entries, no day is lost, the ledger has no duplicate rows, and
rerunning the healed days completes their reports.
"""

from __future__ import annotations

import sqlite3
from datetime import date, datetime, timedelta
from email.utils import format_datetime
from xml.sax.saxutils import escape

import pytest

from agent.config import SemanticSettings, load_profile
from agent.relevance.lexical import KeywordMatcher
from agent.run.monitor_run import run_monitor
from agent.sources_factory import make_source
from evals.fake_models import unreachable_model_error
from evals.scripted_agents import analysis_from_notes, scripted_registry
from tests.conftest import REPO, SAMPLE_DIR
from tests.loopback import LoopbackServer
from tools.feeds import parse_feed

pytestmark = pytest.mark.slow
CATS = "cs.CL+cs.LG+cs.HC+cs.CV+cond-mat.str-el"
START = date(2026, 12, 1)
DAYS = [START + timedelta(days=i) for i in range(30)]
PER_DAY = 3


def templates():
    """The ten real papers of the sample day: titles, abstracts, categories and PDFs to announce under new ids."""
    seen = {}
    for feed in sorted(SAMPLE_DIR.glob("rss_*.xml")):
        for e in parse_feed(feed.read_bytes()).entries:
            seen.setdefault(e.arxiv_id, e)
    return [seen[k] for k in sorted(seen)]


TEMPLATES = templates()


def new_id(d: int, k: int) -> str:
    return f"2612.{d * 10 + k:05d}"


def item(arxiv_id: str, version: int, kind: str, tpl, day: date) -> str:
    cats = "".join(f"<category>{c}</category>" for c in (tpl.categories if kind != "cross" else [*tpl.categories[1:], tpl.categories[0]]))
    return f"""<item><title>{escape(tpl.title)}</title><link>https://arxiv.org/abs/{arxiv_id}</link>
<description>arXiv:{arxiv_id}v{version} Announce Type: {kind}
Abstract: {escape(tpl.abstract)}</description><guid isPermaLink="false">oai:arXiv.org:{arxiv_id}v{version}</guid>{cats}
<pubDate>{format_datetime(datetime(day.year, day.month, day.day))}</pubDate><arxiv:announce_type>{kind}</arxiv:announce_type>
<dc:creator>{escape(", ".join(tpl.authors))}</dc:creator></item>"""


def feed_for(d: int) -> tuple[bytes, dict[str, tuple[int, object]]]:
    """Day d's RSS and the PDFs it needs (id with version -> template)."""
    day = DAYS[d]
    items, pdfs = [], {}
    for k in range(PER_DAY):
        tpl = TEMPLATES[(PER_DAY * d + k) % len(TEMPLATES)]
        kind = "cross" if (d + k) % 5 == 0 else "new"
        items.append(item(new_id(d, k), 1, kind, tpl, day))
        pdfs[f"{new_id(d, k)}v1"] = tpl
    if d >= 3:  # a revised version of a paper announced three days earlier
        tpl = TEMPLATES[(PER_DAY * (d - 3)) % len(TEMPLATES)]
        items.append(item(new_id(d - 3, 0), 2, "replace", tpl, day))
        pdfs[f"{new_id(d - 3, 0)}v2"] = tpl
    head = (f'<?xml version="1.0" encoding="UTF-8"?><rss xmlns:arxiv="http://arxiv.org/schemas/atom" '
            f'xmlns:dc="http://purl.org/dc/elements/1.1/" version="2.0"><channel><title>updates</title>'
            f"<link>http://rss.arxiv.org/rss/{CATS}</link><pubDate>{format_datetime(datetime(day.year, day.month, day.day))}</pubDate>")
    return (head + "".join(items) + "</channel></rss>").encode(), pdfs


def pdf_bytes(tpl) -> bytes:
    return (SAMPLE_DIR / f"{tpl.versioned_id}.pdf").read_bytes()


OK_PDF = "ok"
# Faults by day: the feed's first responses, and per PDF slot how it is served the first time.
FEED_FAULTS = {2: [(429, {"Retry-After": "0"}, b"")], 4: [(406, {}, b"")], 6: [(503, {}, b""), (503, {}, b"")], 21: "down"}
# (Days whose first paper is on topic, so its PDF is really fetched.)
PDF_FAULTS = {8: "dropped", 11: "stall", 12: "truncated", 13: "corrupt"}
KILLED_DAY, MODEL_DOWN_DAY = 16, 18


class Killed(Exception):
    pass


def script_day(server: LoopbackServer, d: int, healed: bool) -> None:
    body, pdfs = feed_for(d)
    faults = [] if healed else FEED_FAULTS.get(d, [])
    if faults == "down":
        server.script.add(f"/rss/{CATS}", (503, {}, b""))
    else:
        server.script.add(f"/rss/{CATS}", *faults, (200, {}, body))
    server.script.add("/api/query", (404, {}, b"not recorded"))  # comment look-ups fail quietly: an update still counts
    for slot, (vid, tpl) in enumerate(pdfs.items()):
        good = pdf_bytes(tpl)
        fault = None if healed or slot != 0 else PDF_FAULTS.get(d)
        path = f"/pdf/{vid}"
        if fault == "dropped":
            server.script.add(path, (200, {"Content-Length": str(len(good))}, good[: len(good) // 3]), (200, {}, good))
        elif fault == "stall":
            server.script.add(path, (200, {}, good, 2.0), (200, {}, good))
        elif fault == "truncated":
            server.script.add(path, (200, {}, good[: len(good) // 2]))  # a correct Content-Length, for half a file
        elif fault == "corrupt":
            server.script.add(path, (200, {}, b"%PDF-1.5\n" + bytes(range(256)) * 50))
        else:
            server.script.add(path, (200, {}, good))


def failing_writer(messages, kwargs):
    raise unreachable_model_error()


def relevant_ids() -> set[str]:
    """The papers the profile should get: every announced new paper whose template passes the profile's keywords."""
    profile = load_profile(REPO / "profiles" / "sample.toml")
    matcher = KeywordMatcher(profile.keywords, profile.negative_keywords)
    wanted = set()
    for d in range(len(DAYS)):
        for k in range(PER_DAY):
            tpl = TEMPLATES[(PER_DAY * d + k) % len(TEMPLATES)]
            if matcher.match(tpl.title, tpl.abstract).passed:
                wanted.add(f"{new_id(d, k)}v1")
    return wanted


def test_thirty_days_of_a_misbehaving_arxiv(tmp_path, monkeypatch):
    profile = load_profile(REPO / "profiles" / "sample.toml").model_copy(update={
        "data_dir": tmp_path / "data", "output_dir": tmp_path / "reports", "include_replaced": False,
        # The scripted judge approves whatever it is shown; this test is about reliability, so only keyword hits reach it.
        "semantic": SemanticSettings(enabled=False),
    })
    with LoopbackServer() as server:
        monkeypatch.setenv("ARXIV_MONITOR_ARXIV_BASE", server.base)
        monkeypatch.setenv("ARXIV_MONITOR_ARXIV_INTERVAL", "0")
        monkeypatch.setenv("ARXIV_MONITOR_ARXIV_TIMEOUT", "1")

        def run_day(d: int, healed: bool):
            script_day(server, d, healed)
            day = DAYS[d]
            writer = {"PaperAnalysis": failing_writer} if d == MODEL_DOWN_DAY and not healed else {"PaperAnalysis": analysis_from_notes}
            registry, _ = scripted_registry(writer=writer)
            events = None
            if d == KILLED_DAY and not healed:
                def events(kind, data):
                    if kind == "paper" and data.get("done"):
                        raise Killed()
            source = make_source(offline=False, offline_dir=None, data_dir=profile.data_dir, today=day)
            kwargs = {"events": events} if events else {}
            return run_monitor(profile, registry=registry, source=source, day=day, now=lambda: datetime(day.year, day.month, day.day, 9), **kwargs)

        outcomes, lost, pdf_tries = {}, [], {}
        for d in range(len(DAYS)):
            try:
                outcomes[d] = run_day(d, healed=False)
                pdf_tries[d] = server.script.hits[f"/pdf/{new_id(d, 0)}v1"]
            except Killed:
                lost.append(d)  # killed midway: tomorrow's cron run resumes it
            except Exception as exc:  # noqa: BLE001 - a day that cannot run at all is retried below
                lost.append(d)
                assert "arXiv is unreachable" in str(exc), exc
        assert lost == [KILLED_DAY, 21]
        first = {d: o.report for d, o in outcomes.items()}
        assert len(first[12]["failures"]) == 1 and "truncated" in first[12]["failures"][0]["reason"]
        assert len(first[13]["failures"]) == 1 and "corrupt PDF" in first[13]["failures"][0]["reason"]
        assert pdf_tries[8] == 2 and pdf_tries[11] == 2  # the dropped and the stalled download were retried
        assert first[MODEL_DOWN_DAY]["mode"]["fallbacks"] > 0
        for d in (2, 4, 6, 8, 11):
            assert first[d]["failures"] == [], d  # throttling, busy, dropped and stalled downloads cost nothing

        # The next morning every day runs again: lost days complete, failed and degraded days heal, clean days are reused.
        again = {d: run_day(d, healed=True) for d in range(len(DAYS))}
        statuses = {d: o.status for d, o in again.items()}
        assert statuses[KILLED_DAY] == "resumed" and statuses[21] == "resumed"  # the day the feed was down resumes at its search
        assert {statuses[d] for d in (12, 13, MODEL_DOWN_DAY)} == {"recomputed"}
        assert statuses[0] == "reused" and statuses[29] == "reused"
        reports = {d: o.report for d, o in again.items()}

    # No day is lost, and nothing is reported twice.
    assert sorted(reports) == list(range(len(DAYS)))
    reported = [p["arxiv_id"] for r in reports.values() for p in r["papers"]]
    assert len(reported) == len(set(reported))
    assert set(reported) == relevant_ids()
    assert all(r["failures"] == [] and r["run"]["degraded"] == [] for r in reports.values())
    # Revisions of papers reported by then are update entries on the day they are announced, never new reports.
    updates = {u["arxiv_id"]: (d, u) for d, r in reports.items() for u in r["updates"]}
    reported_first_pass = {p["arxiv_id"] for r in first.values() for p in r["papers"]}
    for d in range(3, len(DAYS)):
        earlier = f"{new_id(d - 3, 0)}v1"
        if earlier in reported_first_pass:
            day_of_update, entry = updates[new_id(d - 3, 0)]
            assert day_of_update == d and (entry["old_version"], entry["new_version"]) == (1, 2)
        assert f"{new_id(d - 3, 0)}v2" not in reported
    # The ledger holds one row per paper and one per day.
    db = sqlite3.connect(profile.data_dir / "ledger.sqlite")
    assert db.execute("SELECT COUNT(*), COUNT(DISTINCT arxiv_id) FROM papers WHERE profile='sample'").fetchone()[0] == \
        db.execute("SELECT COUNT(DISTINCT arxiv_id) FROM papers WHERE profile='sample'").fetchone()[0]
    assert db.execute("SELECT COUNT(*) FROM runs WHERE profile='sample'").fetchone()[0] == len(DAYS)
    db.close()
