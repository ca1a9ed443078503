"""Both graphs under the real LangGraph server (`langgraph dev`, in-memory), driven through its HTTP API.

The server builds each run's context from the request as plain settings; a
context made of live objects could not be sent, which is what this test guards.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.conftest import REPO, SAMPLE_DIR

pytestmark = pytest.mark.slow
LANGGRAPH = Path(sys.executable).parent / "langgraph"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def server(tmp_path):
    profile = (REPO / "profiles" / "sample.toml").read_text(encoding="utf-8").replace(
        'data_dir = ".arxiv-monitor"', f'data_dir = "{tmp_path / "data"}"'
    )
    (tmp_path / "p.toml").write_text(profile, encoding="utf-8")
    assert LANGGRAPH.exists(), "langgraph-cli[inmem] is part of the test extra: pip install -e '.[test]'"
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ARXIV_MONITOR_", "OPENAI_"))}
    env.update(ARXIV_MONITOR_PROFILE=str(tmp_path / "p.toml"), LANGGRAPH_CLI_NO_ANALYTICS="1")
    log = (tmp_path / "server.log").open("w")
    proc = subprocess.Popen(
        [str(LANGGRAPH), "dev", "--no-browser", "--no-reload", "--host", "127.0.0.1", "--port", str(port), "--config", "langgraph.json"],
        cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            assert proc.poll() is None, (tmp_path / "server.log").read_text()
            try:
                if httpx.get(f"{base}/ok", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.5)
        else:
            pytest.fail("langgraph dev did not start:\n" + (tmp_path / "server.log").read_text()[-3000:])
        yield base, tmp_path
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


def run_wait(base: str, body: dict) -> dict:
    response = httpx.post(f"{base}/runs/wait", json=body, timeout=300)
    assert response.status_code == 200, response.text
    return response.json()


def test_both_graphs_run_through_the_server_api(server):
    base, tmp_path = server
    assert {a["graph_id"] for a in httpx.post(f"{base}/assistants/search", json={}, timeout=10).json()} >= {"monitor", "investigate"}

    # No context: the environment's profile, offline because it configures no model.
    out = run_wait(base, {"assistant_id": "monitor", "input": {"day": "2026-11-20"}})
    assert out["report"]["counts"]["reported"] == 6 and out["report"]["mode"]["offline"]
    assert (tmp_path / "data" / "ledger.sqlite").exists()

    # A context naming a profile and an offline directory, as Studio sends it.
    settings = {"profile": str(tmp_path / "p.toml"), "offline": True, "offline_dir": str(SAMPLE_DIR)}
    out = run_wait(base, {"assistant_id": "monitor", "input": {"day": "2026-11-20"}, "context": settings})
    assert out["report"]["mode"]["reason"] == "--offline was given" and len(out["report"]["papers"]) == 6

    question = {"question": "Which datasets are used?", "paper": {"source": "2002.08909v1"}}
    for context in (None, settings):
        body = {"assistant_id": "investigate", "input": question, **({"context": context} if context else {})}
        turn = run_wait(base, body)["turns"][-1]
        assert turn["found"] and turn["citations"] and turn["citations"][0]["section_id"]
