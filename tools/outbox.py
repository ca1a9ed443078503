"""The delivery outbox: one row per channel × report, kept until it is sent or given up.

A row is marked `sending` (with the part in flight) before anything goes out and
`sent` after, so a run killed in between leaves a row that says the message may
have arrived; the next run resends it and says so. Multi-part messages record
each part sent, and e-mail the recipients that accepted, so a retry resumes
where the last one stopped. Any later run sends what is due, with backoff.

`Outbox` is the interface the delivery code uses, and `outbox_for(store)` the one
way to get the right one for a store: `SqliteOutbox` keeps the rows in the ledger's
SQLite file, `PostgresOutbox` (tools/stores/postgres_outbox.py) in the group's
PostgreSQL database, with the same SQL and the same behaviour.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from typing import Literal, Protocol

OutboxStatus = Literal["pending", "sending", "sent", "partial", "given_up"]

# After a run's own retries fail, the next run may try again after this long, doubling per failed run up to the cap;
# the cap stays below a day so the next day's run always sends yesterday's report.
FIRST_BACKOFF = timedelta(minutes=15)
MAX_BACKOFF = timedelta(hours=6)
# A report that could not be delivered for this long is given up (it is still listed, and `deliver` sends it on purpose).
GIVE_UP_AFTER = timedelta(days=7)

SCHEMA = """
CREATE TABLE IF NOT EXISTS outbox (
    profile TEXT NOT NULL, day TEXT NOT NULL, channel TEXT NOT NULL,
    report_dir TEXT NOT NULL,            -- the folder with report.json/.md/.html the message is made from
    status TEXT NOT NULL,                -- pending, sending, sent, partial, given_up
    parts_total INTEGER NOT NULL DEFAULT 0, parts_sent INTEGER NOT NULL DEFAULT 0,
    recipients_done TEXT NOT NULL DEFAULT '[]',   -- e-mail: addresses that accepted the message
    attempts INTEGER NOT NULL DEFAULT 0, failed_runs INTEGER NOT NULL DEFAULT 0,
    uncertain INTEGER NOT NULL DEFAULT 0,         -- a run stopped between sending and recording
    error TEXT, queued_at TEXT NOT NULL, next_attempt TEXT NOT NULL, sent_at TEXT, updated_at TEXT NOT NULL,
    PRIMARY KEY (profile, day, channel)
);
"""


def _iso(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).isoformat(timespec="seconds")


def _parse(text: str) -> datetime:
    return datetime.fromisoformat(text)


def backoff(failed_runs: int) -> timedelta:
    """How long after its n-th failed run a row waits before a later run tries it again."""
    return min(FIRST_BACKOFF * 2 ** max(failed_runs - 1, 0), MAX_BACKOFF)


@dataclass
class OutboxItem:
    profile: str
    day: str
    channel: str
    report_dir: str
    status: OutboxStatus
    parts_total: int = 0
    parts_sent: int = 0
    recipients_done: list[str] = field(default_factory=list)
    attempts: int = 0
    failed_runs: int = 0
    uncertain: bool = False
    error: str | None = None
    queued_at: str = ""
    next_attempt: str = ""
    sent_at: str | None = None

    @property
    def done(self) -> bool:
        return self.status in ("sent", "partial", "given_up")

    @property
    def late(self) -> bool:
        """A 补发: an earlier attempt failed or was cut short."""
        return self.failed_runs > 0 or self.uncertain


class Outbox(Protocol):
    def enqueue(self, profile: str, day: date, channel: str, report_dir: str, *, now: datetime) -> OutboxItem: ...
    def reset(self, profile: str, day: date, channel: str, report_dir: str, *, now: datetime) -> OutboxItem: ...
    def get(self, profile: str, day: date | str, channel: str) -> OutboxItem | None: ...
    def due(self, profile: str, *, now: datetime) -> list[OutboxItem]: ...
    def undelivered(self, profile: str) -> list[OutboxItem]: ...
    def day_delivered(self, profile: str, day: date | str) -> bool: ...
    def begin(self, item: OutboxItem, part: int, parts_total: int, *, now: datetime) -> None: ...
    def part_sent(self, item: OutboxItem, part: int, *, now: datetime) -> None: ...
    def recipients_sent(self, item: OutboxItem, addresses: list[str], *, now: datetime) -> None: ...
    def finish(self, item: OutboxItem, status: OutboxStatus, *, now: datetime, error: str | None = None) -> None: ...
    def fail(self, item: OutboxItem, error: str, attempts: int, *, now: datetime) -> None: ...
    def mark_uncertain(self, item: OutboxItem, *, now: datetime) -> None: ...


def outbox_for(store) -> Outbox:
    """The outbox of a store (tools/stores): in the same database as its ledger, whichever backend that is."""
    from tools.ledger import Ledger

    if isinstance(store, Ledger):  # the SQLite ledger, and SqliteStore built on it
        return SqliteOutbox(store)
    from tools.stores.postgres_store import PostgresStore

    if isinstance(store, PostgresStore):
        from tools.stores.postgres_outbox import PostgresOutbox

        return PostgresOutbox(store)
    raise TypeError(f"no outbox for a store of type {type(store).__name__}")


def failed_deliveries(store, profile: str) -> list[tuple[str, str, str]]:
    """(day, channel, error) of the profile's reports that have not reached everyone, whichever backend holds the outbox."""
    return [(r.day, r.channel, r.error or r.status) for r in outbox_for(store).undelivered(profile) if r.error or r.status != "pending"]


class SqliteOutbox:
    """The outbox in the ledger's SQLite database (its own table; the ledger's connection and write lock).

    Every statement goes through `_query` and `_write`, written with `?` placeholders, so another backend
    overrides those two (and its set-up) and keeps every rule below.
    """

    def __init__(self, ledger):
        self._ledger = ledger
        self._conn: sqlite3.Connection = ledger._conn
        with ledger._tx() as db:
            for statement in SCHEMA.split(";"):
                if statement.strip():
                    db.execute(statement)
            # Ledgers from before the outbox kept one status per channel and day in `deliveries`: a day sent then is not
            # sent again, and a failed one stays listed (without its folder: a rerun of that day or `deliver` sends it).
            db.execute("""INSERT OR IGNORE INTO outbox (profile, day, channel, report_dir, status, error, attempts, failed_runs,
                                                        queued_at, next_attempt, updated_at)
                          SELECT profile, day, channel, '', CASE status WHEN 'sent' THEN 'sent' ELSE 'pending' END, error, attempts,
                                 CASE status WHEN 'sent' THEN 0 ELSE 1 END, updated_at, updated_at, updated_at FROM deliveries""")

    def _query(self, sql: str, args: tuple) -> list[dict]:
        # Rows as dicts from the cursor's description: the ledger's shared connection keeps its default row factory.
        cursor = self._conn.execute(sql, args)
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]

    def _write(self, sql: str, args: tuple) -> None:
        with self._ledger._tx() as db:
            db.execute(sql, args)

    def _select(self, where: str, args: tuple) -> list[OutboxItem]:
        return [_item(row) for row in self._query(f"SELECT * FROM outbox WHERE {where} ORDER BY day, channel", args)]

    def _row(self, profile: str, day: str, channel: str) -> OutboxItem | None:
        rows = self._select("profile=? AND day=? AND channel=?", (profile, day, channel))
        return rows[0] if rows else None

    def get(self, profile: str, day: date | str, channel: str) -> OutboxItem | None:
        return self._row(profile, str(day), channel)

    def enqueue(self, profile: str, day: date, channel: str, report_dir: str, *, now: datetime) -> OutboxItem:
        """A row for this report on this channel, unless there is one (a rerun of the day keeps its row and its state)."""
        self._write(
            """INSERT INTO outbox (profile, day, channel, report_dir, status, queued_at, next_attempt, updated_at)
               VALUES (?,?,?,?,?,?,?,?) ON CONFLICT(profile, day, channel) DO UPDATE SET report_dir=excluded.report_dir
               WHERE outbox.status NOT IN ('sent', 'partial')""",
            (profile, day.isoformat(), channel, report_dir, "pending", _iso(now), _iso(now), _iso(now)),
        )
        return self._row(profile, day.isoformat(), channel)

    def reset(self, profile: str, day: date, channel: str, report_dir: str, *, now: datetime) -> OutboxItem:
        """A resend on purpose: the whole message again, now, whatever the row said."""
        self.enqueue(profile, day, channel, report_dir, now=now)
        self._write("""UPDATE outbox SET report_dir=?, status='pending', parts_sent=0, recipients_done='[]', next_attempt=?, updated_at=?
                       WHERE profile=? AND day=? AND channel=?""", (report_dir, _iso(now), _iso(now), profile, day.isoformat(), channel))
        return self._row(profile, day.isoformat(), channel)

    def due(self, profile: str, *, now: datetime) -> list[OutboxItem]:
        """Rows not yet sent whose backoff has passed (a row left `sending` by a killed run is always due), oldest day first."""
        rows = self._select("profile=? AND status IN ('pending', 'sending')", (profile,))
        return [r for r in rows if r.report_dir and (r.status == "sending" or _parse(r.next_attempt) <= now.astimezone(timezone.utc))]

    def undelivered(self, profile: str) -> list[OutboxItem]:
        """Rows that have not reached every recipient: waiting for a retry, cut short, partly refused or given up."""
        return self._select("profile=? AND status != 'sent'", (profile,))

    def day_delivered(self, profile: str, day: date | str) -> bool:
        rows = self._select("profile=? AND day=?", (profile, str(day)))
        return bool(rows) and all(r.status == "sent" for r in rows)

    def _update(self, item: OutboxItem, now: datetime, **fields) -> None:
        fields["updated_at"] = _iso(now)
        sets = ", ".join(f"{k}=?" for k in fields)
        self._write(f"UPDATE outbox SET {sets} WHERE profile=? AND day=? AND channel=?", (*fields.values(), item.profile, item.day, item.channel))
        for k, v in fields.items():
            if hasattr(item, k):
                setattr(item, k, json.loads(v) if k == "recipients_done" else v)

    def begin(self, item: OutboxItem, part: int, parts_total: int, *, now: datetime) -> None:
        """Recorded before a part goes out: if the run dies now, the next one knows this part may have arrived."""
        self._update(item, now, status="sending", parts_total=parts_total, parts_sent=part)

    def part_sent(self, item: OutboxItem, part: int, *, now: datetime) -> None:
        """Recorded after a part went out: nothing is in flight, and a retry starts at the next part."""
        self._update(item, now, status="pending", parts_sent=part + 1)

    def recipients_sent(self, item: OutboxItem, addresses: list[str], *, now: datetime) -> None:
        done = sorted({*item.recipients_done, *addresses})
        self._update(item, now, recipients_done=json.dumps(done))

    def finish(self, item: OutboxItem, status: OutboxStatus, *, now: datetime, error: str | None = None) -> None:
        self._update(item, now, status=status, error=error, sent_at=_iso(now), uncertain=0,
                     parts_sent=item.parts_total if status == "sent" else item.parts_sent)

    def fail(self, item: OutboxItem, error: str, attempts: int, *, now: datetime) -> None:
        """A run's attempts failed: wait, then any later run tries again; past GIVE_UP_AFTER the row is given up."""
        failed_runs = item.failed_runs + 1
        give_up = now.astimezone(timezone.utc) - _parse(item.queued_at) >= GIVE_UP_AFTER
        self._update(item, now, status="given_up" if give_up else "pending", error=error, attempts=item.attempts + attempts,
                     failed_runs=failed_runs, next_attempt=_iso(now + backoff(failed_runs)))

    def mark_uncertain(self, item: OutboxItem, *, now: datetime) -> None:
        self._update(item, now, uncertain=1)


def _item(row: dict) -> OutboxItem:
    return OutboxItem(
        profile=row["profile"], day=row["day"], channel=row["channel"], report_dir=row["report_dir"], status=row["status"],
        parts_total=row["parts_total"], parts_sent=row["parts_sent"], recipients_done=json.loads(row["recipients_done"]),
        attempts=row["attempts"], failed_runs=row["failed_runs"], uncertain=bool(row["uncertain"]), error=row["error"],
        queued_at=row["queued_at"], next_attempt=row["next_attempt"], sent_at=row["sent_at"],
    )
