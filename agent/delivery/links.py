"""Where a day's report lives on the web: one layout for `site` and for the links in messages."""

from __future__ import annotations


def normalise_base_url(url: str | None) -> str:
    """A base URL that relative paths can follow: "https://host/arxiv" and "https://host/arxiv/" both give the latter."""
    url = (url or "").strip()
    return url if not url or url.endswith("/") else url + "/"


def day_page(day: str) -> str:
    """A day's page inside a site built by `arxiv-monitor site` (relative to the site's root)."""
    return f"{day}/index.html"


def hosted_report_url(report_url: str | None, profile: str, day: str) -> str | None:
    """The day's report on the web, or None when none is configured.

    `report_url` is either the site's base URL (where `site --out` is served: the day's page is
    <base>/<date>/index.html, the layout `site` writes) or a pattern with {profile} and {date}.
    """
    if not report_url or not report_url.strip():
        return None
    if "{" in report_url:
        return report_url.strip().format(profile=profile, date=day)
    return normalise_base_url(report_url) + day_page(day)
