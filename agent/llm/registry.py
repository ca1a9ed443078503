"""The one seam through which every chat model enters the product.

Real runs build `ChatOpenAI` clients for any OpenAI-compatible endpoint
(OpenAI, DeepSeek, Qwen, vLLM, Ollama, llama.cpp); tests hand in fake models.
A role without a model runs its offline implementation, and says so.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from langchain_core.caches import BaseCache
from langchain_core.language_models import BaseChatModel
from langchain_core.runnables import RunnableConfig

from agent.config import ResolvedModel, offline_reason
from agent.llm.usage import UsageRecorder
from agent.roles import MODEL_ROLES as ROLES

log = logging.getLogger(__name__)

# llama.cpp, vLLM and Ollama accept any key, but the OpenAI client insists on one.
_PLACEHOLDER_KEY = "not-needed"


def make_chat_model(settings: ResolvedModel, *, cache: BaseCache | None = None) -> BaseChatModel:
    """A ChatOpenAI client for one role.

    Retries with exponential backoff on 429, 5xx and connection errors are done
    by the OpenAI client itself (`max_retries`), honouring Retry-After.
    """
    from langchain_openai import ChatOpenAI

    if not settings.model:
        raise ValueError(f"role {settings.role} has no model configured")
    api_key = settings.api_key.get_secret_value() if settings.api_key else _PLACEHOLDER_KEY
    kwargs: dict[str, Any] = dict(
        model=settings.model,
        api_key=api_key,
        timeout=settings.timeout,
        max_retries=settings.max_retries,
        temperature=settings.temperature,
        cache=cache,
    )
    if settings.base_url:
        kwargs["base_url"] = settings.base_url
    if settings.max_tokens:
        kwargs["max_tokens"] = settings.max_tokens
        if settings.base_url:
            # langchain-openai sends `max_completion_tokens`, which llama.cpp's server
            # ignores (it then generates until its context is full); other
            # OpenAI-compatible servers accept the classic field as well.
            kwargs["extra_body"] = {"max_tokens": settings.max_tokens}
    return ChatOpenAI(**kwargs)


@dataclass
class LLMRegistry:
    """Models per role plus the callbacks that account for them.

    `models[role] is None` means that role runs offline.
    """

    models: Mapping[str, BaseChatModel | None]
    usage: UsageRecorder = field(default_factory=UsageRecorder)
    offline_reason: str | None = None
    descriptions: Mapping[str, str] = field(default_factory=dict)

    def model(self, role: str) -> BaseChatModel | None:
        return self.models.get(role)

    def is_offline(self, role: str) -> bool:
        return self.models.get(role) is None

    @property
    def fully_offline(self) -> bool:
        return all(self.models.get(role) is None for role in ROLES)

    def offline_roles(self) -> list[str]:
        return [role for role in ROLES if self.models.get(role) is None]

    def config(self, role: str, **metadata: Any) -> RunnableConfig:
        """Per-call config: usage accounting and a tag so traces show the role."""
        return RunnableConfig(
            callbacks=[self.usage.callback(role)],
            tags=[f"role:{role}"],
            metadata={"role": role, **metadata},
        )

    def describe(self, role: str) -> str:
        if self.is_offline(role):
            return "offline (no model)"
        return self.descriptions.get(role, type(self.models[role]).__name__)


def offline_registry(reason: str) -> LLMRegistry:
    return LLMRegistry(models={role: None for role in ROLES}, offline_reason=reason)


def build_registry(
    resolved: Mapping[str, ResolvedModel],
    *,
    offline: bool = False,
    cache: BaseCache | None = None,
) -> LLMRegistry:
    """Choose online or offline per role.

    Offline is explicit (`--offline`) or automatic when no role has a model.
    """
    reason = offline_reason(resolved, offline)
    if reason:
        return offline_registry(reason)
    models: dict[str, BaseChatModel | None] = {}
    descriptions: dict[str, str] = {}
    for role in ROLES:
        settings = resolved[role]
        if settings.configured:
            models[role] = make_chat_model(settings, cache=cache)
            descriptions[role] = f"{settings.model} @ {settings.base_url or 'https://api.openai.com/v1'}"
        else:
            log.info("role %s has no model configured; it runs offline", role)
            models[role] = None
    return LLMRegistry(models=models, descriptions=descriptions)
