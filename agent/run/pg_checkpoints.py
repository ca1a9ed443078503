"""LangGraph checkpoints in PostgreSQL (langgraph-checkpoint-postgres), for runs that share a database."""

from __future__ import annotations

import time

import psycopg
from langgraph.checkpoint.postgres import PostgresSaver
from psycopg.rows import dict_row

from agent.run.checkpoints import serializer
from tools.errors import ConfigError
from tools.stores.postgres_store import redact

SETUP_LOCK = 0x6c6763686b  # workers starting together create the checkpoint tables one at a time
SETUP_WAIT = 300.0  # seconds a worker waits for another one's setup before giving up


def open_postgres_checkpointer(url: str) -> PostgresSaver:
    """A saver on its own connection (the settings PostgresSaver needs), its tables created or migrated on start."""
    try:
        conn = psycopg.connect(url, autocommit=True, prepare_threshold=0, row_factory=dict_row, connect_timeout=10)
    except psycopg.OperationalError as exc:
        raise ConfigError(f"cannot connect to the database {redact(url)}: {str(exc).strip().splitlines()[0]}") from None
    saver = PostgresSaver(conn, serde=serializer())
    _wait_for_setup_lock(conn)
    try:
        saver.setup()
    finally:
        conn.execute("SELECT pg_advisory_unlock(%s)", (SETUP_LOCK,))
    return saver


def _wait_for_setup_lock(conn: psycopg.Connection) -> None:
    """Take the setup lock by polling, never by blocking in pg_advisory_lock.

    The saver's migrations run CREATE INDEX CONCURRENTLY, which waits for every open transaction to end;
    a second worker blocked in pg_advisory_lock is such a transaction, and PostgreSQL reports the pair as a
    deadlock. A short try that returns at once holds nothing open between attempts.
    """
    deadline = time.monotonic() + SETUP_WAIT
    while not conn.execute("SELECT pg_try_advisory_lock(%s) AS locked", (SETUP_LOCK,)).fetchone()["locked"]:
        if time.monotonic() > deadline:
            raise ConfigError(f"another worker has been setting up the checkpoint tables for over {SETUP_WAIT:.0f} s; try again")
        time.sleep(0.2)
