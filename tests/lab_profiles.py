"""The three lab profiles of the sample day, copied with their reports and data under a test's directory."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import REPO

LAB_DIR = REPO / "profiles" / "lab"
NAMES = ("lab-both", "lab-rag", "lab-reading")


def copy_lab_profiles(tmp_path: Path, *, data: str = "data", reports: str = "reports") -> Path:
    target = tmp_path / "lab-profiles"
    target.mkdir(parents=True, exist_ok=True)
    for src in sorted(LAB_DIR.glob("*.toml")):
        text = src.read_text(encoding="utf-8")
        text = text.replace('output_dir = "reports"', f'output_dir = "{tmp_path / reports}"').replace(
            'data_dir = ".arxiv-monitor"', f'data_dir = "{tmp_path / data}"')
        (target / src.name).write_text(text, encoding="utf-8")
    return target


def read_reports(reports: Path, day: str = "2026-11-20") -> dict[str, dict]:
    return {n: json.loads((reports / n / day / "report.json").read_text(encoding="utf-8"))
            for n in NAMES if (reports / n / day / "report.json").exists()}


def content(report: dict) -> list[tuple]:
    """What a report says about its papers: which, with whose verdict, and the analysis (not timings)."""
    return [(p["arxiv_id"], p["relevance"]["score"], json.dumps(p["analysis"], sort_keys=True, ensure_ascii=False))
            for p in report["papers"]]
