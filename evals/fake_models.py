"""Scripted chat models for agent tests: answers chosen by what the caller asks for.

Readers run in parallel threads, so answers are picked by the request (the
structured-output schema forced, or a tool-calling turn) and by the paper in
the prompt, not by call order.
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable
from typing import Any

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatResult
from langchain_core.utils.function_calling import convert_to_openai_tool

Handler = Callable[[list[BaseMessage], dict], AIMessage | dict | None]
_ids = itertools.count(1)


def tool_call(name: str, args: dict) -> AIMessage:
    return AIMessage(content="", tool_calls=[{"name": name, "args": args, "id": f"call_{next(_ids)}", "type": "tool_call"}])


def tool_calls(*calls: tuple[str, dict]) -> AIMessage:
    return AIMessage(content="", tool_calls=[{"name": n, "args": a, "id": f"call_{next(_ids)}", "type": "tool_call"} for n, a in calls])


def unreachable_model_error(url: str = "http://model.invalid/v1/chat/completions") -> Exception:
    """The error the OpenAI client raises when its endpoint cannot be reached, built as the client builds it.

    openai's exception constructors read the request they are given (3.x reads its
    headers), so a test that passes None raises AttributeError instead of this error.
    """
    import httpx
    import openai

    return openai.APIConnectionError(request=httpx.Request("POST", url))


def text_of(messages: list[BaseMessage]) -> str:
    return "\n".join(m.content if isinstance(m.content, str) else str(m.content) for m in messages)


class ScriptedChatModel(BaseChatModel):
    """`handlers` maps a request kind to a function of (messages, kwargs) -> AIMessage or dict.

    Kinds: the name of a forced tool (structured output, e.g. "VerdictBatch"),
    "tools" for a turn with tools to choose from, "text" otherwise. A dict
    answer becomes a call of the forced tool with that dict as arguments.
    """

    handlers: dict[str, Handler]
    calls: list[tuple[str, list[BaseMessage]]] = []
    usage: tuple[int, int] = (100, 20)
    count_tokens: bool = False  # real token counts of prompts and answers (benchmarks)

    model_config = {"arbitrary_types_allowed": True}

    def __init__(self, **data: Any):
        super().__init__(**data)
        self.calls = []
        self._lock = threading.Lock()

    @property
    def _llm_type(self) -> str:
        return "scripted"

    def bind_tools(self, tools, *, tool_choice=None, **kwargs):
        return self.bind(tools=[convert_to_openai_tool(t) for t in tools], tool_choice=tool_choice, **kwargs)

    @staticmethod
    def kind_of(kwargs: dict) -> str:
        tools = kwargs.get("tools") or []
        if kwargs.get("tool_choice") == "any" and len(tools) == 1:
            return tools[0]["function"]["name"]
        return "tools" if tools else "text"

    def _generate(self, messages, stop=None, run_manager=None, **kwargs) -> ChatResult:
        kind = self.kind_of(kwargs)
        with self._lock:
            self.calls.append((kind, list(messages)))
        handler = self.handlers.get(kind)
        if handler is None:
            raise AssertionError(f"no scripted answer for a {kind!r} request")
        answer = handler(list(messages), kwargs)
        if isinstance(answer, dict):
            answer = tool_call(kind, answer)
        elif answer is None:
            answer = AIMessage(content="")
        if self.count_tokens:
            from tools.tokens import count_tokens

            inp = sum(count_tokens(m.content if isinstance(m.content, str) else str(m.content)) for m in messages)
            out = count_tokens(str(answer.tool_calls or answer.content))
        else:
            inp, out = self.usage
        answer.usage_metadata = {"input_tokens": inp, "output_tokens": out, "total_tokens": inp + out}
        return ChatResult(generations=[ChatGeneration(message=answer)])

    def kinds(self) -> list[str]:
        return [k for k, _ in self.calls]
