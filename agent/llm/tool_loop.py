"""One turn of a tool-calling model over a paper's section tools, and running its calls within a budget.

Shared by the monitor's reader and the investigate session.
"""

from __future__ import annotations

from langchain_core.messages import AIMessage, ToolMessage

from agent.config import ReaderSettings
from agent.llm.errors import LLM_ERRORS, degradation
from agent.llm.registry import LLMRegistry
from agent.state import ReadingStats
from tools.reader_tools import PaperIndex, TokenBudget, make_reader_tools


def model_turn(llm: LLMRegistry, role: str, index: PaperIndex, messages: list, stats: ReadingStats, paper: str | None) -> dict:
    """Ask the model for its next step; no tool call means it has read enough."""
    model = llm.model(role).bind_tools(make_reader_tools(index))
    try:
        reply = model.invoke(messages, config=llm.config(role, paper=paper))
    except LLM_ERRORS as exc:
        return {"reading": stats.model_copy(update={"stop_reason": f"model error: {type(exc).__name__}"}), "degraded": [degradation(role, exc, paper)]}
    if not reply.tool_calls:
        stats = stats.model_copy(update={"stop_reason": "model finished"})
    return {"messages": [reply], "reading": stats}


def run_tool_calls(index: PaperIndex, last: AIMessage, stats: ReadingStats, settings: ReaderSettings) -> tuple[list[ToolMessage], ReadingStats]:
    """Answer every tool call of `last` (each needs a reply), spending the token budget."""
    stats = stats.model_copy()
    budget = TokenBudget(settings.token_budget)
    budget.used = stats.tokens_read
    tools = {t.name: t for t in make_reader_tools(index, budget)}
    replies: list[ToolMessage] = []
    for call in last.tool_calls:
        tool = tools.get(call["name"])
        if stats.tool_calls >= settings.max_tool_calls:
            replies.append(ToolMessage("Tool call limit reached; answer now.", tool_call_id=call["id"], status="error"))
        elif tool is None:
            replies.append(ToolMessage(f"No tool {call['name']!r}.", tool_call_id=call["id"], status="error"))
        else:
            replies.append(tool.invoke(call))
            stats.tool_calls += 1
    stats.tokens_read = budget.used
    if budget.exhausted:
        stats.stop_reason = "token budget"
    elif stats.tool_calls >= settings.max_tool_calls:
        stats.stop_reason = "tool call limit"
    return replies, stats


def closed_conversation(messages: list) -> list:
    """Drop a trailing tool-call turn that was never answered (stopped by the budget)."""
    if messages and isinstance(messages[-1], AIMessage) and messages[-1].tool_calls:
        return messages[:-1]
    return list(messages)


def wants_tools(state: dict) -> bool:
    """The loop goes on: the model's last turn called tools and no budget or limit stopped it."""
    last = state["messages"][-1] if state.get("messages") else None
    return isinstance(last, AIMessage) and bool(last.tool_calls) and not state["reading"].stop_reason
