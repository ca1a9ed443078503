"""Every prompt is a Jinja2 file in prompts/<role>/<variant>.md.j2, rendered here and only here.

Undefined variables fail loudly (StrictUndefined), a variant's placeholders are
checked against the role's contract before a run starts, and each template's
hash goes into the run's metadata so results can be traced to the exact prompt.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from functools import cached_property
from pathlib import Path

import jinja2
from jinja2 import meta

import prompts as prompts_package
from agent.roles import PROMPT_ROLES, variant_name_problem
from tools.errors import ConfigError

PROMPTS_DIR = Path(prompts_package.__file__).resolve().parent
SUFFIX = ".md.j2"


def check_variant_name(role: str, variant: str) -> str:
    """The variant name, or a ConfigError saying what a variant name may be."""
    problem = variant_name_problem(role, variant)
    if problem:
        raise ConfigError(problem)
    return variant

# The variables each role's templates may use: a variant that needs anything else is refused.
ROLE_VARIABLES: dict[str, frozenset[str]] = {
    "judge": frozenset({"profile", "papers", "threshold", "language"}),
    "keywords": frozenset({"profile"}),
    "reader": frozenset({"phase", "paper", "parts", "budget", "max_tool_calls", "language", "listing", "evidence", "kind"}),
    "kind": frozenset({"paper", "sections", "kinds", "suggested", "language", "categories"}),
    "writer": frozenset({"paper", "notes", "parts", "language", "findings", "previous", "kind"}),
    "critic": frozenset({"paper", "claims", "language", "kind"}),
    "investigate": frozenset({"phase", "paper", "question", "language", "history", "listing", "suggested"}),
    "pairwise": frozenset({"paper", "first", "second", "language"}),
}


assert set(ROLE_VARIABLES) == set(PROMPT_ROLES), "every prompt role has a variable contract"


def available_variants(role: str, directory: Path = PROMPTS_DIR) -> list[str]:
    return sorted(p.name.removesuffix(SUFFIX) for p in (directory / role).glob(f"*{SUFFIX}"))


class PromptLibrary:
    def __init__(self, variants: Mapping[str, str] | None = None, directory: Path = PROMPTS_DIR):
        self.directory = directory
        self.variants = {role: check_variant_name(role, (variants or {}).get(role, "default")) for role in ROLE_VARIABLES}
        self.env = jinja2.Environment(
            loader=jinja2.FileSystemLoader(str(directory)),
            undefined=jinja2.StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=False,
            autoescape=False,  # prompts are plain text for a model, not HTML
        )

    def _name(self, role: str) -> str:
        if role not in ROLE_VARIABLES:
            raise ConfigError(f"no prompt role {role!r}")
        return f"{role}/{self.variants[role]}{SUFFIX}"

    def source(self, role: str) -> str:
        path = self.directory / self._name(role)
        if not path.exists():
            known = ", ".join(available_variants(role, self.directory)) or "none"
            raise ConfigError(f"prompt variant {self.variants[role]!r} for {role} not found (available: {known})")
        return path.read_text(encoding="utf-8")

    def validate(self) -> None:
        """Fail before a run if any selected variant is missing or uses unknown variables."""
        for role, allowed in ROLE_VARIABLES.items():
            source = self.source(role)
            try:
                used = meta.find_undeclared_variables(self.env.parse(source))
            except jinja2.TemplateSyntaxError as exc:
                raise ConfigError(f"prompt {self._name(role)}: syntax error at line {exc.lineno}: {exc.message}") from None
            unknown = used - allowed
            if unknown:
                raise ConfigError(f"prompt {self._name(role)} uses unknown variables: {', '.join(sorted(unknown))} (allowed: {', '.join(sorted(allowed))})")

    def render(self, role: str, **variables) -> str:
        try:
            return self.env.get_template(self._name(role)).render(**variables).strip()
        except jinja2.TemplateNotFound:
            self.source(role)  # raises the friendly error
            raise

    def template_hash(self, role: str) -> str:
        return hashlib.sha256(self.source(role).encode("utf-8")).hexdigest()[:12]

    @cached_property
    def metadata(self) -> dict[str, dict[str, str]]:
        return {role: {"variant": self.variants[role], "sha256": self.template_hash(role)} for role in ROLE_VARIABLES}
