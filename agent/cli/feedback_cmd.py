"""`arxiv-monitor feedback` and `arxiv-monitor serve`: a reader's like or dislike, from the terminal or from the report page."""

from __future__ import annotations

from pathlib import Path

import typer

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
    from agent.sources_factory import make_source
    from tools.arxiv_ids import parse_arxiv_id
    from tools.errors import ConfigError, MonitorError
    from tools.stores import database_url, open_store

    if like == dislike:
        raise ConfigError("give exactly one of --like or --dislike")
    prof, _ = load_settings(profile)
    ledger = open_store(database_url(prof.database), prof.data_dir)  # the lab's PostgreSQL when one is configured
    pid = parse_arxiv_id(arxiv_id)
    base = pid.base
    try:
        ledger.record_feedback(prof.name, base, "like" if like else "dislike")
        meta = ledger.latest_meta(prof.name, base)
        if meta is None:
            try:
                source = make_source(offline=offline, offline_dir=offline_dir, data_dir=prof.data_dir, today=date.today(), max_retries=0)
                meta = next(iter(source.lookup([pid]).values()), None)
            except MonitorError as exc:
                err_console.print(f"could not look {base} up: {exc}", markup=False)
            if meta is not None:
                ledger.observe(prof.name, [meta], date.today())
    finally:
        ledger.close()
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
) -> None:
    """Serve the profile's archive on 127.0.0.1 and record the like/dislike buttons of its report pages."""
    import tempfile

    from agent.cli.common import load_settings
    from agent.serve import serve_site
    from agent.site import build_site

    prof, _ = load_settings(profile)
    with tempfile.TemporaryDirectory(prefix="arxiv-monitor-site-") as tmp:
        build_site(prof.name, (reports or prof.output_dir) / prof.name, Path(tmp))
        err_console.print(f"serving {prof.name} on http://127.0.0.1:{port}/ — Ctrl-C to stop", markup=False)
        serve_site(Path(tmp), prof, port)
