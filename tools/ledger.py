"""The paper ledger: what each profile has seen, judged, read, written and delivered, per version.

Re-running a day reproduces that day's report; later days never report a paper
again, and a new version of a reported paper becomes an update entry that says
what changed.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from contextlib import contextmanager
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field

from tools.errors import ConfigError, MonitorError
from tools.feeds import PaperMeta
from tools.resource_errors import sqlite_resource_problem

PaperState = Literal["seen", "judged", "read", "written", "delivered"]
_STATE_ORDER = {"seen": 0, "judged": 1, "read": 2, "written": 3, "delivered": 4}

SCHEMA = """
CREATE TABLE IF NOT EXISTS versions (
    profile TEXT NOT NULL, arxiv_id TEXT NOT NULL, version INTEGER NOT NULL,
    first_seen TEXT NOT NULL, meta TEXT NOT NULL,
    PRIMARY KEY (profile, arxiv_id, version)
);
CREATE TABLE IF NOT EXISTS papers (
    profile TEXT NOT NULL, arxiv_id TEXT NOT NULL,
    state TEXT NOT NULL, latest_version INTEGER NOT NULL, first_seen TEXT NOT NULL,
    verdict TEXT, reported_version INTEGER, reported_day TEXT, delivered_day TEXT, updated_at TEXT NOT NULL,
    PRIMARY KEY (profile, arxiv_id)
);
CREATE TABLE IF NOT EXISTS deliveries (
    profile TEXT NOT NULL, day TEXT NOT NULL, channel TEXT NOT NULL, status TEXT NOT NULL, attempts INTEGER NOT NULL,
    error TEXT, updated_at TEXT NOT NULL,
    PRIMARY KEY (profile, day, channel)
);
CREATE TABLE IF NOT EXISTS feedback (
    profile TEXT NOT NULL, arxiv_id TEXT NOT NULL, value TEXT NOT NULL, updated_at TEXT NOT NULL,
    PRIMARY KEY (profile, arxiv_id)
);
CREATE TABLE IF NOT EXISTS runs (
    profile TEXT NOT NULL, day TEXT NOT NULL, status TEXT NOT NULL, counts TEXT NOT NULL, updated_at TEXT NOT NULL,
    PRIMARY KEY (profile, day)
);
"""


class UpdateEntry(BaseModel):
    """A new version of a paper this profile already reported."""

    arxiv_id: str
    old_version: int
    new_version: int
    reported_day: str
    title: str
    changes: list[str]


class Triage(BaseModel):
    candidates: list[PaperMeta] = Field(default_factory=list)
    updates: list[UpdateEntry] = Field(default_factory=list)
    already_reported: list[str] = Field(default_factory=list)  # versioned ids reported on an earlier day
    not_followed: list[str] = Field(default_factory=list)  # replacements of papers this profile never reported


def describe_changes(old: PaperMeta, new: PaperMeta) -> list[str]:
    """Human-readable differences between two versions' metadata (Chinese, for the report)."""
    changes = []
    if " ".join(old.title.split()).lower() != " ".join(new.title.split()).lower():
        changes.append(f"标题改为「{new.title}」（原为「{old.title}」）")
    if " ".join(old.abstract.split()) != " ".join(new.abstract.split()):
        delta = len(new.abstract.split()) - len(old.abstract.split())
        changes.append(f"摘要有修改（词数 {'+' if delta >= 0 else ''}{delta}）")
    if (old.comment or "") != (new.comment or "") and new.comment:
        changes.append(f"作者备注：{new.comment}")
    if (old.journal_ref or "") != (new.journal_ref or "") and new.journal_ref:
        changes.append(f"发表信息：{new.journal_ref}")
    if not changes:
        changes.append("元数据未见变化（可能仅修改了正文）")
    return changes


def unreadable_database(path: Path, exc: Exception) -> MonitorError:
    """A one-line error for a damaged SQLite file; the user's data is never deleted on their behalf.

    A full disk or a read-only folder is not damage: then the advice is to free space or fix permissions."""
    resource = sqlite_resource_problem(path, exc) if isinstance(exc, sqlite3.Error) else None
    if resource is not None:
        return resource
    return ConfigError(f"{path} is not a readable SQLite database ({exc}); move it aside (mv {path} {path}.bad) and run again")


class LedgerQueries:
    """The ledger's rules, written once for both backends: SQLite (`Ledger`) and PostgreSQL
    (tools/stores/postgres_store.py). Statements use `?` placeholders and SQL both dialects speak;
    a backend supplies the connection: `_tx` (one write transaction), `_one`/`_all` (reads) and
    `_run` (a statement inside a transaction, with its own placeholders)."""

    _ROW_LOCK = ""  # what a backend appends to lock the row `_advance` reads before it writes

    @staticmethod
    def _now() -> str:
        return datetime.now(timezone.utc).isoformat(timespec="seconds")

    # --- observing and triage ---------------------------------------------------------

    def observe(self, profile: str, entries: list[PaperMeta], day: date) -> None:
        """Record every version seen; all or nothing."""
        now = self._now()
        with self._tx() as db:
            for e in entries:
                self._run(
                    db, "INSERT INTO versions VALUES (?,?,?,?,?) ON CONFLICT DO NOTHING",
                    (profile, e.arxiv_id, e.version, day.isoformat(), e.model_dump_json()),
                )
                self._run(
                    db, """INSERT INTO papers (profile, arxiv_id, state, latest_version, first_seen, updated_at)
                       VALUES (?,?,?,?,?,?)
                       ON CONFLICT(profile, arxiv_id) DO UPDATE SET
                         latest_version = CASE WHEN excluded.latest_version > papers.latest_version THEN excluded.latest_version ELSE papers.latest_version END, updated_at = excluded.updated_at""",
                    (profile, e.arxiv_id, "seen", e.version, day.isoformat(), now),
                )

    def version_meta(self, profile: str, arxiv_id: str, version: int) -> PaperMeta | None:
        row = self._one("SELECT meta FROM versions WHERE profile=? AND arxiv_id=? AND version=?", (profile, arxiv_id, version))
        return PaperMeta.model_validate_json(row[0]) if row else None

    def latest_meta(self, profile: str, arxiv_id: str) -> PaperMeta | None:
        row = self._one("SELECT meta FROM versions WHERE profile=? AND arxiv_id=? ORDER BY version DESC LIMIT 1", (profile, arxiv_id))
        return PaperMeta.model_validate_json(row[0]) if row else None

    def announced_before(self, profile: str, day: date, limit: int) -> list[PaperMeta]:
        """The most recent papers this profile saw announced before `day`, newest first (one row per paper)."""
        rows = self._all(
            """SELECT meta FROM versions v WHERE profile=? AND first_seen < ? AND version =
                 (SELECT MAX(version) FROM versions w WHERE w.profile = v.profile AND w.arxiv_id = v.arxiv_id AND w.first_seen < ?)
               ORDER BY first_seen DESC, arxiv_id LIMIT ?""",
            (profile, day.isoformat(), day.isoformat(), limit),
        )
        return [PaperMeta.model_validate_json(r[0]) for r in rows]

    def versions_seen(self, profile: str, arxiv_id: str) -> list[int]:
        rows = self._all("SELECT version FROM versions WHERE profile=? AND arxiv_id=? ORDER BY version", (profile, arxiv_id))
        return [r[0] for r in rows]

    def reported(self, profile: str, arxiv_id: str) -> tuple[int, str] | None:
        row = self._one(
            "SELECT reported_version, reported_day FROM papers WHERE profile=? AND arxiv_id=? AND reported_day IS NOT NULL", (profile, arxiv_id)
        )
        return (row[0], row[1]) if row else None

    def triage(self, profile: str, entries: list[PaperMeta], day: date, *, include_replaced: bool = False) -> Triage:
        """Split a day's entries into candidates, update entries and papers not to report again."""
        result = Triage()
        for e in entries:
            reported = self.reported(profile, e.arxiv_id)
            if reported is not None and reported[1] != day.isoformat():
                old_version, old_day = reported
                if e.version > old_version:
                    old = self.version_meta(profile, e.arxiv_id, old_version) or e
                    result.updates.append(
                        UpdateEntry(
                            arxiv_id=e.arxiv_id, old_version=old_version, new_version=e.version, reported_day=old_day,
                            title=e.title, changes=describe_changes(old, e),
                        )
                    )
                else:
                    result.already_reported.append(e.versioned_id)
                continue
            if e.announce_type in ("replace", "replace-cross") and not include_replaced and reported is None:
                result.not_followed.append(e.versioned_id)
                continue
            result.candidates.append(e)
        return result

    # --- states -------------------------------------------------------------------------

    def _advance(self, db, profile: str, arxiv_id: str, state: PaperState, **fields) -> None:
        row = self._run(db, "SELECT state FROM papers WHERE profile=? AND arxiv_id=?" + self._ROW_LOCK, (profile, arxiv_id)).fetchone()
        if row is None:
            raise KeyError(f"{arxiv_id} was never observed for profile {profile}")
        new_state = state if _STATE_ORDER[state] >= _STATE_ORDER[row[0]] else row[0]
        sets = ", ".join(f"{k}=?" for k in fields)
        self._run(
            db, f"UPDATE papers SET state=?, updated_at=?{', ' + sets if sets else ''} WHERE profile=? AND arxiv_id=?",
            (new_state, self._now(), *fields.values(), profile, arxiv_id),
        )

    def mark(self, profile: str, arxiv_id: str, state: PaperState, *, verdict: dict | None = None) -> None:
        with self._tx() as db:
            extra = {"verdict": json.dumps(verdict, ensure_ascii=False)} if verdict is not None else {}
            self._advance(db, profile, arxiv_id, state, **extra)

    def mark_reported(self, profile: str, papers: list[PaperMeta], day: date) -> None:
        with self._tx() as db:
            for p in papers:
                self._advance(db, profile, p.arxiv_id, "written", reported_version=p.version, reported_day=day.isoformat())

    def versions_seen_on(self, profile: str, day: date) -> list[str]:
        """Versioned ids first seen on a day ("2002.08909v1"), e.g. to drop that day's downloads."""
        rows = self._all("SELECT arxiv_id, version FROM versions WHERE profile=? AND first_seen=?", (profile, day.isoformat()))
        return [f"{a}v{v}" for a, v in rows]

    def forget_day(self, profile: str, day: date) -> None:
        """A day about to be recomputed: its papers are no longer reported on it (the new run decides again)."""
        with self._tx() as db:
            self._run(db, "UPDATE papers SET reported_day=NULL, reported_version=NULL WHERE profile=? AND reported_day=?", (profile, day.isoformat()))

    def mark_delivered(self, profile: str, day: date) -> None:
        with self._tx() as db:
            ids = [r[0] for r in self._run(db, "SELECT arxiv_id FROM papers WHERE profile=? AND reported_day=?", (profile, day.isoformat()))]
            for arxiv_id in ids:
                self._advance(db, profile, arxiv_id, "delivered", delivered_day=day.isoformat())

    def state(self, profile: str, arxiv_id: str) -> str | None:
        row = self._one("SELECT state FROM papers WHERE profile=? AND arxiv_id=?", (profile, arxiv_id))
        return row[0] if row else None

    def verdict(self, profile: str, arxiv_id: str) -> dict | None:
        row = self._one("SELECT verdict FROM papers WHERE profile=? AND arxiv_id=?", (profile, arxiv_id))
        return json.loads(row[0]) if row and row[0] else None

    # --- runs ------------------------------------------------------------------------------

    def record_run(self, profile: str, day: date, status: str, counts: dict) -> None:
        with self._tx() as db:
            self._run(
                db, "INSERT INTO runs VALUES (?,?,?,?,?) ON CONFLICT(profile, day) DO UPDATE SET status=excluded.status, counts=excluded.counts, updated_at=excluded.updated_at",
                (profile, day.isoformat(), status, json.dumps(counts, ensure_ascii=False), self._now()),
            )

    # The `deliveries` table is what ledgers recorded before the outbox (tools/outbox.py); the outbox copies its rows in (never over its own)
    # and delivery no longer writes it. These two stay for reading and for tests of that upgrade.
    def record_delivery(self, profile: str, day: date, channel: str, status: str, attempts: int, error: str | None = None) -> None:
        with self._tx() as db:
            self._run(
                db, """INSERT INTO deliveries VALUES (?,?,?,?,?,?,?) ON CONFLICT(profile, day, channel) DO UPDATE SET
                   status=excluded.status, attempts=deliveries.attempts + excluded.attempts, error=excluded.error, updated_at=excluded.updated_at""",
                (profile, day.isoformat(), channel, status, attempts, error, self._now()),
            )

    def delivery(self, profile: str, day: date, channel: str) -> str | None:
        row = self._one("SELECT status FROM deliveries WHERE profile=? AND day=? AND channel=?", (profile, day.isoformat(), channel))
        return row[0] if row else None

    def failed_deliveries(self, profile: str) -> list[tuple[str, str, str]]:
        """(day, channel, error) of deliveries that have not reached everyone (from the outbox, tools/outbox.py)."""
        from tools.outbox import failed_deliveries

        return failed_deliveries(self, profile)

    def record_feedback(self, profile: str, arxiv_id: str, value: str) -> None:
        """A reader's like or dislike of a paper (by id without version); the latest word counts."""
        if value not in ("like", "dislike"):
            raise ConfigError(f"feedback is like or dislike, not {value!r}")
        with self._tx() as db:
            self._run(db, "INSERT INTO feedback VALUES (?,?,?,?) ON CONFLICT(profile, arxiv_id) DO UPDATE SET value=excluded.value, updated_at=excluded.updated_at",
                      (profile, arxiv_id, value, self._now()))

    def feedback(self, profile: str) -> dict[str, str]:
        return dict(self._all("SELECT arxiv_id, value FROM feedback WHERE profile=?", (profile,)))

    def run(self, profile: str, day: date) -> tuple[str, dict] | None:
        row = self._one("SELECT status, counts FROM runs WHERE profile=? AND day=?", (profile, day.isoformat()))
        return (row[0], json.loads(row[1])) if row else None


class Ledger(LedgerQueries):
    """The ledger in one SQLite file (a profile's own installation; `SqliteStore` builds on it)."""

    def __init__(self, path: Path | str):
        self.path = Path(path)
        if str(path) != ":memory:":
            self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self._conn = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
        except sqlite3.DatabaseError as exc:
            raise unreadable_database(self.path, exc) from None
        try:
            self._conn.execute("PRAGMA journal_mode=WAL" if str(path) != ":memory:" else "PRAGMA journal_mode=MEMORY")
            self._conn.execute("PRAGMA busy_timeout=10000")
            self._conn.executescript(SCHEMA)
        except sqlite3.DatabaseError as exc:
            self._conn.close()
            raise unreadable_database(self.path, exc) from None
        self._lock = threading.Lock()

    def close(self) -> None:
        self._conn.close()

    @contextmanager
    def _tx(self):
        """One write transaction: everything in it lands, or nothing does."""
        with self._lock:
            try:
                self._conn.execute("BEGIN IMMEDIATE")
                try:
                    yield self._conn
                except BaseException:
                    if self._conn.in_transaction:
                        self._conn.execute("ROLLBACK")
                    raise
                self._conn.execute("COMMIT")
            except sqlite3.OperationalError as exc:
                # A full disk or a read-only folder mid-run: one line naming the file, not a traceback.
                if self._conn.in_transaction:
                    self._conn.execute("ROLLBACK")
                problem = sqlite_resource_problem(self.path, exc)
                if problem is None:
                    raise
                raise problem from None

    def _one(self, sql: str, params=()):
        return self._conn.execute(sql, params).fetchone()

    def _all(self, sql: str, params=()) -> list:
        return self._conn.execute(sql, params).fetchall()

    @staticmethod
    def _run(db, sql: str, params=()):
        return db.execute(sql, params)
