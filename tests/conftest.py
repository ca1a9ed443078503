"""Shared fixtures: isolated directories and environment for every test."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SAMPLE_DIR = REPO / "samples" / "offline"
FIXTURES = Path(__file__).resolve().parent / "fixtures"


@pytest.fixture(autouse=True)
def isolated_env(monkeypatch, tmp_path):
    """No test sees the developer's keys, .env or profile."""
    for name in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "ARXIV_MONITOR_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    import os

    for name in list(os.environ):
        if name.startswith("ARXIV_MONITOR_"):
            monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "user-cache"))  # the cross-process pacing file
    monkeypatch.chdir(tmp_path)
    yield


@pytest.fixture
def write_profile(tmp_path):
    def write(text: str, name: str = "p.toml") -> Path:
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        return path

    return write


MINIMAL_PROFILE = """
name = "t"
categories = ["cs.CL"]
keywords = ["retrieval"]
"""
