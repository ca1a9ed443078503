"""The investigate-a-paper graph: one question per invocation; the thread keeps the conversation."""

from __future__ import annotations

from typing import Literal

from langgraph.graph import END, START, StateGraph
from langgraph.runtime import Runtime

from agent.investigate import (
    InvestigateContext,
    InvestigateInput,
    InvestigateState,
    compose_answer,
    investigate_context_of,
    investigate_step,
    investigate_tools,
    start_question,
)
from agent.tool_loop import wants_tools


def route_question(state: InvestigateState, runtime: Runtime[InvestigateContext]) -> Literal["investigate_step", "__end__"]:
    # Offline, start_question already answered by retrieval.
    return END if investigate_context_of(runtime, state).llm.is_offline("reader") else "investigate_step"


def route_step(state: InvestigateState) -> Literal["investigate_tools", "compose_answer"]:
    return "investigate_tools" if wants_tools(state) else "compose_answer"


def route_tools(state: InvestigateState) -> Literal["investigate_step", "compose_answer"]:
    return "compose_answer" if state["reading"].stop_reason else "investigate_step"


def build_investigate_graph(checkpointer=None):
    g = StateGraph(InvestigateState, context_schema=InvestigateContext, input_schema=InvestigateInput)
    g.add_node("start_question", start_question)
    g.add_node("investigate_step", investigate_step)
    g.add_node("investigate_tools", investigate_tools)
    g.add_node("compose_answer", compose_answer)
    g.add_edge(START, "start_question")
    g.add_conditional_edges("start_question", route_question)
    g.add_conditional_edges("investigate_step", route_step)
    g.add_conditional_edges("investigate_tools", route_tools)
    g.add_edge("compose_answer", END)
    return g.compile(checkpointer=checkpointer, name="investigate")


# For `langgraph dev` / LangGraph Studio (see langgraph.json).
graph = build_investigate_graph()
