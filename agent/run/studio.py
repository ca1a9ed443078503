"""The graphs as LangGraph Server, `langgraph dev` and Studio load them (see langgraph.json).

The server builds each run's context from the request as `RunSettings` (plain
settings: profile path, offline switches, model, prompt variants) and supplies its
own checkpointer; the nodes build the live objects from those settings. With no
context the run uses ARXIV_MONITOR_PROFILE (default: the sample profile) and
ARXIV_MONITOR_OFFLINE_DIR, and runs offline when no model is configured.
"""

from __future__ import annotations

from graphs.investigate import build_investigate_graph
from graphs.monitor import build_monitor_graph

monitor = build_monitor_graph()
investigate = build_investigate_graph()
