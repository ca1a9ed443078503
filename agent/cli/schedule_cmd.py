"""`arxiv-monitor schedule`: run every day at a set time (an alternative to cron)."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import typer

from agent.cli.app import app, err_console
from agent.cli.common import OFFLINE_DIR_OPTION, OFFLINE_OPTION, load_setup
from agent.cli.lab_common import LEASE_OPTION, PROFILES_DIR_OPTION, WORKER_OPTION, profile_paths, wants_lab
from agent.cli.run_cmd import RUN_PROFILE_OPTION


@app.command()
def schedule(
    profile: list[Path] | None = RUN_PROFILE_OPTION,
    profiles_dir: Path | None = PROFILES_DIR_OPTION,
    at: str = typer.Option("09:00", "--at", help="Local time of day to run, HH:MM."),
    days: str = typer.Option("mon-fri", "--days", help="Weekdays to run: mon-fri, mon,wed,fri or daily."),
    offline: bool = OFFLINE_OPTION,
    offline_dir: Path | None = OFFLINE_DIR_OPTION,
    out: Path | None = typer.Option(None, "--out", "-o", help="Output directory (default: the profile's output_dir)."),
    max_runs: int | None = typer.Option(None, "--max-runs", min=1, help="Stop after this many runs (default: run until stopped)."),
    worker: str | None = WORKER_OPTION,
    claim_lease: float = LEASE_OPTION,
) -> None:
    """Run the monitor every day at a set time. Runs are idempotent and safe to overlap with cron or a manual run.

    With --profiles DIR (or -p repeated) every profile runs in one shared run each day; the directory
    is read again before each run, so a profile added to it joins the next day."""
    from agent.prompts import PromptLibrary
    from agent.run.monitor_run import run_monitor
    from agent.run.scheduler import Scheduler, parse_at, parse_days
    from agent.sources_factory import make_source

    when, weekdays = parse_at(at), parse_days(days)
    paths = profile_paths(profile, profiles_dir)
    if wants_lab(paths, profiles_dir):
        from agent.cli.lab_common import print_lab_outcome, run_lab_from_cli

        def lab_job() -> None:
            current = profile_paths(profile, profiles_dir)
            lab = run_lab_from_cli(current, offline=offline, offline_dir=offline_dir, model=None, prompt_variants=None,
                                   max_papers=None, day=None, out=out, worker=worker, lease=claim_lease, events=lambda kind, data: None)
            print_lab_outcome(lab)
            for name, o in lab.outcomes.items():
                for d in o.deliveries:
                    if not d.ok:  # the scheduler keeps going; the next run retries it from the outbox
                        err_console.print(f"  not delivered: {name} {d.describe()}", markup=False, soft_wrap=True)

        err_console.print(f"scheduling {len(paths)} profile(s) together at {when:%H:%M} on {days}; Ctrl-C to stop")
        Scheduler(lab_job, when, weekdays, announce=lambda msg: err_console.print(msg)).run(max_runs)
        return
    profile = paths[0]
    setup = load_setup(profile, offline=offline, offline_dir=offline_dir)

    def job() -> None:
        # A fresh profile, source and registry each time: the profile file may have changed.
        current = load_setup(profile, offline=offline, offline_dir=offline_dir)
        source = make_source(offline=offline, offline_dir=offline_dir, data_dir=current.profile.data_dir, today=date.today())
        outcome = run_monitor(current.profile, registry=current.registry, source=source, out_dir=out,
                              prompts=PromptLibrary(current.profile.prompts), now=datetime.now)
        err_console.print(f"[green]{outcome.status}[/] {current.profile.name} {outcome.day}: {outcome.report['counts']['reported']} papers → {outcome.paths['md']}")
        for d in outcome.deliveries:
            if not d.ok:  # the scheduler keeps going; the next run retries it from the outbox
                err_console.print(f"  not delivered: {d.describe()}", markup=False, soft_wrap=True)

    err_console.print(f"scheduling {setup.profile.name} at {when:%H:%M} on {days}; Ctrl-C to stop")
    Scheduler(job, when, weekdays, announce=lambda msg: err_console.print(msg)).run(max_runs)
