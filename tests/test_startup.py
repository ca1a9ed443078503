"""The command line answers at once: `--help`, any subcommand's help, a typo and `doctor` import no heavy library."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.conftest import REPO

HEAVY = ("langgraph", "langchain_core", "langchain_openai", "openai", "pymupdf", "fitz", "evals.harness", "arxiv", "httpx")
PROBE = """
import json, sys
from typer.testing import CliRunner
from agent.cli import app
result = CliRunner().invoke(app, sys.argv[1:])
loaded = sorted({m.split('.')[0] if not m.startswith('evals.') else m for m in sys.modules})
print(json.dumps({"code": result.exit_code, "output": result.output, "loaded": loaded}))
"""


def run_cli(*args: str) -> dict:
    out = subprocess.run([sys.executable, "-c", PROBE, *args], cwd=REPO, capture_output=True, text=True, timeout=60, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("args", [
    ["--help"], ["run", "--help"], ["investigate", "--help"], ["sections", "--help"], ["eval", "--help"], ["doctor", "--help"],
    ["schedule", "--help"], ["rnu"], ["doctor", "-p", "profiles/sample.toml"],
])
def test_start_up_imports_no_heavy_library(args):
    result = run_cli(*args)
    heavy = [m for m in HEAVY if m in result["loaded"]]
    assert heavy == [], (args, heavy)
    if args == ["rnu"]:
        assert result["code"] == 2 and "No such command" in result["output"]
    elif args[0] == "doctor" and "--help" not in args:
        assert result["code"] == 0 and "token encoding" in result["output"] and "offline" in result["output"]
    else:
        assert result["code"] == 0 and "Usage" in result["output"]


def test_a_real_command_still_loads_what_it_needs():
    """The lazy imports are real imports: `sections` parses a PDF (PyMuPDF) when it runs."""
    result = run_cli("sections", "samples/offline/2002.08909v1.pdf", "--json", "--data-dir", "/tmp/arxiv-monitor-startup-test")
    assert result["code"] == 0 and "pymupdf" in result["loaded"]
    assert json.loads(result["output"])[0]["id"] == "abstract"
