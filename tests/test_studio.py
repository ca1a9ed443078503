"""The graphs as LangGraph Studio / `langgraph dev` load them: from langgraph.json, with plain settings or no context."""

import importlib
import json

import pytest

from agent.context import RunSettings, forget_built_contexts
from tests.conftest import REPO


def load_graph(spec: str):
    path, attr = spec.split(":")
    module = path.removeprefix("./").removesuffix(".py").replace("/", ".")
    return getattr(importlib.import_module(module), attr)


@pytest.fixture
def sample_profile(tmp_path, monkeypatch):
    profile = (REPO / "profiles" / "sample.toml").read_text(encoding="utf-8").replace(
        'data_dir = ".arxiv-monitor"', f'data_dir = "{tmp_path / "data"}"'
    )
    (tmp_path / "p.toml").write_text(profile, encoding="utf-8")
    forget_built_contexts()
    yield tmp_path / "p.toml"
    forget_built_contexts()


def test_langgraph_json_points_at_compiled_graphs():
    config = json.loads((REPO / "langgraph.json").read_text())
    assert set(config["graphs"]) == {"monitor", "investigate"}
    for spec in config["graphs"].values():
        graph = load_graph(spec)
        assert graph.get_graph().nodes
        # What a server builds from a request: plain settings with defaults, serialisable as JSON.
        assert graph.context_schema is RunSettings
        assert json.dumps(graph.get_context_jsonschema())


def test_graphs_run_without_a_context(sample_profile, monkeypatch):
    monkeypatch.setenv("ARXIV_MONITOR_PROFILE", str(sample_profile))
    config = json.loads((REPO / "langgraph.json").read_text())
    monitor = load_graph(config["graphs"]["monitor"])
    out = monitor.invoke({"day": "2026-11-20"})
    assert out["report"]["counts"]["reported"] == 6 and out["report"]["mode"]["offline"]
    investigate = load_graph(config["graphs"]["investigate"])
    answer = investigate.invoke({"question": "Which datasets are used?", "paper": {"source": "2002.08909v1"}})
    assert answer["turns"][-1].citations


def test_graphs_run_with_settings_as_a_server_sends_them(sample_profile):
    """A dict context is coerced to RunSettings, as LangGraph Server does with a request's `context`."""
    config = json.loads((REPO / "langgraph.json").read_text())
    settings = {"profile": str(sample_profile), "offline": True, "offline_dir": str(REPO / "samples" / "offline")}
    out = load_graph(config["graphs"]["monitor"]).invoke({"day": "2026-11-20"}, context=settings)
    assert out["report"]["profile"]["name"] == "sample" and out["report"]["mode"]["reason"] == "--offline was given"
    answer = load_graph(config["graphs"]["investigate"]).invoke(
        {"question": "Which datasets are used?", "paper": {"source": "2002.08909v1"}}, context=settings
    )
    assert answer["turns"][-1].mode == "retrieval"
