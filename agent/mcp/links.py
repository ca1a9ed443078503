"""Links to a place in a paper, made in one place.

A citation or section that already carries its own `url` (the HTML reader gives
anchors) keeps it; otherwise the link is the arXiv PDF of that exact version
opened at the page, or the local file at the page.
"""

from __future__ import annotations

from pathlib import Path

from tools.arxiv_ids import parse_arxiv_id


def page_url(arxiv_id: str | None, source: str | Path | None, page: int | None) -> str | None:
    """https://arxiv.org/pdf/<id>v<n>#page=<n> for a versioned arXiv id, else file:///...#page=<n> for a local file (no #page without one)."""
    at = f"#page={page}" if page else ""
    if arxiv_id:
        pid = parse_arxiv_id(arxiv_id)
        if pid.versioned:
            return f"{pid.pdf_url}{at}"
    if source:
        path = Path(source)
        if path.is_absolute() or path.exists():
            return f"{path.resolve().as_uri()}{at}"
    return None


def url_of(item, arxiv_id: str | None, source: str | Path | None, page: int | None) -> str | None:
    """The item's own url when the reader gave it one, else the page link."""
    return getattr(item, "url", None) or page_url(arxiv_id, source, page)
