"""`arxiv-monitor run`: a day of arXiv into a verified report."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import typer

from agent.cli.app import app, err_console
from agent.cli.common import OFFLINE_DIR_OPTION, OFFLINE_OPTION, load_setup
from agent.cli.lab_common import LEASE_OPTION, PROFILES_DIR_OPTION, WORKER_OPTION, profile_paths, wants_lab
from agent.roles import PROMPT_ROLES
from tools.errors import ConfigError

# Exit status of a run whose report was written but did not reach every channel (it stays in the outbox for the next run).
EXIT_UNDELIVERED = 3

DATE_OPTION = typer.Option(None, "--date", "-d", help="Announcement day YYYY-MM-DD (default: today online; the latest recorded day offline).")
RUN_PROFILE_OPTION = typer.Option(
    None, "--profile", "-p", envvar="ARXIV_MONITOR_PROFILE",
    help="TOML profile with categories, keywords and models; repeat for several profiles in one run (default: profiles/sample.toml).",
)
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
    profile: list[Path] | None = RUN_PROFILE_OPTION,
    profiles_dir: Path | None = PROFILES_DIR_OPTION,
    day: str | None = DATE_OPTION,
    offline: bool = OFFLINE_OPTION,
    offline_dir: Path | None = OFFLINE_DIR_OPTION,
    out: Path | None = typer.Option(None, "--out", "-o", help="Output directory (default: the profile's output_dir)."),
    model: str | None = typer.Option(None, "--model", help="Use this model name for every role, overriding the profile."),
    prompt: list[str] | None = PROMPT_OPTION,
    max_papers: int | None = typer.Option(None, "--max-papers", min=1, help="Report at most this many papers (default: the profile's max_papers)."),
    fresh: bool = typer.Option(False, "--fresh", help="Forget this day's checkpoints and run it again from the start."),
    judge_only: bool = typer.Option(False, "--judge-only", help="Stop after judging: write the verdicts (in a judge-only folder) without fetching any PDF, to tune a profile in seconds."),
    worker: str | None = WORKER_OPTION,
    claim_lease: float = LEASE_OPTION,
) -> None:
    """Find, judge, read and write up a day of arXiv for a profile; writes report.md, report.html and report.json.

    With several profiles (-p repeated, or --profiles DIR) the run shares its work: each feed is
    fetched once per category and each paper read once, whichever profiles chose it; each profile
    still gets its own report and delivery. With a PostgreSQL database (ARXIV_MONITOR_DATABASE_URL
    or `database` in a profile), several such runs on one or more machines split the day.

    Exit status: 0 done; 3 the report is written but a delivery channel does not have it yet (it stays in the outbox and the next run retries it); 2 an error that stopped the run."""
    from agent.cli.progress import ConsoleProgress, usage_table
    from agent.prompts import PromptLibrary
    from agent.run.monitor_run import run_monitor
    from agent.sources_factory import make_source

    paths = profile_paths(profile, profiles_dir)
    if wants_lab(paths, profiles_dir):
        if fresh or judge_only:
            raise ConfigError("--fresh and --judge-only work on one profile at a time (-p PROFILE, without a database)")
        from agent.cli.lab_common import print_lab_outcome, run_lab_from_cli

        variants = parse_prompt_options(prompt, {})
        with ConsoleProgress(err_console) as progress:
            lab = run_lab_from_cli(paths, offline=offline, offline_dir=offline_dir, model=model, prompt_variants=variants,
                                   max_papers=max_papers, day=parse_day(day), out=out, worker=worker, lease=claim_lease, events=progress)
        print_lab_outcome(lab)
        report_lab_deliveries(lab)
        return
    setup = load_setup(paths[0], offline=offline, offline_dir=offline_dir, model_override=model)
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
    report_deliveries(outcome.deliveries, prof.name, profile)


def print_delivery_lines(deliveries: list, label: str = "") -> list:
    """One line per delivery that did not simply go out (sent before); returns those that did not reach everyone."""
    for d in deliveries:
        if d.status != "skipped":
            err_console.print(f"  delivery {label}{d.describe()}", markup=False, soft_wrap=True)
    return [d for d in deliveries if not d.ok]


def report_lab_deliveries(lab) -> None:
    """The lines of every profile this worker reported, and exit status 3 when any profile's channel lacks its report."""
    missing = {name: print_delivery_lines(o.deliveries, f"{name} ") for name, o in lab.outcomes.items()}
    names = [name for name, m in missing.items() if m]
    if names:
        count = sum(len(m) for m in missing.values())
        err_console.print(f"[yellow]{count} delivery(ies) did not reach everyone[/] ({', '.join(names)}); the reports are written and kept "
                          f"in the outbox: the next run retries them, `arxiv-monitor doctor -p PROFILE` lists them (exit status {EXIT_UNDELIVERED})",
                          soft_wrap=True)
        raise typer.Exit(EXIT_UNDELIVERED)


def report_deliveries(deliveries: list, profile_name: str, profile_path: Path) -> None:
    """One line per delivery that did not simply go out; exit status 3 when a channel still lacks a report."""
    missing = print_delivery_lines(deliveries)
    if missing:
        err_console.print(f"[yellow]{len(missing)} delivery(ies) did not reach everyone[/]; the report is written and kept in the outbox: "
                          f"the next run retries it, `arxiv-monitor doctor -p {profile_path}` lists it (exit status {EXIT_UNDELIVERED})",
                          soft_wrap=True)
        raise typer.Exit(EXIT_UNDELIVERED)
