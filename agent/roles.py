"""The roles, listed once: which models a profile configures and which prompts exist."""

from __future__ import annotations

import re

# Roles that have a chat model of their own (per-role settings in a profile).
MODEL_ROLES: tuple[str, ...] = ("judge", "reader", "writer", "critic")

# Every prompt role, with the model role that answers it.
PROMPT_ROLES: dict[str, str] = {
    "judge": "judge",
    "keywords": "judge",
    "reader": "reader",
    "kind": "reader",
    "investigate": "reader",
    "writer": "writer",
    "critic": "critic",
    "pairwise": "critic",
}

# Prompt roles the eval harness compares variants of (keywords and pairwise are its tools, not its subjects).
EVALUATED_ROLES: tuple[str, ...] = ("judge", "reader", "writer", "critic", "investigate")


# A prompt variant is a file name in its role's folder, never a path: "../judge/strict" would leave the folder.
_VARIANT_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]*$")


def variant_name_problem(role: str, variant: str) -> str | None:
    """Why a prompt variant name is refused, or None when it is a plain name."""
    if _VARIANT_NAME.match(variant):
        return None
    return f"prompt variant {variant!r} for {role}: a variant is a file name in prompts/{role}/ (letters, digits, '-', '_'), not a path"
