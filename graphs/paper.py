"""Per-paper subgraph: read (tool loop or retrieval) -> write -> self-check -> revise or finalize."""

from __future__ import annotations

from typing import Literal

from langgraph.graph import END, START, StateGraph
from langgraph.runtime import Runtime

from agent.checker import check_analysis, finalize_paper
from agent.context import Context, context_of
from agent.reader import prepare_reading, reader_step, run_reader_tools, take_notes
from agent.state import PaperInput, PaperOutput, PaperState
from agent.tool_loop import wants_tools
from agent.writer import write_analysis


def route_after_prepare(state: PaperState) -> Literal["reader_step", "write_analysis", "finalize_paper"]:
    if state.get("failure"):
        return "finalize_paper"
    # The offline reader has its notes already; the model reader starts its tool loop.
    return "write_analysis" if state.get("notes") is not None else "reader_step"


def route_reader(state: PaperState) -> Literal["run_reader_tools", "take_notes"]:
    return "run_reader_tools" if wants_tools(state) else "take_notes"


def route_after_tools(state: PaperState) -> Literal["reader_step", "take_notes"]:
    return "take_notes" if state["reading"].stop_reason else "reader_step"


def route_after_check(state: PaperState, runtime: Runtime[Context]) -> Literal["write_analysis", "finalize_paper"]:
    """Back to the writer with the findings, at most `max_revisions` times; a template writer cannot improve."""
    ctx = context_of(runtime)
    if state["check"].passed or ctx.llm.is_offline("writer"):
        return "finalize_paper"
    return "write_analysis" if state.get("revisions", 0) < ctx.profile.writer.max_revisions else "finalize_paper"


def build_paper_graph():
    g = StateGraph(PaperState, context_schema=Context, input_schema=PaperInput, output_schema=PaperOutput)
    g.add_node("prepare_reading", prepare_reading)
    g.add_node("reader_step", reader_step)
    g.add_node("run_reader_tools", run_reader_tools)
    g.add_node("take_notes", take_notes)
    g.add_node("write_analysis", write_analysis)
    g.add_node("check_analysis", check_analysis)
    g.add_node("finalize_paper", finalize_paper)
    g.add_edge(START, "prepare_reading")
    g.add_conditional_edges("prepare_reading", route_after_prepare)
    g.add_conditional_edges("reader_step", route_reader)
    g.add_conditional_edges("run_reader_tools", route_after_tools)
    g.add_edge("take_notes", "write_analysis")
    g.add_edge("write_analysis", "check_analysis")
    g.add_conditional_edges("check_analysis", route_after_check)
    g.add_edge("finalize_paper", END)
    return g.compile(name="paper")
