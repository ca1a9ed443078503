"""`arxiv-monitor mcp --http PORT`: the same tools over streamable HTTP on 127.0.0.1, with the SDK's client."""

from __future__ import annotations

import signal
import socket
import subprocess
import time

import anyio
import httpx
from mcp import Client

from tests.conftest import SAMPLE_DIR
from tests.mcp_client import arxiv_monitor, on_page, sample_profile


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(port: int, proc: subprocess.Popen, seconds: float = 90) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        assert proc.poll() is None, proc.communicate()
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.3)
    raise AssertionError(f"the server did not listen on {port} within {seconds}s")


async def _session(url: str) -> dict:
    async with Client(url) as client:
        tools = {t.name for t in (await client.list_tools()).tools}
        ask = await client.call_tool("ask_paper", {"paper": "2002.08909v1", "question": "How is the knowledge retriever pre-trained?"})
        bad = await client.call_tool("read_section", {"paper": "2002.08909v1", "section_id": "42"})
        report = await client.call_tool("daily_report", {})
    return {"tools": tools, "ask": ask, "bad": bad, "report": report}


def test_streamable_http_on_loopback(tmp_path):
    profile = sample_profile(tmp_path)
    port = free_port()
    proc = subprocess.Popen([arxiv_monitor(), "mcp", "--http", str(port), "--offline", "--profile", str(profile)], cwd=tmp_path,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        wait_for(port, proc)
        seen = anyio.run(_session, f"http://127.0.0.1:{port}/mcp")
        # A page on another site that resolves its name to 127.0.0.1 (DNS rebinding) is turned away by its Host header.
        rebound = httpx.post(f"http://127.0.0.1:{port}/mcp", headers={"Host": f"attacker.example:{port}", "Accept": "application/json, text/event-stream"},
                             json={"jsonrpc": "2.0", "id": 1, "method": "tools/list"})
    finally:
        proc.send_signal(signal.SIGINT)
        stdout, stderr = proc.communicate(timeout=30)
    assert len(seen["tools"]) == 7
    ask = seen["ask"].structured_content
    assert not seen["ask"].is_error and ask["citations"]
    assert all(on_page(SAMPLE_DIR / "2002.08909v1.pdf", c["page"], c["quote"]) for c in ask["citations"])
    assert seen["bad"].is_error and "no section '42'" in seen["bad"].content[0].text
    assert seen["report"].structured_content["date"] == "2026-11-20"
    assert f"http://127.0.0.1:{port}/mcp" in stderr and stdout == ""
    assert proc.returncode in (0, -signal.SIGINT)
    assert rebound.status_code == 421
