"""The `arxiv-monitor` command line."""

from agent.cli.app import app, main

__all__ = ["app", "main"]
