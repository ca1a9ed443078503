"""LangGraph checkpoints in PostgreSQL (langgraph-checkpoint-postgres), for runs that share a database."""

from __future__ import annotations

import psycopg
from langgraph.checkpoint.postgres import PostgresSaver
from psycopg.rows import dict_row

from agent.run.checkpoints import serializer
from tools.errors import ConfigError
from tools.stores.postgres_store import redact

SETUP_LOCK = 0x6c6763686b  # workers starting together create the checkpoint tables one at a time


def open_postgres_checkpointer(url: str) -> PostgresSaver:
    """A saver on its own connection (the settings PostgresSaver needs), its tables created or migrated on start."""
    try:
        conn = psycopg.connect(url, autocommit=True, prepare_threshold=0, row_factory=dict_row, connect_timeout=10)
    except psycopg.OperationalError as exc:
        raise ConfigError(f"cannot connect to the database {redact(url)}: {str(exc).strip().splitlines()[0]}") from None
    saver = PostgresSaver(conn, serde=serializer())
    conn.execute("SELECT pg_advisory_lock(%s)", (SETUP_LOCK,))
    try:
        saver.setup()
    finally:
        conn.execute("SELECT pg_advisory_unlock(%s)", (SETUP_LOCK,))
    return saver
