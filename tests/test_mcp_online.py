"""`arxiv-monitor mcp` fetching papers from arXiv, played by a loopback server: the run's source, cache and pacing.

Also what a client sees when arXiv cannot be reached, or does not have the paper.
"""

from __future__ import annotations

import socket

import anyio
from mcp import Client

from tests.conftest import SAMPLE_DIR
from tests.loopback import LoopbackServer
from tests.mcp_client import on_page, sample_profile, server_params

REALM = SAMPLE_DIR / "2002.08909v1.pdf"


def online(tmp, base: str):
    # A test server may be paced faster than arXiv's 3 s (ARXIV_MONITOR_ARXIV_INTERVAL applies to mirrors only).
    env = {"ARXIV_MONITOR_ARXIV_BASE": base, "ARXIV_MONITOR_ARXIV_INTERVAL": "0.05", "ARXIV_MONITOR_ARXIV_TIMEOUT": "5"}
    return server_params(tmp, "--profile", str(tmp / "sample.toml"), env=env)


async def _calls(params, *calls) -> list:
    out = []
    async with Client(params) as client:
        for name, args in calls:
            r = await client.call_tool(name, args)
            out.append({"error": r.content[0].text} if r.is_error else r.structured_content)
    return out


def test_papers_come_through_the_source_and_its_cache(tmp_path):
    sample_profile(tmp_path)
    with LoopbackServer() as arxiv:
        arxiv.script.add("/pdf/2002.08909v1", (200, {"Content-Type": "application/pdf"}, REALM.read_bytes()))
        ask = ("ask_paper", {"paper": "https://arxiv.org/abs/2002.08909v1", "question": "What does REALM retrieve from?"})
        sections, answer, missing = anyio.run(_calls, online(tmp_path, arxiv.base),
                                              ("paper_sections", {"paper": "2002.08909v1"}), ask,
                                              ("paper_sections", {"paper": "2999.00001v1"}))
        assert arxiv.script.log.count("/pdf/2002.08909v1") == 1  # fetched once, then read from the paper cache
        # A new server process (a client restarted) finds the parsed paper on disk and asks arXiv nothing.
        again = anyio.run(_calls, online(tmp_path, arxiv.base), ask)[0]
        assert arxiv.script.log.count("/pdf/2002.08909v1") == 1
        assert all(h.get("User-Agent", "").startswith("arxiv-monitor") for h in arxiv.script.headers)
    assert sections["paper"]["arxiv_id"] == "2002.08909v1" and (tmp_path / "data" / "pdfs" / "2002.08909v1.pdf").exists()
    assert answer["citations"] and answer == again
    for c in answer["citations"]:
        assert on_page(REALM, c["page"], c["quote"])
        assert c["url"] == f"https://arxiv.org/pdf/2002.08909v1#page={c['page']}"
    assert missing["error"].endswith("arXiv answered HTTP 404 for " + arxiv.base + "/pdf/2999.00001v1.")


def test_no_network_is_a_tool_error_and_the_server_goes_on(tmp_path):
    sample_profile(tmp_path)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{s.getsockname()[1]}"  # nothing listens there once the socket is closed
    first, second = anyio.run(_calls, online(tmp_path, closed),
                              ("read_section", {"paper": "2002.08909v1", "section_id": "1"}),
                              ("paper_sections", {"paper": str(REALM)}))
    assert "arXiv is unreachable" in first["error"] and "\n" not in first["error"]
    assert second["sections"]  # a local file still opens
