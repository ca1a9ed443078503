"""LangGraph graph builders: wiring only; the nodes live in `agent`."""
