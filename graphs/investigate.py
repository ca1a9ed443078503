"""The investigate-a-paper graph: one question per invocation; the thread keeps the conversation."""

from __future__ import annotations

from typing import Literal

from langgraph.graph import END, START, StateGraph
from langgraph.runtime import Runtime

from agent.context import GraphContext, RunSettings
from agent.investigate import (
    InvestigateInput,
    InvestigateState,
    compose_answer,
    investigate_context_of,
    investigate_step,
    investigate_tools,
    start_question,
)
from graphs.tool_loop import add_tool_loop


def route_question(state: InvestigateState, runtime: Runtime[GraphContext]) -> Literal["investigate_step", "__end__"]:
    # Offline, start_question already answered by retrieval.
    return END if investigate_context_of(runtime, state).llm.is_offline("reader") else "investigate_step"


def build_investigate_graph(checkpointer=None):
    g = StateGraph(InvestigateState, context_schema=RunSettings, input_schema=InvestigateInput)
    g.add_node("start_question", start_question)
    add_tool_loop(g, step=("investigate_step", investigate_step), tools=("investigate_tools", investigate_tools), done="compose_answer")
    g.add_node("compose_answer", compose_answer)
    g.add_edge(START, "start_question")
    g.add_conditional_edges("start_question", route_question)
    g.add_edge("compose_answer", END)
    return g.compile(checkpointer=checkpointer, name="investigate")
