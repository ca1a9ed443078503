"""Helpers for the MCP tests: start `arxiv-monitor mcp` with the SDK's own client, and check quotes against the PDF itself."""

from __future__ import annotations

import json
import shutil
import sys
from functools import cache
from pathlib import Path

import pymupdf
from mcp.client.stdio import StdioServerParameters

from agent.publish.render import write_report_files
from tests.conftest import FIXTURES, REPO
from tools.citation_markers import verification_key


def arxiv_monitor() -> str:
    """The installed console script, as an MCP client configuration names it."""
    script = Path(sys.executable).parent / "arxiv-monitor"
    return str(script) if script.exists() else shutil.which("arxiv-monitor") or "arxiv-monitor"


def sample_profile(tmp: Path) -> Path:
    """The sample profile writing under tmp, with the bundled sample day's report already written."""
    text = (REPO / "profiles" / "sample.toml").read_text(encoding="utf-8")
    text = text.replace('output_dir = "reports"', f'output_dir = "{tmp / "reports"}"').replace(
        'data_dir = ".arxiv-monitor"', f'data_dir = "{tmp / "data"}"')
    path = tmp / "sample.toml"
    path.write_text(text, encoding="utf-8")
    # The day's files as `arxiv-monitor run` writes them (the recorded report predates the delivery_failures field).
    report = json.loads((FIXTURES / "report-sample.json").read_text(encoding="utf-8"))
    write_report_files({"delivery_failures": [], **report}, tmp / "reports" / "sample" / report["date"])
    return path


def server_params(tmp: Path, *args: str, env: dict[str, str] | None = None) -> StdioServerParameters:
    # The client passes on only a minimal environment: no keys, and our own pacing file.
    return StdioServerParameters(command=arxiv_monitor(), args=["mcp", *args], cwd=str(tmp),
                                 env={"XDG_CACHE_HOME": str(tmp / "user-cache"), **(env or {})})


@cache
def _pages(pdf: str) -> tuple[str, ...]:
    with pymupdf.open(pdf) as doc:
        return tuple(verification_key(page.get_text()) for page in doc)


def on_page(pdf: Path | str, page: int, quote: str) -> bool:
    """The quote stands on that page of the PDF, read here straight from PyMuPDF and not through the parser.

    Letters only, citation markers left out on both sides (a quote holds none): tools/citation_markers.py.
    """
    pages = _pages(str(pdf))
    return 1 <= page <= len(pages) and verification_key(quote) in pages[page - 1]
