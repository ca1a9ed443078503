"""Tokens, calls and latency per role, recorded by a LangChain callback."""

from __future__ import annotations

import threading
import time
from dataclasses import asdict, dataclass
from typing import Any
from uuid import UUID

from langchain_core.callbacks import BaseCallbackHandler
from langchain_core.outputs import LLMResult


@dataclass
class RoleUsage:
    calls: int = 0
    errors: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    seconds: float = 0.0

    @property
    def total_tokens(self) -> int:
        return self.input_tokens + self.output_tokens

    def add(self, other: "RoleUsage") -> None:
        self.calls += other.calls
        self.errors += other.errors
        self.input_tokens += other.input_tokens
        self.output_tokens += other.output_tokens
        self.seconds += other.seconds


def _tokens_of(response: LLMResult) -> tuple[int, int]:
    inp = out = 0
    for generations in response.generations:
        for gen in generations:
            usage = getattr(getattr(gen, "message", None), "usage_metadata", None)
            if usage:
                inp += usage.get("input_tokens", 0)
                out += usage.get("output_tokens", 0)
    if inp or out:
        return inp, out
    usage = (response.llm_output or {}).get("token_usage") or {}
    return usage.get("prompt_tokens", 0), usage.get("completion_tokens", 0)


class UsageRecorder:
    """Thread-safe totals per role; readers run in parallel threads."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._by_role: dict[str, RoleUsage] = {}

    def record(self, role: str, *, seconds: float, tokens: tuple[int, int] = (0, 0), error: bool = False) -> None:
        with self._lock:
            usage = self._by_role.setdefault(role, RoleUsage())
            usage.calls += 1
            usage.errors += int(error)
            usage.input_tokens += tokens[0]
            usage.output_tokens += tokens[1]
            usage.seconds += seconds

    def callback(self, role: str) -> "RoleUsageCallback":
        return RoleUsageCallback(self, role)

    def by_role(self) -> dict[str, RoleUsage]:
        with self._lock:
            return {role: RoleUsage(**asdict(u)) for role, u in self._by_role.items()}

    def as_dict(self) -> dict[str, dict[str, Any]]:
        return {role: {**asdict(u), "seconds": round(u.seconds, 3)} for role, u in self.by_role().items()}


class RoleUsageCallback(BaseCallbackHandler):
    """Times each chat-model call and adds its token counts to the recorder under one role."""

    def __init__(self, recorder: UsageRecorder, role: str) -> None:
        self.recorder = recorder
        self.role = role
        self._started: dict[UUID, float] = {}

    def on_chat_model_start(self, serialized, messages, *, run_id: UUID, **kwargs: Any) -> None:
        self._started[run_id] = time.perf_counter()

    def on_llm_start(self, serialized, prompts, *, run_id: UUID, **kwargs: Any) -> None:
        self._started[run_id] = time.perf_counter()

    def _elapsed(self, run_id: UUID) -> float:
        start = self._started.pop(run_id, None)
        return time.perf_counter() - start if start is not None else 0.0

    def on_llm_end(self, response: LLMResult, *, run_id: UUID, **kwargs: Any) -> None:
        self.recorder.record(self.role, seconds=self._elapsed(run_id), tokens=_tokens_of(response))

    def on_llm_error(self, error: BaseException, *, run_id: UUID, **kwargs: Any) -> None:
        self.recorder.record(self.role, seconds=self._elapsed(run_id), error=True)
