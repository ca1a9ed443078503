"""The group backend: PostgreSQL through psycopg 3, with a versioned schema migrated on start.

Work claims are rows taken with `FOR UPDATE SKIP LOCKED`: a worker claims one unfinished task whose
lease has run out (or was never taken), holds it while it renews the lease, and marks it done; a
worker that dies stops renewing, its lease expires and the next worker's claim takes the task.
arXiv's pacing is one row, locked for the length of a turn, with the database's clock.
"""

from __future__ import annotations

import json
import threading
import time
from contextlib import contextmanager
from datetime import date, datetime, timezone

import psycopg

from tools.errors import ConfigError
from tools.feeds import PaperMeta
from tools.ledger import _STATE_ORDER, Ledger
from tools.stores.base import Task
from tools.stores.postgres_outbox import OUTBOX_MIGRATION

# Append only: a released migration is never edited; a new one gets the next number.
MIGRATIONS: list[tuple[int, str, str]] = [
    (1, "ledger", """
        CREATE TABLE versions (
            profile TEXT NOT NULL, arxiv_id TEXT NOT NULL, version INTEGER NOT NULL, first_seen TEXT NOT NULL, meta TEXT NOT NULL,
            PRIMARY KEY (profile, arxiv_id, version));
        CREATE TABLE papers (
            profile TEXT NOT NULL, arxiv_id TEXT NOT NULL, state TEXT NOT NULL, latest_version INTEGER NOT NULL,
            first_seen TEXT NOT NULL, verdict TEXT, reported_version INTEGER, reported_day TEXT, delivered_day TEXT,
            updated_at TEXT NOT NULL, PRIMARY KEY (profile, arxiv_id));
        CREATE TABLE deliveries (
            profile TEXT NOT NULL, day TEXT NOT NULL, channel TEXT NOT NULL, status TEXT NOT NULL, attempts INTEGER NOT NULL,
            error TEXT, updated_at TEXT NOT NULL, PRIMARY KEY (profile, day, channel));
        CREATE TABLE feedback (
            profile TEXT NOT NULL, arxiv_id TEXT NOT NULL, value TEXT NOT NULL, updated_at TEXT NOT NULL,
            PRIMARY KEY (profile, arxiv_id));
        CREATE TABLE runs (
            profile TEXT NOT NULL, day TEXT NOT NULL, status TEXT NOT NULL, counts TEXT NOT NULL, updated_at TEXT NOT NULL,
            PRIMARY KEY (profile, day));
    """),
    (2, "shared analyses, work claims, pacing", """
        CREATE TABLE analyses (
            key TEXT PRIMARY KEY, arxiv_id TEXT NOT NULL, result TEXT NOT NULL, worker TEXT NOT NULL,
            created_at TIMESTAMPTZ NOT NULL DEFAULT now());
        CREATE TABLE tasks (
            run TEXT NOT NULL, kind TEXT NOT NULL, key TEXT NOT NULL, payload TEXT NOT NULL,
            worker TEXT, claimed_until TIMESTAMPTZ, attempts INTEGER NOT NULL DEFAULT 0,
            done_at TIMESTAMPTZ, done_by TEXT, PRIMARY KEY (run, kind, key));
        CREATE INDEX tasks_open ON tasks (run, kind) WHERE done_at IS NULL;
        CREATE TABLE pacing (name TEXT PRIMARY KEY, last_at DOUBLE PRECISION NOT NULL);
    """),
    (3, "delivery outbox", OUTBOX_MIGRATION),
]
MIGRATION_LOCK = 0x6172786976  # any constant: one migrating process at a time


def connect(url: str) -> psycopg.Connection:
    try:
        return psycopg.connect(url, autocommit=True, connect_timeout=10)
    except psycopg.OperationalError as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise ConfigError(f"cannot connect to the database {redact(url)}: {first}") from None


def redact(url: str) -> str:
    """The URL without its password, for messages."""
    head, at, tail = url.rpartition("@")
    if not at or ":" not in head.split("//", 1)[-1]:
        return url
    scheme, _, cred = head.partition("//")
    return f"{scheme}//{cred.split(':', 1)[0]}:***@{tail}"


def migrate(conn: psycopg.Connection) -> int:
    """Apply the migrations this database lacks, in order, each in its own transaction; returns the version."""
    with conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(%s)", (MIGRATION_LOCK,))
        conn.execute("CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, "
                     "applied_at TIMESTAMPTZ NOT NULL DEFAULT now())")
        applied = {r[0] for r in conn.execute("SELECT version FROM schema_migrations")}
        for version, name, sql in MIGRATIONS:
            if version not in applied:
                conn.execute(sql)
                conn.execute("INSERT INTO schema_migrations (version, name) VALUES (%s, %s)", (version, name))
    return max(v for v, _, _ in MIGRATIONS)


class PostgresPacing:
    """The time of the last request to arXiv from any worker on any machine: one row, locked while a turn waits."""

    def __init__(self, url: str, name: str = "arxiv"):
        self.url, self.name = url, name
        self._lock = threading.Lock()
        self._conn: psycopg.Connection | None = None

    def wait_turn(self, min_interval: float) -> float:
        with self._lock:
            if self._conn is None or self._conn.closed:
                self._conn = connect(self.url)
            conn = self._conn
            with conn.transaction():
                conn.execute("INSERT INTO pacing VALUES (%s, 0) ON CONFLICT (name) DO NOTHING", (self.name,))
                last = conn.execute("SELECT last_at FROM pacing WHERE name=%s FOR UPDATE", (self.name,)).fetchone()[0]
                now = conn.execute("SELECT extract(epoch FROM clock_timestamp())::float8").fetchone()[0]
                if (wait := min_interval - (now - last)) > 0:
                    time.sleep(wait)  # holding the row: every other worker's turn waits behind this one
                now = conn.execute("SELECT extract(epoch FROM clock_timestamp())::float8").fetchone()[0]
                conn.execute("UPDATE pacing SET last_at=%s WHERE name=%s", (now, self.name))
            return now

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()


class PostgresStore:
    def __init__(self, url: str):
        self.url = url
        self._conn = connect(url)
        self._lock = threading.Lock()
        try:
            self._version = migrate(self._conn)
        except psycopg.Error as exc:
            self._conn.close()
            raise ConfigError(f"could not bring the database {redact(url)} up to date: {str(exc).strip().splitlines()[0]}") from None

    def close(self) -> None:
        self._conn.close()

    def describe(self) -> str:
        return f"PostgreSQL {redact(self.url)}"

    def schema_version(self) -> int:
        return self._one("SELECT MAX(version) FROM schema_migrations")[0]

    def pacing(self) -> PostgresPacing:
        return PostgresPacing(self.url)

    @contextmanager
    def _tx(self):
        with self._lock, self._conn.transaction():
            yield self._conn

    def _one(self, sql: str, params=()):
        with self._lock:
            return self._conn.execute(sql, params).fetchone()

    def _all(self, sql: str, params=()) -> list:
        with self._lock:
            return self._conn.execute(sql, params).fetchall()

    @staticmethod
    def _now() -> str:
        return datetime.now(timezone.utc).isoformat(timespec="seconds")

    # --- ledger (the same semantics as tools/ledger.py) ----------------------------------------

    triage = Ledger.triage  # pure logic over reported() and version_meta()

    def observe(self, profile: str, entries: list[PaperMeta], day: date) -> None:
        now = self._now()
        with self._tx() as db:
            for e in entries:
                db.execute("INSERT INTO versions VALUES (%s,%s,%s,%s,%s) ON CONFLICT DO NOTHING",
                           (profile, e.arxiv_id, e.version, day.isoformat(), e.model_dump_json()))
                db.execute(
                    """INSERT INTO papers (profile, arxiv_id, state, latest_version, first_seen, updated_at)
                       VALUES (%s,%s,%s,%s,%s,%s) ON CONFLICT (profile, arxiv_id) DO UPDATE SET
                         latest_version = GREATEST(papers.latest_version, excluded.latest_version), updated_at = excluded.updated_at""",
                    (profile, e.arxiv_id, "seen", e.version, day.isoformat(), now))

    def version_meta(self, profile: str, arxiv_id: str, version: int) -> PaperMeta | None:
        row = self._one("SELECT meta FROM versions WHERE profile=%s AND arxiv_id=%s AND version=%s", (profile, arxiv_id, version))
        return PaperMeta.model_validate_json(row[0]) if row else None

    def latest_meta(self, profile: str, arxiv_id: str) -> PaperMeta | None:
        row = self._one("SELECT meta FROM versions WHERE profile=%s AND arxiv_id=%s ORDER BY version DESC LIMIT 1", (profile, arxiv_id))
        return PaperMeta.model_validate_json(row[0]) if row else None

    def announced_before(self, profile: str, day: date, limit: int) -> list[PaperMeta]:
        rows = self._all(
            """SELECT meta FROM versions v WHERE profile=%s AND first_seen < %s AND version =
                 (SELECT MAX(version) FROM versions w WHERE w.profile = v.profile AND w.arxiv_id = v.arxiv_id AND w.first_seen < %s)
               ORDER BY first_seen DESC, arxiv_id LIMIT %s""", (profile, day.isoformat(), day.isoformat(), limit))
        return [PaperMeta.model_validate_json(r[0]) for r in rows]

    def versions_seen(self, profile: str, arxiv_id: str) -> list[int]:
        return [r[0] for r in self._all("SELECT version FROM versions WHERE profile=%s AND arxiv_id=%s ORDER BY version", (profile, arxiv_id))]

    def reported(self, profile: str, arxiv_id: str) -> tuple[int, str] | None:
        row = self._one("SELECT reported_version, reported_day FROM papers WHERE profile=%s AND arxiv_id=%s AND reported_day IS NOT NULL",
                        (profile, arxiv_id))
        return (row[0], row[1]) if row else None

    def _advance(self, db, profile: str, arxiv_id: str, state: str, **fields) -> None:
        row = db.execute("SELECT state FROM papers WHERE profile=%s AND arxiv_id=%s FOR UPDATE", (profile, arxiv_id)).fetchone()
        if row is None:
            raise KeyError(f"{arxiv_id} was never observed for profile {profile}")
        new_state = state if _STATE_ORDER[state] >= _STATE_ORDER[row[0]] else row[0]
        sets = "".join(f", {k}=%s" for k in fields)
        db.execute(f"UPDATE papers SET state=%s, updated_at=%s{sets} WHERE profile=%s AND arxiv_id=%s",
                   (new_state, self._now(), *fields.values(), profile, arxiv_id))

    def mark(self, profile: str, arxiv_id: str, state: str, *, verdict: dict | None = None) -> None:
        with self._tx() as db:
            extra = {"verdict": json.dumps(verdict, ensure_ascii=False)} if verdict is not None else {}
            self._advance(db, profile, arxiv_id, state, **extra)

    def mark_reported(self, profile: str, papers: list[PaperMeta], day: date) -> None:
        with self._tx() as db:
            for p in papers:
                self._advance(db, profile, p.arxiv_id, "written", reported_version=p.version, reported_day=day.isoformat())

    def versions_seen_on(self, profile: str, day: date) -> list[str]:
        return [f"{a}v{v}" for a, v in self._all("SELECT arxiv_id, version FROM versions WHERE profile=%s AND first_seen=%s",
                                                (profile, day.isoformat()))]

    def forget_day(self, profile: str, day: date) -> None:
        with self._tx() as db:
            db.execute("UPDATE papers SET reported_day=NULL, reported_version=NULL WHERE profile=%s AND reported_day=%s",
                       (profile, day.isoformat()))

    def mark_delivered(self, profile: str, day: date) -> None:
        with self._tx() as db:
            ids = [r[0] for r in db.execute("SELECT arxiv_id FROM papers WHERE profile=%s AND reported_day=%s", (profile, day.isoformat()))]
            for arxiv_id in ids:
                self._advance(db, profile, arxiv_id, "delivered", delivered_day=day.isoformat())

    def state(self, profile: str, arxiv_id: str) -> str | None:
        row = self._one("SELECT state FROM papers WHERE profile=%s AND arxiv_id=%s", (profile, arxiv_id))
        return row[0] if row else None

    def verdict(self, profile: str, arxiv_id: str) -> dict | None:
        row = self._one("SELECT verdict FROM papers WHERE profile=%s AND arxiv_id=%s", (profile, arxiv_id))
        return json.loads(row[0]) if row and row[0] else None

    def record_run(self, profile: str, day: date, status: str, counts: dict) -> None:
        with self._tx() as db:
            db.execute("""INSERT INTO runs VALUES (%s,%s,%s,%s,%s) ON CONFLICT (profile, day) DO UPDATE SET
                          status=excluded.status, counts=excluded.counts, updated_at=excluded.updated_at""",
                       (profile, day.isoformat(), status, json.dumps(counts, ensure_ascii=False), self._now()))

    def record_delivery(self, profile: str, day: date, channel: str, status: str, attempts: int, error: str | None = None) -> None:
        with self._tx() as db:
            db.execute("""INSERT INTO deliveries VALUES (%s,%s,%s,%s,%s,%s,%s) ON CONFLICT (profile, day, channel) DO UPDATE SET
                          status=excluded.status, attempts=deliveries.attempts + excluded.attempts, error=excluded.error,
                          updated_at=excluded.updated_at""",
                       (profile, day.isoformat(), channel, status, attempts, error, self._now()))

    def delivery(self, profile: str, day: date, channel: str) -> str | None:
        row = self._one("SELECT status FROM deliveries WHERE profile=%s AND day=%s AND channel=%s", (profile, day.isoformat(), channel))
        return row[0] if row else None

    def failed_deliveries(self, profile: str) -> list[tuple[str, str, str]]:
        """(day, channel, error) of deliveries that have not reached everyone (from the outbox, tools/outbox.py)."""
        from tools.outbox import failed_deliveries

        return failed_deliveries(self, profile)

    def record_feedback(self, profile: str, arxiv_id: str, value: str) -> None:
        if value not in ("like", "dislike"):
            raise ConfigError(f"feedback is like or dislike, not {value!r}")
        with self._tx() as db:
            db.execute("""INSERT INTO feedback VALUES (%s,%s,%s,%s) ON CONFLICT (profile, arxiv_id) DO UPDATE SET
                          value=excluded.value, updated_at=excluded.updated_at""", (profile, arxiv_id, value, self._now()))

    def feedback(self, profile: str) -> dict[str, str]:
        return dict(self._all("SELECT arxiv_id, value FROM feedback WHERE profile=%s", (profile,)))

    def run(self, profile: str, day: date) -> tuple[str, dict] | None:
        row = self._one("SELECT status, counts FROM runs WHERE profile=%s AND day=%s", (profile, day.isoformat()))
        return (row[0], json.loads(row[1])) if row else None

    # --- shared analyses ---------------------------------------------------------------------

    def save_analysis(self, key: str, arxiv_id: str, result_json: str, worker: str) -> None:
        with self._tx() as db:
            db.execute("""INSERT INTO analyses (key, arxiv_id, result, worker) VALUES (%s,%s,%s,%s)
                          ON CONFLICT (key) DO UPDATE SET result=excluded.result, worker=excluded.worker, created_at=now()""",
                       (key, arxiv_id, result_json, worker))

    def analysis(self, key: str) -> str | None:
        row = self._one("SELECT result FROM analyses WHERE key=%s", (key,))
        return row[0] if row else None

    # --- claims --------------------------------------------------------------------------------

    def enqueue(self, run: str, kind: str, items: dict[str, dict]) -> None:
        with self._tx() as db:
            for key, payload in items.items():
                db.execute("INSERT INTO tasks (run, kind, key, payload) VALUES (%s,%s,%s,%s) ON CONFLICT DO NOTHING",
                           (run, kind, key, json.dumps(payload, ensure_ascii=False)))

    def claim(self, run: str, kind: str, worker: str, lease: float) -> Task | None:
        with self._tx() as db:
            row = db.execute(
                """UPDATE tasks SET worker=%s, claimed_until=clock_timestamp() + make_interval(secs => %s), attempts=attempts+1
                   WHERE (run, kind, key) = (
                     SELECT run, kind, key FROM tasks WHERE run=%s AND kind=%s AND done_at IS NULL
                       AND (claimed_until IS NULL OR claimed_until < clock_timestamp())
                     ORDER BY key LIMIT 1 FOR UPDATE SKIP LOCKED)
                   RETURNING key, payload, attempts""", (worker, lease, run, kind)).fetchone()
        if row is None:
            return None
        return Task(run=run, kind=kind, key=row[0], payload=json.loads(row[1]), attempts=row[2])

    def renew(self, task: Task, worker: str, lease: float) -> bool:
        with self._tx() as db:
            cur = db.execute("""UPDATE tasks SET claimed_until=clock_timestamp() + make_interval(secs => %s)
                                WHERE run=%s AND kind=%s AND key=%s AND worker=%s AND done_at IS NULL""",
                             (lease, task.run, task.kind, task.key, worker))
            return cur.rowcount == 1

    def finish(self, task: Task, worker: str) -> None:
        with self._tx() as db:
            db.execute("""UPDATE tasks SET done_at=now(), done_by=%s, claimed_until=NULL
                          WHERE run=%s AND kind=%s AND key=%s AND done_at IS NULL""", (worker, task.run, task.kind, task.key))

    def release(self, task: Task, worker: str) -> None:
        """Give a claim back at once (the work failed here): the next claim may take it without waiting for the lease."""
        with self._tx() as db:
            db.execute("UPDATE tasks SET claimed_until=NULL WHERE run=%s AND kind=%s AND key=%s AND worker=%s AND done_at IS NULL",
                       (task.run, task.kind, task.key, worker))

    def unfinished(self, run: str, kind: str) -> int:
        return self._one("SELECT COUNT(*) FROM tasks WHERE run=%s AND kind=%s AND done_at IS NULL", (run, kind))[0]

    def done_by(self, run: str, kind: str) -> dict[str, str]:
        return dict(self._all("SELECT key, done_by FROM tasks WHERE run=%s AND kind=%s AND done_at IS NOT NULL", (run, kind)))
