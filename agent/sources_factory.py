"""Choose where papers come from: arXiv, or a recorded offline directory."""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path
from urllib.parse import urlsplit

from tools.arxiv_api import ArxivAPI
from tools.errors import ConfigError
from tools.polite_http import PoliteClient, SharedPacing, clean_partial_downloads, default_pacing_file
from tools.sources import OfflineSource, OnlineSource, PaperSource

REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_OFFLINE_DIR = REPO_ROOT / "samples" / "offline"


def arxiv_base() -> str | None:
    """ARXIV_MONITOR_ARXIV_BASE=http://host:port sends every arXiv request to a mirror or a test server.

    Paths keep arXiv's: /rss/, /api/query, /pdf/<id>, /html/<id>; ar5iv's /html/<id> becomes /ar5iv/html/<id>.
    """
    base = os.environ.get("ARXIV_MONITOR_ARXIV_BASE", "").strip().rstrip("/")
    if base and not urlsplit(base).hostname:
        raise ConfigError(f"ARXIV_MONITOR_ARXIV_BASE={base!r} is not a URL like http://host:port")
    return base or None


def make_source(*, offline: bool, offline_dir: Path | None, data_dir: Path, today: date, max_retries: int = 4,
                pacing=None) -> PaperSource:
    """An explicit --offline-dir always wins; --offline without one uses the bundled sample day.

    Online, every process on the machine shares one pacing file, so arXiv sees at
    most one request per 3 s from this machine, whatever runs at the same time.
    `max_retries` is lower for interactive lookups, where a quick "not found" beats a minute of backoff.
    `pacing` replaces the pacing file, e.g. with the database's when workers on several machines share arXiv's limit.
    """
    if offline_dir is not None or offline:
        return OfflineSource(offline_dir or DEFAULT_OFFLINE_DIR)
    pdf_dir = data_dir / "pdfs"
    pdf_dir.mkdir(parents=True, exist_ok=True)
    clean_partial_downloads(pdf_dir)
    base = arxiv_base()
    if base is None:
        return OnlineSource(PoliteClient(shared_pacing=pacing or SharedPacing(default_pacing_file()), max_retries=max_retries), pdf_dir, today=today)
    # A mirror or a test server may allow faster pacing and shorter timeouts; arXiv itself always gets 3 s and 30 s.
    interval = float(os.environ.get("ARXIV_MONITOR_ARXIV_INTERVAL") or 3.0)
    timeout = float(os.environ.get("ARXIV_MONITOR_ARXIV_TIMEOUT") or 30.0)
    http = PoliteClient(min_interval=interval, backoff_base=interval, timeout=timeout, shared_pacing=pacing or SharedPacing(default_pacing_file()),
                        allowed_hosts={urlsplit(base).hostname}, max_retries=max_retries)
    return OnlineSource(http, pdf_dir, today=today, api=ArxivAPI(http, url_format=base + "/api/query?{}"),
                        rss_url=base + "/rss/{}", pdf_url=base + "/pdf/{}", html_url=base + "/html/{}", ar5iv_url=base + "/ar5iv/html/{}")
