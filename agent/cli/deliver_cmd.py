"""`arxiv-monitor deliver`: send a finished day's report again, on purpose, to all channels or one."""

from __future__ import annotations

from pathlib import Path

import typer

from agent.cli.app import app, err_console
from agent.cli.common import PROFILE_OPTION
from agent.cli.run_cmd import EXIT_UNDELIVERED
from tools.errors import ConfigError


@app.command()
def deliver(
    profile: Path = PROFILE_OPTION,
    day: str = typer.Option(..., "--date", "-d", help="The report's day, YYYY-MM-DD."),
    channel: str | None = typer.Option(None, "--channel", help="Only this channel (its name, or type-N as `doctor` lists them)."),
    out: Path | None = typer.Option(None, "--out", "-o", help="Where the reports are (default: the profile's output_dir)."),
) -> None:
    """Resend a day's report to its channels, even if it was delivered before (a run delivers each report once).
    Exit status 3 when a channel still does not have it."""
    from agent.cli.common import load_settings
    from agent.run.monitor_run import profile_lock

    prof, _ = load_settings(profile)
    if not prof.delivery:
        raise ConfigError(f"profile {prof.name} has no [[delivery]] channels")

    # Under the profile's run lock: a scheduled run sending the same outbox rows at this moment would send them twice.
    with profile_lock(prof.data_dir, prof.name, lambda kind, data: err_console.print(data["detail"], markup=False)):
        results = _resend(prof, day, channel, out)
    for d in results:
        err_console.print(d.describe(), markup=False, soft_wrap=True)
    if any(not d.ok for d in results):
        raise typer.Exit(EXIT_UNDELIVERED)


def _resend(prof, day: str, channel: str | None, out: Path | None) -> list:
    import json

    from agent.delivery.deliver import deliver_report
    from tools.stores import database_url, open_store

    ledger = open_store(database_url(prof.database), prof.data_dir)  # the lab's PostgreSQL when one is configured
    try:
        folder = _report_folder(prof, ledger, day, channel, out)
        paths = {kind: folder / f"report.{kind}" for kind in ("md", "html", "json")}
        if not paths["json"].exists():
            raise ConfigError(f"no report for {day} in {folder}; run that day first (or pass --out with the folder the reports went to)")
        report = json.loads(paths["json"].read_text(encoding="utf-8"))
        return deliver_report(prof, report, paths, ledger, only=channel, force=True)
    finally:
        ledger.close()


def _report_folder(prof, ledger, day: str, channel: str | None, out: Path | None) -> Path:
    """--out if given; else where the outbox says the day's report was written; else the profile's output_dir."""
    if out is not None:
        return out / prof.name / day
    from tools.outbox import outbox_for

    outbox = outbox_for(ledger)
    for name in [channel] if channel else prof.channel_names():
        item = outbox.get(prof.name, day, name)
        if item is not None and (Path(item.report_dir) / "report.json").exists():
            return Path(item.report_dir)
    return prof.output_dir / prof.name / day
