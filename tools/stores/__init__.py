"""Where a run keeps what must outlive it: one storage interface, one module per backend.

SQLite (a file in the profile's data directory) is the embedded default: one person, one
machine, no server. PostgreSQL (`ARXIV_MONITOR_DATABASE_URL=postgresql://...`, or
`database = "..."` in a profile) serves a group: several workers on several machines share
the ledger, the paper analyses, the work claims and arXiv's pacing.
"""

from __future__ import annotations

import os
from pathlib import Path

from tools.errors import ConfigError
from tools.stores.base import Store, Task

__all__ = ["Store", "Task", "database_url", "is_postgres", "open_store"]

DATABASE_ENV = "ARXIV_MONITOR_DATABASE_URL"


def database_url(configured: str | None = None) -> str | None:
    """The database to use: the environment wins over a profile's `database`; None means SQLite."""
    url = (os.environ.get(DATABASE_ENV) or configured or "").strip()
    return url or None


def is_postgres(url: str | None) -> bool:
    return bool(url) and url.split(":", 1)[0] in ("postgresql", "postgres")


def open_store(url: str | None, data_dir: Path) -> Store:
    """The store for a run: PostgreSQL for a postgresql:// URL, else SQLite in `data_dir` (or at a sqlite:/// path)."""
    if url is None:
        from tools.stores.sqlite_store import SqliteStore

        return SqliteStore(Path(data_dir) / "ledger.sqlite")
    if url.startswith("sqlite:///"):
        from tools.stores.sqlite_store import SqliteStore

        return SqliteStore(Path(url.removeprefix("sqlite:///")))
    if is_postgres(url):
        from tools.stores.postgres_store import PostgresStore

        return PostgresStore(url)
    raise ConfigError(f"database {url!r}: expected postgresql://user@host/dbname or sqlite:///path")
