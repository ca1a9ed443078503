"""Many profiles in one run, for `run` and `schedule`: which profiles, which database, and the summary printed."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import typer

from agent.cli.app import err_console
from agent.cli.common import load_setup
from tools.errors import ConfigError

PROFILES_DIR_OPTION = typer.Option(None, "--profiles", help="Run every *.toml profile in this directory together, sharing feeds, PDFs and paper analyses.")
WORKER_OPTION = typer.Option(None, "--worker", help="This worker's name in claims (default: host:pid).")
LEASE_OPTION = typer.Option(120.0, "--claim-lease", min=1.0, help="Seconds a claim lasts without renewal: how soon another worker takes over from one that died.")


def profile_paths(profiles: list[Path] | None, profiles_dir: Path | None) -> list[Path]:
    """-p (repeatable) and --profiles DIR together, each file once, in order; the sample profile when neither is given."""
    paths = list(profiles or [])
    if profiles_dir is not None:
        if not profiles_dir.is_dir():
            raise ConfigError(f"--profiles {profiles_dir}: not a directory of *.toml profiles")
        found = sorted(profiles_dir.glob("*.toml"))
        if not found:
            raise ConfigError(f"--profiles {profiles_dir}: no *.toml profile in it")
        paths += found
    unique: dict[Path, Path] = {}
    for p in paths:
        unique.setdefault(p.resolve(), p)
    return list(unique.values()) or [Path("profiles/sample.toml")]


def lab_database(setups) -> str | None:
    """The one database of the run: $ARXIV_MONITOR_DATABASE_URL, else the profiles' `database` (which must agree)."""
    from tools.stores import database_url

    named = {s.profile.database for s in setups if s.profile.database}
    if len(named) > 1 and database_url(None) is None:
        raise ConfigError(f"the profiles name different databases ({', '.join(sorted(named))}); one run uses one")
    return database_url(next(iter(named), None))


def wants_lab(paths: list[Path], profiles_dir: Path | None) -> bool:
    """A run goes through the shared orchestration with several profiles, a profile directory or a PostgreSQL store."""
    if len(paths) > 1 or profiles_dir is not None:
        return True
    from agent.config import load_profile
    from tools.stores import database_url, is_postgres

    return is_postgres(database_url(load_profile(paths[0]).database))


def run_lab_from_cli(paths: list[Path], *, offline: bool, offline_dir: Path | None, model: str | None, prompt_variants: dict[str, str] | None,
                     max_papers: int | None, day: date | None, out: Path | None, worker: str | None, lease: float, events) -> "LabOutcome":  # noqa: F821
    from agent.prompts import PromptLibrary
    from agent.run.lab_run import LabProfile, run_lab
    from agent.sources_factory import make_source
    from tools.stores import is_postgres

    setups = [load_setup(p, offline=offline, offline_dir=offline_dir, model_override=model) for p in paths]
    lab_profiles = []
    for s in setups:
        prof = s.profile if max_papers is None else s.profile.model_copy(update={"max_papers": max_papers})
        lab_profiles.append(LabProfile(prof, s.registry, PromptLibrary({**prof.prompts, **(prompt_variants or {})})))
    database = lab_database(setups)
    pacing = None
    if is_postgres(database) and not (offline or offline_dir):
        from tools.stores.postgres_store import PostgresPacing

        pacing = PostgresPacing(database)  # arXiv's 3 s hold for every worker on every machine
    first = lab_profiles[0].profile
    source = make_source(offline=offline, offline_dir=offline_dir, data_dir=first.data_dir, today=date.today(), pacing=pacing)
    offline_roles = sorted({r for s in setups for r in s.registry.offline_roles()})
    if all(s.registry.fully_offline for s in setups):
        err_console.print(f"[yellow]offline mode[/] ({setups[0].registry.offline_reason}): no language model is used; the reports say so.")
    elif offline_roles:
        err_console.print(f"[yellow]roles without a model run offline in some profiles:[/] {', '.join(offline_roles)}")
    try:
        return run_lab(lab_profiles, source=source, database=database, worker=worker, lease=lease, out_dir=out, events=events,
                       day=day, now=datetime.now)
    finally:
        if pacing is not None:
            pacing.close()


def print_lab_outcome(outcome) -> None:
    from agent.cli.progress import usage_table

    err_console.print(f"[dim]store: {outcome.store}[/]")
    for name, o in outcome.outcomes.items():
        c = o.report["counts"]
        err_console.print(f"[bold green]{o.status}[/] {name} {o.day}: {c['announced']} announced, {c['candidates']} candidates, "
                          f"{c['relevant']} relevant, {c['reported']} reported, {c['failures']} failed")
        err_console.print(f"  {o.paths['md']}", markup=False)
    for name, worker in outcome.reported_by_others.items():
        err_console.print(f"[green]reported by {worker}[/] {name} {outcome.day}")
    err_console.print(f"[bold]shared:[/] {outcome.summary.line()} — {outcome.seconds:.1f}s", highlight=False, soft_wrap=True)
    totals: dict[str, dict] = {}
    for usage in outcome.usage.values():
        for role, u in usage.items():
            t = totals.setdefault(role, {"calls": 0, "input_tokens": 0, "output_tokens": 0, "seconds": 0.0})
            for k in t:
                t[k] += u.get(k, 0)
    if totals:
        err_console.print(usage_table(totals))
