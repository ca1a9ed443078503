"""`arxiv-monitor eval`: two variants, the chosen datasets, a comparison per dataset."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from agent.prompts import available_variants
from evals.compare import Comparison, compare
from evals.datasets import load_dataset
from evals.harness import EvalSetup, freeze_inputs, run_variant
from evals.pairwise import pairwise_judgement
from tools.errors import ConfigError

READING_ROLES = {"reader", "writer", "critic", "investigate"}


@dataclass
class VariantPair:
    """One comparison to run: variants A and B of the prompts of `roles`."""

    roles: list[str]
    a: str
    b: str


def variant_pairs(roles: list[str], variants: tuple[str, str] | None) -> list[VariantPair]:
    """With two variants: one pair over the roles that have both. Without: default against each other variant, role by role."""
    if variants is not None:
        a, b = variants
        if a == b:
            raise ConfigError("--variants needs two different variant names, e.g. default,concise")
        having = [r for r in roles if {a, b} <= set(available_variants(r))]
        if not having:
            raise ConfigError(f"no role among {', '.join(roles)} has both variants {a!r} and {b!r}; variants: "
                              + "; ".join(f"{r}: {', '.join(available_variants(r))}" for r in roles))
        return [VariantPair(having, a, b)]
    pairs = [VariantPair([r], "default", v) for r in roles for v in available_variants(r) if v != "default"]
    if not pairs:
        raise ConfigError(f"no role among {', '.join(roles)} has a variant besides default (add prompts/<role>/<variant>.md.j2)")
    return pairs


def default_datasets(roles: list[str]) -> list[str]:
    names = []
    if "judge" in roles:
        names += ["relevance-sample", "relevance-vla"]
    if READING_ROLES & set(roles):
        names.append("reading")
    return names


def run_eval(
    dataset_names: list[str],
    variants: tuple[str, str],
    setup: EvalSetup,
    *,
    pairwise: bool = False,
    progress: Callable[[str], None] = lambda msg: None,
) -> list[Comparison]:
    a_name, b_name = variants
    datasets = [load_dataset(name) for name in dataset_names]
    for v in variants:
        setup.prompts(v)  # fail before any work if a variant is missing
    for ds in datasets:
        freeze_inputs(ds, setup)
    comparisons = []
    for ds in datasets:
        progress(f"{ds.name} v{ds.version}: variant {a_name}")
        a = run_variant(ds, a_name, setup)
        progress(f"{ds.name} v{ds.version}: variant {b_name}")
        b = run_variant(ds, b_name, setup)
        c = compare(a, b)
        if pairwise and a.reports:
            registry = setup.make_registry()
            if registry.is_offline("critic"):
                progress("pairwise judging skipped: the critic role has no model")
            else:
                progress(f"{ds.name}: pairwise judging in both orders")
                c.pairwise = pairwise_judgement(a, b, registry)
        comparisons.append(c)
    return comparisons
