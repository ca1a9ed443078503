"""A written report folder for delivery tests: the bundled sample report, its papers repeated when a test needs a long message."""

from __future__ import annotations

import json
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def write_report(tmp_path: Path, day: str | None = None, copies: int = 1, reports: str = "reports") -> tuple[dict, dict[str, Path]]:
    """The sample report for `day` (default: its own date), its papers repeated `copies` times (so Slack needs several messages),
    written where a profile whose output_dir is `tmp_path / reports` finds it."""
    report = json.loads((REPO / "tests" / "fixtures" / "report-sample.json").read_text(encoding="utf-8"))
    report["date"], report["papers"] = day or report["date"], report["papers"] * copies
    folder = tmp_path / reports / "sample" / report["date"]
    folder.mkdir(parents=True)
    paths = {kind: folder / f"report.{kind}" for kind in ("md", "html", "json")}
    paths["json"].write_text(json.dumps(report, ensure_ascii=False), encoding="utf-8")
    paths["md"].write_text("# report\n", encoding="utf-8")
    paths["html"].write_text("<html><body><h1>report</h1></body></html>", encoding="utf-8")
    return report, paths
