"""The kinds of paper and each kind's parts, read from the one schema file (agent/reading/paper_kinds.toml).

Everything that names a part (the offline reader, the writer and critic prompts, the validators, the
report JSON, the templates) asks this module, so a kind's parts are changed in one place.
"""

from __future__ import annotations

import re
import tomllib
from functools import cache
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field

from agent.state import PART_KEYS, PART_TITLES

SCHEMA_PATH = Path(__file__).with_name("paper_kinds.toml")
Kind = Literal["method", "survey", "dataset", "theory", "position", "system", "other"]
KINDS: tuple[str, ...] = ("method", "survey", "dataset", "theory", "position", "system", "other")
# The roles tools/rhetoric.py assigns; every other role a part names is a cue role of the schema.
GENERAL_ROLES = frozenset({"motivation", "contribution", "method", "result", "limitation"})
SLOTS = frozenset(PART_KEYS) - {"summary"}


class PartSpec(BaseModel):
    slot: Literal["motivation", "contributions", "method", "experiments", "future"]
    zh: str
    en: str
    roles: list[str]
    sections: list[str]
    # A section so titled ("3.3 Design Goals") holds nothing but this part: its sentences fit it whatever their cue
    # words and wherever it stands, before any met elsewhere.
    titled: str = ""

    def title(self, language: str) -> str:
        return self.zh if language == "zh" else self.en

    def holds(self, section_title: str) -> bool:
        return bool(self.titled) and re.search(self.titled, section_title, re.I) is not None


class KindSpec(BaseModel):
    name: str = ""
    zh: str
    en: str
    description: str
    parts: list[PartSpec]

    def part(self, slot: str) -> PartSpec | None:
        return next((p for p in self.parts if p.slot == slot), None)

    @property
    def slots(self) -> list[str]:
        return [p.slot for p in self.parts]

    def titles(self, language: str) -> dict[str, str]:
        """Slot -> heading, the summary first; slots this kind does not use are left out."""
        return {"summary": PART_TITLES[language]["summary"], **{p.slot: p.title(language) for p in self.parts}}


class CueRole(BaseModel):
    own: bool = False  # only when the sentence speaks of the paper's own work
    cues: list[str] = Field(min_length=1)
    # Cues that veto the role whatever else matches ("we may suppose a < b" is a step of a proof, not a key assumption).
    not_cues: list[str] = Field(default_factory=list)
    # Section types where the sentence must speak of the paper's own work: an introduction's "publicly available
    # collections of labelled data are scarce" is background, not the paper's data.
    own_in: list[str] = Field(default_factory=list)

    @property
    def patterns(self) -> list[re.Pattern]:
        return [re.compile(c) for c in self.cues]


class KindSchema(BaseModel):
    kinds: dict[str, KindSpec]
    roles: dict[str, CueRole]

    def kind(self, name: str | None) -> KindSpec:
        return self.kinds.get(name or "method") or self.kinds["method"]


@cache
def load_schema(path: Path = SCHEMA_PATH) -> KindSchema:
    schema = KindSchema.model_validate(tomllib.loads(path.read_text(encoding="utf-8")))
    for name, spec in schema.kinds.items():
        spec.name = name
    problems = _problems(schema)
    if problems:
        raise ValueError(f"{path.name}: {'; '.join(problems)}")
    return schema


def _problems(schema: KindSchema) -> list[str]:
    problems = []
    if set(schema.kinds) != set(KINDS):
        problems.append(f"kinds must be exactly {', '.join(KINDS)}")
    for name, spec in schema.kinds.items():
        slots = spec.slots
        if len(set(slots)) != len(slots):
            problems.append(f"{name}: a slot is used twice")
        if "future" not in slots:
            problems.append(f"{name}: every kind keeps a 局限 part in the future slot")
        for part in spec.parts:
            unknown = [r for r in part.roles if r not in GENERAL_ROLES and r not in schema.roles]
            if unknown:
                problems.append(f"{name}.{part.slot}: unknown roles {unknown}")
    return problems


def kind_spec(kind: str | None) -> KindSpec:
    return load_schema().kind(kind)


@cache
def cue_patterns(role: str) -> tuple[bool, tuple[re.Pattern, ...]]:
    spec = load_schema().roles[role]
    return spec.own, tuple(spec.patterns)


@cache
def veto_patterns(role: str) -> tuple[re.Pattern, ...]:
    """The cues that keep a sentence out of a cue role (none for the general roles)."""
    spec = load_schema().roles.get(role)
    return tuple(re.compile(c) for c in spec.not_cues) if spec else ()


def own_required_in(role: str) -> frozenset[str]:
    spec = load_schema().roles.get(role)
    return frozenset(spec.own_in) if spec else frozenset()


def prompt_view(kind: str | None) -> dict:
    """The kind as the prompts see it: its parts (slot, titles), the slots it leaves empty, its guide file."""
    spec = kind_spec(kind)
    return {
        "name": spec.name, "zh": spec.zh, "en": spec.en, "description": spec.description,
        "parts": [{"slot": p.slot, "zh": p.zh, "en": p.en} for p in spec.parts],
        "unused": [s for s in ("motivation", "contributions", "method", "experiments") if s not in spec.slots],
        "guide": f"kinds/{spec.name}.md.j2",
    }
