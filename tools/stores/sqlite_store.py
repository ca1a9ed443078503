"""The embedded backend: the SQLite ledger file, plus shared analyses and work claims in the same file.

Claims here serve several processes on one machine (BEGIN IMMEDIATE serialises them); several
machines need the PostgreSQL backend. arXiv pacing stays with the machine's pacing file.
"""

from __future__ import annotations

import json
import sqlite3
import time
from pathlib import Path

from tools.ledger import Ledger, unreadable_database
from tools.stores.base import Task

# Version 1 is the ledger (tools/ledger.py creates it); later versions are added here, never edited.
MIGRATIONS: list[tuple[int, str]] = [
    (2, """
        CREATE TABLE IF NOT EXISTS analyses (
            key TEXT PRIMARY KEY, arxiv_id TEXT NOT NULL, result TEXT NOT NULL, worker TEXT NOT NULL, created_at REAL NOT NULL
        );
        CREATE TABLE IF NOT EXISTS tasks (
            run TEXT NOT NULL, kind TEXT NOT NULL, key TEXT NOT NULL, payload TEXT NOT NULL,
            worker TEXT, claimed_until REAL, attempts INTEGER NOT NULL DEFAULT 0, done_at REAL, done_by TEXT,
            PRIMARY KEY (run, kind, key)
        );
    """),
]


class SqliteStore(Ledger):
    def __init__(self, path: Path | str):
        super().__init__(path)
        try:
            self._migrate()
        except sqlite3.DatabaseError as exc:
            self._conn.close()
            raise unreadable_database(self.path, exc) from None

    def _migrate(self) -> None:
        with self._tx() as db:
            db.execute("CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at REAL NOT NULL)")
            db.execute("INSERT OR IGNORE INTO schema_migrations VALUES (1, ?)", (time.time(),))
            applied = {r[0] for r in db.execute("SELECT version FROM schema_migrations")}
            for version, sql in MIGRATIONS:
                if version not in applied:
                    for statement in filter(str.strip, sql.split(";")):
                        db.execute(statement)
                    db.execute("INSERT INTO schema_migrations VALUES (?, ?)", (version, time.time()))

    def schema_version(self) -> int:
        return self._conn.execute("SELECT MAX(version) FROM schema_migrations").fetchone()[0]

    def describe(self) -> str:
        return f"SQLite {self.path}"

    def pacing(self):
        return None  # the machine's pacing file (tools/polite_http.py) already covers every process here

    # --- analyses ----------------------------------------------------------------------------

    def save_analysis(self, key: str, arxiv_id: str, result_json: str, worker: str) -> None:
        with self._tx() as db:
            db.execute("INSERT OR REPLACE INTO analyses VALUES (?,?,?,?,?)", (key, arxiv_id, result_json, worker, time.time()))

    def analysis(self, key: str) -> str | None:
        row = self._conn.execute("SELECT result FROM analyses WHERE key=?", (key,)).fetchone()
        return row[0] if row else None

    # --- claims ------------------------------------------------------------------------------

    def enqueue(self, run: str, kind: str, items: dict[str, dict]) -> None:
        with self._tx() as db:
            for key, payload in items.items():
                db.execute("INSERT OR IGNORE INTO tasks (run, kind, key, payload) VALUES (?,?,?,?)",
                           (run, kind, key, json.dumps(payload, ensure_ascii=False)))

    def claim(self, run: str, kind: str, worker: str, lease: float) -> Task | None:
        now = time.time()
        with self._tx() as db:
            row = db.execute(
                """SELECT key, payload, attempts FROM tasks WHERE run=? AND kind=? AND done_at IS NULL
                   AND (claimed_until IS NULL OR claimed_until < ?) ORDER BY key LIMIT 1""", (run, kind, now)).fetchone()
            if row is None:
                return None
            db.execute("UPDATE tasks SET worker=?, claimed_until=?, attempts=attempts+1 WHERE run=? AND kind=? AND key=?",
                       (worker, now + lease, run, kind, row[0]))
        return Task(run=run, kind=kind, key=row[0], payload=json.loads(row[1]), attempts=row[2] + 1)

    def renew(self, task: Task, worker: str, lease: float) -> bool:
        with self._tx() as db:
            cur = db.execute("UPDATE tasks SET claimed_until=? WHERE run=? AND kind=? AND key=? AND worker=? AND done_at IS NULL",
                             (time.time() + lease, task.run, task.kind, task.key, worker))
            return cur.rowcount == 1

    def finish(self, task: Task, worker: str) -> None:
        with self._tx() as db:
            db.execute("UPDATE tasks SET done_at=?, done_by=?, claimed_until=NULL WHERE run=? AND kind=? AND key=? AND done_at IS NULL",
                       (time.time(), worker, task.run, task.kind, task.key))

    def release(self, task: Task, worker: str) -> None:
        """Give a claim back at once (the work failed here): the next claim may take it without waiting for the lease."""
        with self._tx() as db:
            db.execute("UPDATE tasks SET claimed_until=NULL WHERE run=? AND kind=? AND key=? AND worker=? AND done_at IS NULL",
                       (task.run, task.kind, task.key, worker))

    def unfinished(self, run: str, kind: str) -> int:
        return self._conn.execute("SELECT COUNT(*) FROM tasks WHERE run=? AND kind=? AND done_at IS NULL", (run, kind)).fetchone()[0]

    def done_by(self, run: str, kind: str) -> dict[str, str]:
        rows = self._conn.execute("SELECT key, done_by FROM tasks WHERE run=? AND kind=? AND done_at IS NOT NULL", (run, kind))
        return dict(rows.fetchall())
