"""Choose where papers come from: arXiv, or a recorded offline directory."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from tools.polite_http import PoliteClient
from tools.sources import OfflineSource, OnlineSource, PaperSource

REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_OFFLINE_DIR = REPO_ROOT / "samples" / "offline"


def make_source(*, offline: bool, offline_dir: Path | None, data_dir: Path, today: date) -> PaperSource:
    """An explicit --offline-dir always wins; --offline without one uses the bundled sample day."""
    if offline_dir is not None or offline:
        return OfflineSource(offline_dir or DEFAULT_OFFLINE_DIR)
    return OnlineSource(PoliteClient(), data_dir / "pdfs", today=today)
