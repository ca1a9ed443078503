"""Typer application, global options and error handling."""

from __future__ import annotations

import logging
import sys
from importlib.metadata import PackageNotFoundError, version

import typer
from rich.console import Console
from rich.logging import RichHandler
from rich.markup import escape

from tools.errors import MonitorError

app = typer.Typer(
    name="arxiv-monitor",
    help="Watch arXiv for a research group and write a verified Chinese daily report.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)

# Progress and messages go to stderr so stdout stays clean for --json output.
err_console = Console(stderr=True, highlight=False)
out_console = Console(highlight=False)


def _version_callback(value: bool) -> None:
    if value:
        try:
            typer.echo(f"arxiv-monitor {version('arxiv-monitor')}")
        except PackageNotFoundError:
            typer.echo("arxiv-monitor (not installed)")
        raise typer.Exit()


def configure_logging(verbosity: int) -> None:
    level = logging.WARNING if verbosity == 0 else logging.INFO if verbosity == 1 else logging.DEBUG
    logging.basicConfig(
        level=level,
        format="%(name)s: %(message)s",
        handlers=[RichHandler(console=err_console, show_time=False, show_path=False)],
        force=True,
    )
    # Client libraries log request details (headers may hold keys) at DEBUG.
    for noisy in ("httpx", "httpcore", "openai", "urllib3", "arxiv"):
        logging.getLogger(noisy).setLevel(max(level, logging.INFO if verbosity > 2 else logging.WARNING))


@app.callback()
def root(
    verbose: int = typer.Option(0, "--verbose", "-v", count=True, help="More detail on stderr: -v for steps, -vv for debugging."),
    show_version: bool = typer.Option(False, "--version", callback=_version_callback, is_eager=True, help="Print the version and exit."),
) -> None:
    """Watch arXiv for a research group and write a verified Chinese daily report."""
    configure_logging(verbose)


def fail(message: str, code: int = 2) -> typer.Exit:
    err_console.print(f"[bold red]error:[/] {escape(message)}", highlight=False, soft_wrap=True)
    return typer.Exit(code)


# Register the subcommands (each module adds itself to `app`).
from agent.cli import (  # noqa: E402,F401
    deliver_cmd,
    doctor_cmd,
    eval_cmd,
    feedback_cmd,
    investigate_cmd,
    mcp_cmd,
    run_cmd,
    schedule_cmd,
    sections_cmd,
    site_cmd,
)


def main() -> None:
    try:
        app()
    except MonitorError as exc:
        # Messages quote file names, titles and feed text: printed literally, never as console markup.
        err_console.print(f"[bold red]error:[/] {escape(str(exc))}", highlight=False, soft_wrap=True)
        sys.exit(2)
    except OSError as exc:
        # A full disk, a read-only folder, a busy port: one line naming the path and what to do, not a traceback.
        from tools.resource_errors import describe_os_error

        err_console.print(f"[bold red]error:[/] {escape(describe_os_error(exc))}", highlight=False, soft_wrap=True)
        sys.exit(2)
    except KeyboardInterrupt:
        err_console.print("interrupted; finished work is checkpointed and the next run resumes it")
        sys.exit(130)
