"""The monitoring graph: search -> widen keywords -> judge -> one paper subgraph per paper (Send) -> report."""

from __future__ import annotations

from langgraph.graph import END, START, StateGraph
from langgraph.types import Send

from agent.context import RunSettings
from agent.publish.report import compose_report
from agent.relevance.judge import judge_relevance
from agent.searcher import expand_keywords, search_papers
from agent.shared_analysis import shared_paper_node
from agent.state import MonitorInput, MonitorState
from graphs.paper import build_paper_graph


def fan_out_papers(state: MonitorState) -> list[Send] | str:
    """One reader-writer-checker run per selected paper, in parallel; none in judge-only mode."""
    if state.get("judge_only"):
        return "compose_report"
    verdicts = {v.arxiv_id: v for v in state.get("verdicts", [])}
    sends = [Send("paper", {"paper": p, "verdict": verdicts[p.versioned_id]}) for p in state.get("selected", [])]
    return sends or "compose_report"


def build_monitor_graph(checkpointer=None, *, shared_analyses: bool = False, pause_before_papers: bool = False):
    """`shared_analyses`: papers go through the store's analyses (a many-profile run); `pause_before_papers`:
    stop once the papers are chosen, so that a lab run can read each paper once for every profile first."""
    g = StateGraph(MonitorState, context_schema=RunSettings, input_schema=MonitorInput)
    paper = build_paper_graph()
    g.add_node("search_papers", search_papers)
    g.add_node("expand_keywords", expand_keywords)
    g.add_node("judge_relevance", judge_relevance)
    g.add_node("paper", shared_paper_node(paper) if shared_analyses else paper)
    g.add_node("compose_report", compose_report)
    g.add_edge(START, "search_papers")
    g.add_edge("search_papers", "expand_keywords")
    g.add_edge("expand_keywords", "judge_relevance")
    g.add_conditional_edges("judge_relevance", fan_out_papers, ["paper", "compose_report"])
    g.add_edge("paper", "compose_report")
    g.add_edge("compose_report", END)
    return g.compile(checkpointer=checkpointer, name="monitor", interrupt_before=["paper"] if pause_before_papers else None)

