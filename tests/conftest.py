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


@pytest.fixture
def profile_file(tmp_path):
    """The sample profile, writing its reports and data under the test's own directory."""
    text = (REPO / "profiles" / "sample.toml").read_text(encoding="utf-8")
    text = text.replace('output_dir = "reports"', f'output_dir = "{tmp_path / "reports"}"').replace(
        'data_dir = ".arxiv-monitor"', f'data_dir = "{tmp_path / "data"}"'
    )
    path = tmp_path / "sample.toml"
    path.write_text(text, encoding="utf-8")
    return path
