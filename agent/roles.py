"""The roles, listed once: which models a profile configures and which prompts exist."""

from __future__ import annotations

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
