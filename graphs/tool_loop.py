"""The tool-loop wiring shared by the paper and investigate graphs: model turn <-> tools, then done."""

from __future__ import annotations

from collections.abc import Callable

from langgraph.graph import StateGraph

from agent.llm.tool_loop import wants_tools


def add_tool_loop(graph: StateGraph, *, step: tuple[str, Callable], tools: tuple[str, Callable], done: str) -> None:
    """A model turn that calls tools until it stops, or a budget or limit stops it; then `done`."""
    step_name, step_fn = step
    tools_name, tools_fn = tools

    def after_step(state: dict) -> str:
        return tools_name if wants_tools(state) else done

    def after_tools(state: dict) -> str:
        return done if state["reading"].stop_reason else step_name

    graph.add_node(step_name, step_fn)
    graph.add_node(tools_name, tools_fn)
    graph.add_conditional_edges(step_name, after_step, {tools_name: tools_name, done: done})
    graph.add_conditional_edges(tools_name, after_tools, {step_name: step_name, done: done})
