"""The file `mcp dev` / `mcp run` import: a module-level `server`, configured from the environment as Studio's graphs are."""

from __future__ import annotations

import importlib
import sys

import anyio
from mcp import Client

from tests.conftest import SAMPLE_DIR
from tests.mcp_client import sample_profile
from tests.test_startup import HEAVY, run_cli


def test_mcp_dev_finds_the_server_and_its_settings(tmp_path, monkeypatch):
    monkeypatch.setenv("ARXIV_MONITOR_PROFILE", str(sample_profile(tmp_path)))
    monkeypatch.setenv("ARXIV_MONITOR_OFFLINE_DIR", str(SAMPLE_DIR))
    sys.modules.pop("agent.mcp.dev", None)
    dev = importlib.import_module("agent.mcp.dev")

    async def session():
        async with Client(dev.server) as client:  # in-process, as the SDK's own tests drive a server
            return await client.call_tool("candidates", {}), await client.call_tool("search_paper", {"paper": "2005.11401", "query": "retriever"})

    cands, search = anyio.run(session)
    assert not cands.is_error and cands.structured_content["profile"] == "sample"
    assert not search.is_error and search.structured_content["paper"]["arxiv_id"] == "2005.11401v4"


def test_mcp_help_answers_without_loading_the_sdk_or_the_reader():
    result = run_cli("mcp", "--help")
    assert result["code"] == 0 and "--http" in result["output"] and "ask_paper" in result["output"]
    assert [m for m in (*HEAVY, "mcp", "uvicorn") if m in result["loaded"]] == []


def test_a_crash_inside_a_tool_is_one_line_and_the_next_call_works(tmp_path, monkeypatch):
    from agent.mcp import reports
    from agent.mcp.server import ServerSettings, build_server

    server = build_server(ServerSettings(profile=sample_profile(tmp_path), offline=True))
    monkeypatch.setattr(reports, "candidates", lambda profile, day: {}["no such key"])  # a bug, not bad input

    async def session():
        async with Client(server) as client:
            return await client.call_tool("candidates", {}), await client.call_tool("daily_report", {})

    crashed, after = anyio.run(session)
    text = crashed.content[0].text
    assert crashed.is_error and "candidates failed unexpectedly (KeyError: 'no such key'.)" in text and "\n" not in text
    assert not after.is_error and after.structured_content["date"] == "2026-11-20"
