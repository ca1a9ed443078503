"""`arxiv-monitor investigate`: question one paper, interactively or in one shot."""

from __future__ import annotations

from pathlib import Path

import typer

from agent.cli.app import app
from agent.cli.common import OFFLINE_DIR_OPTION, OFFLINE_OPTION, PROFILE_OPTION
from tools.errors import ConfigError


@app.command()
def investigate(
    paper: str | None = typer.Argument(None, help="A PDF file or arXiv id (e.g. 2002.08909v1). Optional when resuming with --session."),
    session: str | None = typer.Option(None, "--session", "-s", help="Name of a conversation to keep (and resume later with the same name)."),
    ask: str | None = typer.Option(None, "--ask", help="Ask one question, print the answer with its citations, and exit."),
    as_json: bool = typer.Option(False, "--json", help='With --ask: print only {"answer", "citations": [{"section_id", "page", "quote", "sentence_ids", "kind", "label"}]}.'),
    profile: Path = PROFILE_OPTION,
    offline: bool = OFFLINE_OPTION,
    offline_dir: Path | None = OFFLINE_DIR_OPTION,
) -> None:
    """Question one paper in Chinese or English; answers cite the paper's own sections (见第3.1节, 第4页)."""
    if as_json and ask is None:
        raise ConfigError("--json goes with --ask")
    from agent.cli.investigate_ui import run_investigate  # the session's machinery: only when a session starts

    run_investigate(paper, session, ask, as_json, profile, offline, offline_dir)
