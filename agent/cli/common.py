"""Options and set-up shared by the subcommands."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import typer

# LangChain and the model clients are imported by the commands that use them, never at
# start-up: `--help`, a typo and `doctor` must answer at once.
if TYPE_CHECKING:
    from agent.config import Profile, ResolvedModel
    from agent.llm.registry import LLMRegistry

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
OFFLINE_DIR_OPTION = typer.Option(None, "--offline-dir", help="Replay this recorded directory: feed and API files in it and its subfolders, papers as <id>.html or <id>.pdf at its top (default with --offline: the bundled sample day).")


@dataclass
class Setup:
    profile_path: Path
    profile: "Profile"
    models: dict[str, "ResolvedModel"]
    registry: "LLMRegistry"


# Used where a profile only supplies models and folders (investigate) and none was given.
FALLBACK_PROFILE = {"name": "investigate", "categories": ["cs"], "keywords": ["paper"]}


def load_settings(profile_path: Path, *, model_override: str | None = None, required: bool = True) -> tuple[Profile, dict[str, ResolvedModel]]:
    """The profile and each role's model settings, resolved; builds no client (cheap: `doctor` uses only this)."""
    from agent.config import environment, load_profile, parse_profile, resolve_models

    if not required and not profile_path.exists():
        profile = parse_profile(FALLBACK_PROFILE)
    else:
        profile = load_profile(profile_path)
    overrides = {"default": {"model": model_override}} if model_override else None
    return profile, resolve_models(profile, environment(), overrides)


def load_setup(profile_path: Path, *, offline: bool, model_override: str | None = None, required: bool = True,
               offline_dir: Path | None = None) -> Setup:
    """The profile, its resolved models and a registry; a replayed recorded day (--offline-dir) runs without models too."""
    from agent.llm.registry import build_registry  # LangChain and the OpenAI client: only for commands that use models

    profile, models = load_settings(profile_path, model_override=model_override, required=required)
    registry = build_registry(models, offline=offline or offline_dir is not None)
    if offline_dir is not None and not offline:
        registry.offline_reason = "--offline-dir was given"  # say what the user did, not what they did not
    return Setup(profile_path, profile, models, registry)
