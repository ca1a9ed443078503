"""Per-paper subgraph: read (tool loop or retrieval) -> write -> self-check -> revise or finalize."""

from __future__ import annotations

from typing import Literal

from langgraph.graph import END, START, StateGraph
from langgraph.runtime import Runtime

from agent.context import GraphContext, RunSettings, context_of
from agent.reading.reader import prepare_reading, reader_step, run_reader_tools, take_notes
from agent.state import PaperInput, PaperOutput, PaperState
from agent.writing.checker import check_analysis, finalize_paper
from agent.writing.writer import write_analysis
from graphs.tool_loop import add_tool_loop


def route_after_prepare(state: PaperState) -> Literal["reader_step", "write_analysis", "finalize_paper"]:
    if state.get("failure"):
        return "finalize_paper"
    # The offline reader has its notes already; the model reader starts its tool loop.
    return "write_analysis" if state.get("notes") is not None else "reader_step"


def route_after_check(state: PaperState, runtime: Runtime[GraphContext]) -> Literal["write_analysis", "finalize_paper"]:
    """Back to the writer with the findings, at most `max_revisions` times; a template writer cannot improve."""
    ctx = context_of(runtime)
    if state["check"].passed or ctx.llm.is_offline("writer"):
        return "finalize_paper"
    return "write_analysis" if state.get("revisions", 0) < ctx.profile.writer.max_revisions else "finalize_paper"


def build_paper_graph():
    g = StateGraph(PaperState, context_schema=RunSettings, input_schema=PaperInput, output_schema=PaperOutput)
    g.add_node("prepare_reading", prepare_reading)
    add_tool_loop(g, step=("reader_step", reader_step), tools=("run_reader_tools", run_reader_tools), done="take_notes")
    g.add_node("take_notes", take_notes)
    g.add_node("write_analysis", write_analysis)
    g.add_node("check_analysis", check_analysis)
    g.add_node("finalize_paper", finalize_paper)
    g.add_edge(START, "prepare_reading")
    g.add_conditional_edges("prepare_reading", route_after_prepare)
    g.add_edge("take_notes", "write_analysis")
    g.add_edge("write_analysis", "check_analysis")
    g.add_conditional_edges("check_analysis", route_after_check)
    g.add_edge("finalize_paper", END)
    return g.compile(name="paper")
