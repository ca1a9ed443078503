"""Options and set-up shared by the subcommands."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import typer

from agent.config import Profile, ResolvedModel, environment, load_profile, parse_profile, resolve_models
from agent.llm import LLMRegistry, build_registry

PROFILE_OPTION = typer.Option(
    "profiles/sample.toml",
    "--profile",
    "-p",
    envvar="ARXIV_MONITOR_PROFILE",
    help="TOML profile with categories, keywords and models (env: ARXIV_MONITOR_PROFILE).",
)
OFFLINE_OPTION = typer.Option(
    False, "--offline", help="Use no model and no network: lexical judge, retrieval reader, template writer."
)


@dataclass
class Setup:
    profile_path: Path
    profile: Profile
    models: dict[str, ResolvedModel]
    registry: LLMRegistry


# Used where a profile only supplies models and folders (investigate) and none was given.
FALLBACK_PROFILE = {"name": "investigate", "categories": ["cs"], "keywords": ["paper"]}


def load_setup(profile_path: Path, *, offline: bool, model_override: str | None = None, required: bool = True) -> Setup:
    if not required and not profile_path.exists():
        profile = parse_profile(FALLBACK_PROFILE)
    else:
        profile = load_profile(profile_path)
    overrides = {"default": {"model": model_override}} if model_override else None
    models = resolve_models(profile, environment(), overrides)
    return Setup(profile_path, profile, models, build_registry(models, offline=offline))
