"""Structured output from any role's model, with failures turned into a recorded degradation."""

from __future__ import annotations

import logging
from typing import TypeVar

from pydantic import BaseModel

from agent.llm.errors import LLM_ERRORS, degradation
from agent.llm.registry import LLMRegistry

log = logging.getLogger(__name__)
T = TypeVar("T", bound=BaseModel)


class NoStructuredOutput(Exception):
    """The model answered, but not with a readable call of the schema."""


def call_structured(llm: LLMRegistry, role: str, schema: type[T], messages: list, *, paper: str | None = None, **metadata) -> tuple[T | None, dict | None]:
    """(parsed result, None) or (None, degradation record). Never raises for a model's failure.

    The schema is forced as a function call (`method="function_calling"`): every
    OpenAI-compatible server supports it, and llama.cpp constrains the output
    with a grammar derived from the schema.
    """
    runnable = llm.model(role).with_structured_output(schema, method="function_calling", include_raw=True)
    try:
        out = runnable.invoke(messages, config=llm.config(role, paper=paper, **metadata))
    except LLM_ERRORS as exc:
        log.warning("%s model failed%s: %s", role, f" for {paper}" if paper else "", exc)
        return None, degradation(role, exc, paper)
    if out["parsed"] is not None:
        return out["parsed"], None
    raw = out["raw"]
    finish = (getattr(raw, "response_metadata", None) or {}).get("finish_reason")
    if out.get("parsing_error") is not None:
        reason = f"{type(out['parsing_error']).__name__}: {str(out['parsing_error']).splitlines()[0][:160]}"
    elif finish == "length" or getattr(raw, "invalid_tool_calls", None):
        reason = "the answer is not complete JSON (cut at the token limit?)"
    else:
        reason = "the answer did not call the output schema"
    log.warning("%s model gave no usable %s%s: %s", role, schema.__name__, f" for {paper}" if paper else "", reason)
    return None, degradation(role, NoStructuredOutput(reason), paper)
