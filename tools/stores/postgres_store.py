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

import psycopg

from tools.errors import ConfigError
from tools.ledger import LedgerQueries
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


class PostgresStore(LedgerQueries):
    """The ledger (its rules in tools/ledger.py) plus what a lab's workers share: analyses, work claims, pacing."""

    _ROW_LOCK = " FOR UPDATE"  # two workers advancing the same paper take turns

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

    @staticmethod
    def _pg(sql: str) -> str:
        return sql.replace("?", "%s")  # the ledger's statements (tools/ledger.py) have no other '?' and no '%'

    def _one(self, sql: str, params=()):
        with self._lock:
            return self._conn.execute(self._pg(sql), params).fetchone()

    def _all(self, sql: str, params=()) -> list:
        with self._lock:
            return self._conn.execute(self._pg(sql), params).fetchall()

    def _run(self, db, sql: str, params=()):
        return db.execute(self._pg(sql), params)

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
