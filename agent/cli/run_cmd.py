"""`arxiv-monitor run`: a day of arXiv into a verified report."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import typer

from agent.cli.app import app, err_console
from agent.cli.common import OFFLINE_DIR_OPTION, OFFLINE_OPTION, PROFILE_OPTION, load_setup
from agent.roles import PROMPT_ROLES
from tools.errors import ConfigError

DATE_OPTION = typer.Option(None, "--date", "-d", help="Announcement day YYYY-MM-DD (default: today online; the latest recorded day offline).")
PROMPT_OPTION = typer.Option(None, "--prompt", help="Prompt variant for a role, ROLE=VARIANT (repeatable), e.g. --prompt writer=concise.")


def parse_day(text: str | None) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ConfigError(f"--date {text!r} is not a date in the form YYYY-MM-DD") from None


def parse_prompt_options(values: list[str] | None, defaults: dict[str, str]) -> dict[str, str]:
    variants = dict(defaults)
    for value in values or []:
        role, sep, variant = value.partition("=")
        if not sep or not role.strip() or not variant.strip():
            raise ConfigError(f"--prompt {value!r}: expected ROLE=VARIANT, e.g. writer=concise")
        if role.strip() not in PROMPT_ROLES:
            raise ConfigError(f"--prompt {value!r}: no role {role.strip()!r} (roles: {', '.join(PROMPT_ROLES)})")
        variants[role.strip()] = variant.strip()
    return variants


@app.command()
def run(
    profile: Path = PROFILE_OPTION,
    day: str | None = DATE_OPTION,
    offline: bool = OFFLINE_OPTION,
    offline_dir: Path | None = OFFLINE_DIR_OPTION,
    out: Path | None = typer.Option(None, "--out", "-o", help="Output directory (default: the profile's output_dir)."),
    model: str | None = typer.Option(None, "--model", help="Use this model name for every role, overriding the profile."),
    prompt: list[str] | None = PROMPT_OPTION,
    max_papers: int | None = typer.Option(None, "--max-papers", min=1, help="Report at most this many papers (default: the profile's max_papers)."),
    fresh: bool = typer.Option(False, "--fresh", help="Forget this day's checkpoints and run it again from the start."),
    judge_only: bool = typer.Option(False, "--judge-only", help="Stop after judging: write the verdicts (in a judge-only folder) without fetching any PDF, to tune a profile in seconds."),
) -> None:
    """Find, judge, read and write up a day of arXiv for a profile; writes report.md, report.html and report.json."""
    from agent.cli.progress import ConsoleProgress, usage_table
    from agent.prompts import PromptLibrary
    from agent.run.monitor_run import run_monitor
    from agent.sources_factory import make_source

    setup = load_setup(profile, offline=offline, offline_dir=offline_dir, model_override=model)
    prof = setup.profile
    if max_papers is not None:
        prof = prof.model_copy(update={"max_papers": max_papers})
    prompts = PromptLibrary(parse_prompt_options(prompt, prof.prompts))
    wanted = parse_day(day)
    source = make_source(offline=offline, offline_dir=offline_dir, data_dir=prof.data_dir, today=date.today())
    reg = setup.registry
    if reg.fully_offline:
        err_console.print(f"[yellow]offline mode[/] ({reg.offline_reason}): no language model is used; the report says so.")
    elif reg.offline_roles():
        err_console.print(f"[yellow]roles without a model run offline:[/] {', '.join(reg.offline_roles())}")
    with ConsoleProgress(err_console) as progress:
        outcome = run_monitor(prof, registry=reg, source=source, day=wanted, out_dir=out, prompts=prompts, fresh=fresh, events=progress, now=datetime.now,
                              judge_only=judge_only)
    counts = outcome.report["counts"]
    err_console.print(
        f"[bold green]{outcome.status}[/] {prof.name} {outcome.day}: {counts['announced']} announced, {counts['candidates']} candidates, "
        f"{counts['relevant']} relevant, {counts['reported']} reported, {counts['excluded']} excluded, "
        f"{counts['updates']} updates, {counts['failures']} failed — {outcome.seconds:.1f}s"
    )
    problems = outcome.report.get("feed_problems") or []
    if problems:
        # Said here as well as in appendix D: a feed file or item that was skipped changes what "announced" counts.
        err_console.print(f"[yellow]warning:[/] {len(problems)} feed file(s) or item(s) could not be read and were skipped (appendix D lists them):")
        for problem in problems:
            err_console.print(f"  {problem}", markup=False)
    if outcome.usage:
        err_console.print(usage_table(outcome.usage))
    for kind in ("md", "html", "json"):
        err_console.print(f"  {outcome.paths[kind]}", markup=False)
