"""The graphs' wiring, compared with stored drawings: a changed edge is a reviewed change."""

from pathlib import Path

from graphs.investigate import build_investigate_graph
from graphs.monitor import build_monitor_graph

SNAPSHOTS = Path(__file__).parent / "snapshots"


def test_monitor_graph_wiring():
    assert build_monitor_graph().get_graph(xray=1).draw_mermaid() == (SNAPSHOTS / "monitor.mmd").read_text()


def test_investigate_graph_wiring():
    assert build_investigate_graph().get_graph().draw_mermaid() == (SNAPSHOTS / "investigate.mmd").read_text()
