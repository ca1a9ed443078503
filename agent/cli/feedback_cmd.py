"""`arxiv-monitor feedback` and `arxiv-monitor serve`: a reader's like or dislike, from the terminal or from the report page."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.markup import escape

from agent.cli.app import app, err_console
from agent.cli.common import OFFLINE_DIR_OPTION, OFFLINE_OPTION, PROFILE_OPTION


@app.command()
def feedback(
    arxiv_id: str = typer.Argument(..., help="The paper, e.g. 2002.08909 or 2002.08909v1."),
    like: bool = typer.Option(False, "--like", help="This paper is what the group wants."),
    dislike: bool = typer.Option(False, "--dislike", help="This paper should not have been selected."),
    profile: Path = PROFILE_OPTION,
    offline: bool = OFFLINE_OPTION,
    offline_dir: Path | None = OFFLINE_DIR_OPTION,
) -> None:
    """Record that a paper was liked or disliked, for the profile (kept in its ledger).

    The semantic stage learns from the paper's title and abstract: a paper this profile has not seen announced
    is looked up (arXiv API, or --offline-dir) so that it counts from the next run.
    """
    from datetime import date

    from agent.cli.common import load_settings
    from agent.feedback import record_feedback
    from agent.sources_factory import make_source
    from tools.arxiv_ids import parse_arxiv_id
    from tools.errors import ConfigError
    from tools.stores import database_url, open_store

    if like == dislike:
        raise ConfigError("give exactly one of --like or --dislike")
    prof, _ = load_settings(profile)
    pid = parse_arxiv_id(arxiv_id)
    ledger = open_store(database_url(prof.database), prof.data_dir)  # the lab's PostgreSQL when one is configured
    try:
        outcome = record_feedback(ledger, prof.name, pid, "like" if like else "dislike", lambda: make_source(
            offline=offline, offline_dir=offline_dir, data_dir=prof.data_dir, today=date.today(), max_retries=0))
    finally:
        ledger.close()
    base, meta = outcome.paper, outcome.meta
    if outcome.lookup_error:
        err_console.print(f"could not look {base} up: {outcome.lookup_error}", markup=False)
    role = "joins the library" if like else "is learnt as a negative"
    if meta is not None:
        err_console.print(f"{'liked' if like else 'disliked'} {base} ({meta.title}) for {prof.name}: it {role} from the next run", markup=False)
    else:
        # The semantic stage needs a title and abstract; the ledger has them once the paper was announced to this profile.
        err_console.print(f"{'liked' if like else 'disliked'} {base} for {prof.name}, but its title and abstract could not be found, so it "
                          f"{role} once it is announced (add it to the profile's library file to use it now)", markup=False)


@app.command()
def serve(
    profile: Path = PROFILE_OPTION,
    port: int = typer.Option(8765, "--port", help="Port on 127.0.0.1."),
    reports: Path | None = typer.Option(None, "--reports", help="Where the reports are (default: the profile's output_dir)."),
    offline: bool = OFFLINE_OPTION,
    offline_dir: Path | None = OFFLINE_DIR_OPTION,
) -> None:
    """Serve the profile's archive on 127.0.0.1 and record the like/dislike buttons of its report pages.

    Only the served pages can record feedback (each carries a token of this session); a paper no served report
    lists is looked up first (arXiv API, or --offline-dir) and refused when it cannot be found.
    """
    import tempfile
    from datetime import date

    from agent.cli.common import load_settings
    from agent.publish.serve import serve_site
    from agent.publish.site import build_site
    from agent.sources_factory import make_source

    prof, _ = load_settings(profile)

    def source():
        return make_source(offline=offline, offline_dir=offline_dir, data_dir=prof.data_dir, today=date.today(), max_retries=0)

    def ready(bound: int) -> None:
        err_console.print(f"serving {prof.name} on http://127.0.0.1:{bound}/ — Ctrl-C to stop", markup=False)

    with tempfile.TemporaryDirectory(prefix="arxiv-monitor-site-") as tmp:
        result = build_site(prof.name, (reports or prof.output_dir) / prof.name, Path(tmp))
        for problem in result.skipped:
            err_console.print(f"[yellow]skipped:[/] {escape(problem)}", soft_wrap=True)
        serve_site(Path(tmp), prof, port, source=source, on_ready=ready)
