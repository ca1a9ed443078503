"""Likes and dislikes given through `serve` and the MCP server land in the lab's PostgreSQL, where its runs read them."""

from __future__ import annotations

from agent.config import load_profile
from agent.mcp.reports import record_feedback
from agent.publish.serve import make_server
from tests.conftest import REPO
from tests.postgres_server import postgres_server, postgres_url  # noqa: F401  (fixtures)
from tools.stores import open_store


def test_feedback_from_serve_and_mcp_goes_to_the_configured_database(tmp_path, postgres_url, monkeypatch):  # noqa: F811
    monkeypatch.setenv("ARXIV_MONITOR_DATABASE_URL", postgres_url)
    text = (REPO / "profiles" / "sample.toml").read_text(encoding="utf-8").replace(
        'data_dir = ".arxiv-monitor"', f'data_dir = "{tmp_path / "data"}"')
    (tmp_path / "p.toml").write_text(text, encoding="utf-8")
    profile = load_profile(tmp_path / "p.toml")
    record_feedback(profile, "2002.08909v3", "like", None)
    server = make_server(tmp_path, profile, 0)
    try:
        assert server.ledger.describe().startswith("PostgreSQL")
    finally:
        server.server_close()
        server.ledger.close()
    store = open_store(postgres_url, tmp_path)
    try:
        assert store.feedback("sample") == {"2002.08909": "like"}
    finally:
        store.close()
    assert not (tmp_path / "data" / "ledger.sqlite").exists()
