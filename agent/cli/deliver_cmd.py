"""`arxiv-monitor deliver`: send a finished day's report again, on purpose, to all channels or one."""

from __future__ import annotations

from pathlib import Path

import typer

from agent.cli.app import app, err_console
from agent.cli.common import PROFILE_OPTION
from tools.errors import ConfigError


@app.command()
def deliver(
    profile: Path = PROFILE_OPTION,
    day: str = typer.Option(..., "--date", "-d", help="The report's day, YYYY-MM-DD."),
    channel: str | None = typer.Option(None, "--channel", help="Only this channel (its name, or type-N as `doctor` lists them)."),
    out: Path | None = typer.Option(None, "--out", "-o", help="Where the reports are (default: the profile's output_dir)."),
) -> None:
    """Resend a day's report to its channels, even if it was delivered before (a run delivers each report once)."""
    import json

    from agent.cli.common import load_settings
    from agent.delivery.deliver import deliver_report
    from tools.stores import database_url, open_store

    prof, _ = load_settings(profile)
    if not prof.delivery:
        raise ConfigError(f"profile {prof.name} has no [[delivery]] channels")
    folder = (out or prof.output_dir) / prof.name / day
    paths = {kind: folder / f"report.{kind}" for kind in ("md", "html", "json")}
    if not paths["json"].exists():
        raise ConfigError(f"no report for {day} in {folder}; run that day first")
    report = json.loads(paths["json"].read_text(encoding="utf-8"))
    ledger = open_store(database_url(prof.database), prof.data_dir)  # the lab's PostgreSQL when one is configured
    try:
        results = deliver_report(prof, report, paths, ledger, only=channel, force=True)
    finally:
        ledger.close()
    for d in results:
        err_console.print(f"{d.channel}: {d.status}" + (f" ({d.messages} message(s))" if d.messages else "") + (f" — {d.error}" if d.error else ""), markup=False)
    if any(d.status == "failed" for d in results):
        raise typer.Exit(1)
