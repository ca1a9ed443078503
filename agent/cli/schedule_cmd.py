"""`arxiv-monitor schedule`: run every day at a set time (an alternative to cron)."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import typer

from agent.cli.app import app, err_console
from agent.cli.common import OFFLINE_DIR_OPTION, OFFLINE_OPTION, PROFILE_OPTION, load_setup


@app.command()
def schedule(
    profile: Path = PROFILE_OPTION,
    at: str = typer.Option("09:00", "--at", help="Local time of day to run, HH:MM."),
    days: str = typer.Option("mon-fri", "--days", help="Weekdays to run: mon-fri, mon,wed,fri or daily."),
    offline: bool = OFFLINE_OPTION,
    offline_dir: Path | None = OFFLINE_DIR_OPTION,
    out: Path | None = typer.Option(None, "--out", "-o", help="Output directory (default: the profile's output_dir)."),
    max_runs: int | None = typer.Option(None, "--max-runs", min=1, help="Stop after this many runs (default: run until stopped)."),
) -> None:
    """Run the monitor every day at a set time. Runs are idempotent and safe to overlap with cron or a manual run."""
    from agent.prompts import PromptLibrary
    from agent.run.monitor_run import run_monitor
    from agent.run.scheduler import Scheduler, parse_at, parse_days
    from agent.sources_factory import make_source

    when, weekdays = parse_at(at), parse_days(days)
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
