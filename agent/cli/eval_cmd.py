"""`arxiv-monitor eval`: compare two prompt variants on frozen datasets with real metrics."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timezone
from pathlib import Path

import typer

from agent.cli.app import app, err_console, out_console
from agent.cli.common import OFFLINE_OPTION, PROFILE_OPTION, load_setup
from agent.roles import EVALUATED_ROLES as EVAL_ROLES
from tools.errors import ConfigError

REPO = Path(__file__).resolve().parents[2]


def _split(value: str | None) -> list[str]:
    return [v.strip() for v in (value or "").split(",") if v.strip()]


@app.command("eval")
def eval_command(
    variants: str | None = typer.Option(None, "--variants", help="Two prompt variants to compare, A,B (e.g. default,concise), on the roles that have both. Default: default against every other variant, role by role."),
    roles: str | None = typer.Option(None, "--roles", help=f"Roles whose prompt is switched between A and B (default: all of {', '.join(EVAL_ROLES)})."),
    dataset: str | None = typer.Option(None, "--dataset", help="Datasets, comma-separated (relevance-sample, relevance-vla, relevance-days, reading, support); default: those the roles need."),
    profile: Path = PROFILE_OPTION,
    offline: bool = OFFLINE_OPTION,
    pairwise: bool = typer.Option(False, "--pairwise", help="Also ask the critic model which analysis is better, in both orders (sign test)."),
    offline_dir: Path | None = typer.Option(None, "--offline-dir", help="Directory with the PDFs the reading dataset refers to (default: the bundled sample day)."),
    out: Path = typer.Option(REPO / "evals" / "results", "--out", help="Where the Markdown and JSON results go."),
    no_cache: bool = typer.Option(False, "--no-cache", help="Do not reuse cached model answers (they are cached by model and prompt)."),
    price_in: float = typer.Option(0.0, "--price-in", help="Price per million input tokens, for the cost column."),
    price_out: float = typer.Option(0.0, "--price-out", help="Price per million output tokens."),
) -> None:
    """Run prompt variants on the same frozen inputs and print which is better, metric by metric, with significance.

    With no options: every role's default prompt against each of its other variants, offline when no model is configured.
    """
    # The harness, LangGraph and the model clients load only when an evaluation runs.
    from agent.config import environment, resolve_models
    from agent.llm.registry import build_registry
    from evals.compare import to_markdown, write_results
    from evals.harness import SAMPLE_DIR, EvalSetup
    from evals.llm_cache import SQLiteLLMCache
    from evals.run import default_datasets, run_eval, variant_pairs

    pair = _split(variants)
    if variants is not None and len(pair) != 2:
        raise ConfigError("--variants takes exactly two names, e.g. --variants default,concise")
    role_list = _split(roles) or list(EVAL_ROLES)
    unknown = [r for r in role_list if r not in EVAL_ROLES]
    if unknown:
        raise ConfigError(f"--roles: unknown role {unknown[0]!r} (roles: {', '.join(EVAL_ROLES)})")
    setup = load_setup(profile, offline=offline, required=False)
    prof = setup.profile
    cache = None if no_cache else SQLiteLLMCache(prof.data_dir / "eval-cache.sqlite")
    models = resolve_models(prof, environment())

    def make_registry():
        return build_registry(models, offline=offline or setup.registry.fully_offline, cache=cache)

    harness = EvalSetup(make_registry=make_registry, roles=role_list, data_dir=prof.data_dir / "eval", cache=cache,
                        price_in=price_in, price_out=price_out, profile=prof, sample_dir=offline_dir or SAMPLE_DIR)
    pairs = variant_pairs(role_list, (pair[0], pair[1]) if pair else None)
    if make_registry().fully_offline:
        err_console.print("[yellow]offline:[/] no model is used, so prompt variants cannot differ; the tables show the offline baseline.")
    comparisons = []
    for vp in pairs:
        names = _split(dataset) or default_datasets(vp.roles)
        err_console.print(f"[bold]{', '.join(vp.roles)}[/]: {vp.a} vs {vp.b} on {', '.join(names)}")
        comparisons += run_eval(names, (vp.a, vp.b), replace(harness, roles=vp.roles), pairwise=pairwise, progress=lambda m: err_console.print(f"• {m}"))
    for c in comparisons:
        c.cache = {"hits": cache.hits, "misses": cache.misses} if cache else None
        from rich.table import Table

        table = Table(title=f"{c.dataset}: {c.a} vs {c.b}", box=None)
        for col in ("metric", c.a, c.b, "Δ", "p", "better"):
            table.add_column(col, justify="left" if col in ("metric", "better") else "right")
        for r in c.rows:
            table.add_row(r.metric, f"{r.a:.3f}", f"{r.b:.3f}", f"{r.diff:+.3f}", f"{r.p_value:.3f}{' *' if r.significant else ''}", r.better or "–")
        out_console.print(table)
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    md, js = write_results(comparisons, out, f"{stamp}-{pair[0]}-vs-{pair[1]}" if pair else f"{stamp}-all-variants")
    if cache:
        err_console.print(f"model answers from cache: {cache.hits}, new calls: {cache.misses}")
        cache.close()
    err_console.print(f"* p < 0.05 (paired sign test)\n  {md}\n  {js}")
    if not md.read_text(encoding="utf-8").strip():
        typer.echo(to_markdown(comparisons))
