"""`arxiv-monitor mcp`: serve the reader and the reports to MCP clients (Claude Desktop, Cursor, Cherry Studio, ...)."""

from __future__ import annotations

import logging
import os
from pathlib import Path

import typer

from agent.cli.app import app, err_console
from agent.cli.common import OFFLINE_DIR_OPTION, OFFLINE_OPTION, PROFILE_OPTION
from tools.errors import ConfigError


@app.command()
def mcp(
    http: int | None = typer.Option(None, "--http", metavar="PORT", help="Serve streamable HTTP on http://127.0.0.1:PORT/mcp instead of stdio."),
    profile: Path = PROFILE_OPTION,
    offline: bool = OFFLINE_OPTION,
    offline_dir: Path | None = OFFLINE_DIR_OPTION,
    workdir: Path | None = typer.Option(None, "--workdir", help="Work from this folder: the profile and its relative output_dir/data_dir are found there "
                                        "(MCP clients often start servers in / or their own folder)."),
) -> None:
    """Run a Model Context Protocol server over stdio (default) or HTTP on 127.0.0.1.

    Tools: paper_sections, read_section, search_paper, ask_paper (cited answers), daily_report, candidates, feedback.
    stdout carries only protocol messages; logs go to stderr (-v for more).
    """
    if workdir is not None:
        if not workdir.is_dir():
            raise ConfigError(f"--workdir {workdir} is not a folder")
        os.chdir(workdir)
    if http is not None and not 1 <= http <= 65535:
        raise ConfigError(f"--http {http} is not a port number (1-65535)")
    from agent.mcp.server import ServerSettings, build_server  # the SDK and the reader: only when the server starts

    server = build_server(ServerSettings(profile=profile, offline=offline, offline_dir=offline_dir))
    if http is None:
        server.run("stdio")
        return
    import uvicorn

    # Loopback only: the tools read local files and write the profile's ledger. The SDK's app checks the Host
    # header against 127.0.0.1, so a web page cannot reach it by DNS rebinding.
    app_ = server.streamable_http_app(host="127.0.0.1")
    # log_config=None: uvicorn logs through our handler on stderr (its default prints access lines on stdout).
    config = uvicorn.Config(app_, host="127.0.0.1", port=http, log_config=None, log_level=logging.getLogger().level)
    err_console.print(f"arxiv-monitor MCP server on http://127.0.0.1:{http}/mcp — Ctrl-C to stop", markup=False)
    try:
        uvicorn.Server(config).run()
    except KeyboardInterrupt:
        pass
