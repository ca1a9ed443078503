"""Exceptions that mean "the model call failed", as opposed to a bug in our code.

The OpenAI client has already retried (with backoff) when one of these reaches
us; nodes then degrade per paper and say so, instead of ending the run.
"""

import httpx
import openai
from langchain_core.exceptions import OutputParserException
from pydantic import ValidationError

LLM_ERRORS: tuple[type[BaseException], ...] = (
    openai.APIError,
    httpx.HTTPError,
    OutputParserException,
    ValidationError,
)


def degradation(role: str, exc: BaseException, paper: str | None = None) -> dict:
    """A record of a model call that failed and was replaced by a fallback; the report lists them."""
    return {"role": role, "paper": paper, "error": f"{type(exc).__name__}: {str(exc).splitlines()[0][:200] if str(exc) else ''}"}
