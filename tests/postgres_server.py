"""A throw-away PostgreSQL server for tests: initdb and pg_ctl into a temporary directory, on a free loopback port.

PostgreSQL refuses to run as root, so as root the server runs as the `postgres` system user (the
temporary directory is handed to it). Where PostgreSQL is not installed the tests that need it skip,
saying so; `.ci/run` installs it.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

MISSING = "PostgreSQL is not installed (no pg_config/initdb; `apt-get install postgresql`, as .ci/run does)"
# CI installs PostgreSQL and sets this: there a missing server fails the tests instead of skipping them.
REQUIRED = os.environ.get("ARXIV_MONITOR_REQUIRE_POSTGRES") == "1"


def _bindir() -> Path | None:
    pg_config = shutil.which("pg_config")
    if pg_config:
        found = subprocess.run([pg_config, "--bindir"], capture_output=True, text=True).stdout.strip()
        if found and (Path(found) / "initdb").exists() and (Path(found) / "pg_ctl").exists():
            return Path(found)
    # Debian keeps the server programs off PATH, under /usr/lib/postgresql/VERSION/bin.
    candidates = [Path(p).parent for p in filter(None, [shutil.which("initdb")])]
    candidates += sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True)
    return next((d for d in candidates if (d / "initdb").exists() and (d / "pg_ctl").exists()), None)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _as_server_user(cmd: list[str]) -> list[str]:
    if os.geteuid() != 0:
        return cmd
    runuser = shutil.which("runuser")
    if runuser is None:
        pytest.skip("PostgreSQL refuses to run as root and there is no runuser to switch to the postgres user")
    return [runuser, "-u", "postgres", "--", *cmd]


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[str]:
    """The URL of a running server's `postgres` database (superuser, trust auth on 127.0.0.1)."""
    bindir = _bindir()
    if bindir is None:
        if REQUIRED:
            pytest.fail(MISSING)
        pytest.skip(MISSING)
    root = Path(tempfile.mkdtemp(prefix="arxiv-monitor-pg-"))
    if os.geteuid() == 0:
        try:
            shutil.chown(root, "postgres", "postgres")
        except (LookupError, PermissionError):
            pytest.skip("running as root, and there is no postgres system user to run PostgreSQL as")
    root.chmod(0o755)  # the server user needs to reach its data directory
    data, port = root / "data", _free_port()
    subprocess.run(_as_server_user([str(bindir / "initdb"), "-D", str(data), "-U", "postgres", "--auth=trust", "-E", "UTF8",
                                    "--no-sync"]), check=True, capture_output=True)
    options = f"-p {port} -k {root} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=60"
    started = subprocess.run(_as_server_user([str(bindir / "pg_ctl"), "-D", str(data), "-o", options, "-l", str(root / "log"),
                                              "-w", "-t", "60", "start"]), capture_output=True, text=True)
    if started.returncode != 0:
        log = (root / "log").read_text(errors="replace") if (root / "log").exists() else ""
        raise RuntimeError(f"pg_ctl start failed: {started.stderr}\n{log}")
    try:
        yield f"postgresql://postgres@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run(_as_server_user([str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"]), capture_output=True)
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def postgres_url(postgres_server) -> str:
    """A fresh, empty database on the test server for one test."""
    import psycopg

    name = f"t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(postgres_server, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return postgres_server.rsplit("/", 1)[0] + f"/{name}"
