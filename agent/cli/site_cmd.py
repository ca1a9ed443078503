"""`arxiv-monitor site`: a static archive of every report of a profile, with an Atom feed and search."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.markup import escape

from agent.cli.app import app, err_console
from agent.cli.common import PROFILE_OPTION


@app.command()
def site(
    profile: Path = PROFILE_OPTION,
    out: Path = typer.Option(..., "--out", "-o", help="Folder to write the site into (index.html, one folder per day, feed.xml)."),
    base_url: str = typer.Option("", "--base-url", help="Where the site will be served, for absolute links in feed.xml (e.g. https://lab.example.org/arxiv; a trailing / is added). Set the profile's report_url to the same URL and messages link each day's page."),
    reports: Path | None = typer.Option(None, "--reports", help="Where the reports are (default: the profile's output_dir)."),
) -> None:
    """Build a static archive: an index by day with search in the browser, one page per day and an Atom feed."""
    from agent.cli.common import load_settings
    from agent.publish.site import build_site

    prof, _ = load_settings(profile)
    result = build_site(prof.name, (reports or prof.output_dir) / prof.name, out, base_url)
    for problem in result.skipped:
        err_console.print(f"[yellow]skipped:[/] {escape(problem)}", soft_wrap=True)
    err_console.print(f"site of {len(result.days)} day(s): {result.out_dir / 'index.html'} and {result.out_dir / 'feed.xml'}", markup=False)
