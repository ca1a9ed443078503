"""The graphs as LangGraph Studio / `langgraph dev` load and run them: from langgraph.json, with no context."""

import importlib
import json

from tests.conftest import REPO


def load_graph(spec: str):
    path, attr = spec.split(":")
    module = path.removeprefix("./").removesuffix(".py").replace("/", ".")
    return getattr(importlib.import_module(module), attr)


def test_langgraph_json_points_at_compiled_graphs():
    config = json.loads((REPO / "langgraph.json").read_text())
    assert set(config["graphs"]) == {"monitor", "investigate"}
    for spec in config["graphs"].values():
        graph = load_graph(spec)
        assert graph.get_graph().nodes


def test_graphs_run_without_a_context(tmp_path, monkeypatch):
    profile = (REPO / "profiles" / "sample.toml").read_text(encoding="utf-8").replace(
        'data_dir = ".arxiv-monitor"', f'data_dir = "{tmp_path / "data"}"'
    )
    (tmp_path / "p.toml").write_text(profile, encoding="utf-8")
    monkeypatch.setenv("ARXIV_MONITOR_PROFILE", str(tmp_path / "p.toml"))
    import agent.studio as studio

    monkeypatch.setattr(studio, "_cached", {})
    monkeypatch.setattr(studio, "_papers", {})
    config = json.loads((REPO / "langgraph.json").read_text())
    monitor = load_graph(config["graphs"]["monitor"])
    out = monitor.invoke({"day": "2026-11-20"})
    assert out["report"]["counts"]["reported"] == 6 and out["report"]["mode"]["offline"]
    investigate = load_graph(config["graphs"]["investigate"])
    answer = investigate.invoke({"question": "Which datasets are used?", "paper": {"source": "2002.08909v1"}})
    assert answer["turns"][-1].citations
