"""The delivery outbox in the group's PostgreSQL database: the rules of tools/outbox.py, on the store's connection.

The table comes with the store's versioned schema (migration 3 in postgres_store.py); the
statements are SqliteOutbox's, with psycopg's placeholders, so both backends keep one behaviour.
"""

from __future__ import annotations

from tools.outbox import SqliteOutbox

# The same columns as tools/outbox.py's SCHEMA; times stay ISO text so both backends compare and parse them alike.
OUTBOX_MIGRATION = """
    CREATE TABLE outbox (
        profile TEXT NOT NULL, day TEXT NOT NULL, channel TEXT NOT NULL,
        report_dir TEXT NOT NULL, status TEXT NOT NULL,
        parts_total INTEGER NOT NULL DEFAULT 0, parts_sent INTEGER NOT NULL DEFAULT 0,
        recipients_done TEXT NOT NULL DEFAULT '[]',
        attempts INTEGER NOT NULL DEFAULT 0, failed_runs INTEGER NOT NULL DEFAULT 0,
        uncertain INTEGER NOT NULL DEFAULT 0,
        error TEXT, queued_at TEXT NOT NULL, next_attempt TEXT NOT NULL, sent_at TEXT, updated_at TEXT NOT NULL,
        PRIMARY KEY (profile, day, channel));
"""

# Rows the `deliveries` table recorded before the outbox: a day sent then is not sent again, a failed one stays listed.
_COPY_LEGACY = """INSERT INTO outbox (profile, day, channel, report_dir, status, error, attempts, failed_runs, queued_at, next_attempt, updated_at)
                  SELECT profile, day, channel, '', CASE status WHEN 'sent' THEN 'sent' ELSE 'pending' END, error, attempts,
                         CASE status WHEN 'sent' THEN 0 ELSE 1 END, updated_at, updated_at, updated_at FROM deliveries
                  ON CONFLICT (profile, day, channel) DO NOTHING"""


class PostgresOutbox(SqliteOutbox):
    """The outbox on a PostgresStore's connection and lock; every statement is SqliteOutbox's."""

    def __init__(self, store):
        self._store = store
        self._write(_COPY_LEGACY, ())

    @staticmethod
    def _pg(sql: str) -> str:
        return sql.replace("?", "%s")  # the outbox's statements have no other '?' and no '%'

    def _query(self, sql: str, args: tuple) -> list[dict]:
        with self._store._lock:
            cursor = self._store._conn.execute(self._pg(sql), args)
            names = [c.name for c in cursor.description]
            return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]

    def _write(self, sql: str, args: tuple) -> None:
        with self._store._tx() as db:
            db.execute(self._pg(sql), args)
