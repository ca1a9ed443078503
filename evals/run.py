"""`arxiv-monitor eval`: two variants, the chosen datasets, a comparison per dataset."""

from __future__ import annotations

from collections.abc import Callable

from evals.compare import Comparison, compare
from evals.datasets import load_dataset
from evals.harness import EvalSetup, freeze_inputs, run_variant
from evals.pairwise import pairwise_judgement
from tools.errors import ConfigError

READING_ROLES = {"reader", "writer", "critic", "investigate"}


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
    if a_name == b_name:
        raise ConfigError("--variants needs two different variant names, e.g. default,concise")
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
