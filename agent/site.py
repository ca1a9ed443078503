"""A static archive of a profile's reports: an index by day with search in the browser, one page per day, an Atom feed."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import jinja2

from agent.delivery.links import day_page, normalise_base_url
from agent.render import TEMPLATES, render_html
from tools.errors import ConfigError
from tools.paper_cache import atomic_write_text

ATOM = "http://www.w3.org/2005/Atom"


@dataclass
class SiteResult:
    out_dir: Path
    days: list[str]


def load_reports(report_dir: Path) -> list[dict]:
    """Every day's report.json under <output_dir>/<profile>/, newest first; unreadable ones are skipped."""
    reports = []
    for path in sorted(report_dir.glob("*/report.json"), reverse=True):
        try:
            reports.append(json.loads(path.read_text(encoding="utf-8")))
        except (OSError, ValueError):
            continue
    return reports


def _rfc3339(text: str | None, day: str) -> str:
    """Atom wants a time zone: a naive run time is taken as local time."""
    try:
        moment = datetime.fromisoformat(text) if text else datetime.fromisoformat(f"{day}T00:00:00+00:00")
    except ValueError:
        moment = datetime.fromisoformat(f"{day}T00:00:00+00:00")
    return moment.astimezone().isoformat(timespec="seconds") if moment.tzinfo is None else moment.isoformat(timespec="seconds")


def atom_feed(profile: str, reports: list[dict], base_url: str) -> str:
    """One entry per day: its papers' titles, linked to the day's page."""
    ET.register_namespace("", ATOM)
    feed = ET.Element(f"{{{ATOM}}}feed")
    ET.SubElement(feed, f"{{{ATOM}}}title").text = f"arXiv 论文监控 · {profile}"
    ET.SubElement(feed, f"{{{ATOM}}}id").text = f"tag:arxiv-monitor,2026:{profile}"
    stamps = {r["date"]: _rfc3339(r.get("generated_at"), r["date"]) for r in reports}
    ET.SubElement(feed, f"{{{ATOM}}}updated").text = max(stamps.values(), default=datetime.now(timezone.utc).isoformat(timespec="seconds"))
    ET.SubElement(feed, f"{{{ATOM}}}link", href=f"{base_url}feed.xml", rel="self")
    ET.SubElement(feed, f"{{{ATOM}}}link", href=f"{base_url}index.html")
    author = ET.SubElement(feed, f"{{{ATOM}}}author")
    ET.SubElement(author, f"{{{ATOM}}}name").text = "arxiv-monitor"
    for r in reports:
        entry = ET.SubElement(feed, f"{{{ATOM}}}entry")
        ET.SubElement(entry, f"{{{ATOM}}}title").text = f"{r['date']}：{r['counts']['reported']} 篇论文"
        ET.SubElement(entry, f"{{{ATOM}}}id").text = f"tag:arxiv-monitor,2026:{profile}:{r['date']}"
        ET.SubElement(entry, f"{{{ATOM}}}updated").text = stamps[r["date"]]
        ET.SubElement(entry, f"{{{ATOM}}}link", href=f"{base_url}{day_page(r['date'])}")
        ET.SubElement(entry, f"{{{ATOM}}}summary").text = "；".join(p["title"] for p in r["papers"]) or "无相关论文"
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(feed, encoding="unicode") + "\n"


def search_index(reports: list[dict]) -> list[dict]:
    return [
        {"date": r["date"], "title": p["title"], "arxiv_id": p["arxiv_id"], "topics": p["relevance"].get("matched_topics", []),
         "url": f"{day_page(r['date'])}#paper-{i}"}
        for r in reports for i, p in enumerate(r["papers"], 1)
    ]


def build_site(profile: str, report_dir: Path, out_dir: Path, base_url: str = "") -> SiteResult:
    base_url = normalise_base_url(base_url)  # "https://host/arxiv" must not give "https://host/arxivfeed.xml"
    reports = load_reports(report_dir)
    if not reports:
        raise ConfigError(f"no reports under {report_dir}; run a day first")
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(TEMPLATES)), autoescape=True, undefined=jinja2.StrictUndefined)
    for r in reports:
        atomic_write_text(out_dir / day_page(r["date"]), render_html(r))  # the layout report_url points into (agent/delivery/links.py)
        atomic_write_text(out_dir / r["date"] / "report.json", json.dumps(r, ensure_ascii=False, indent=1) + "\n")
    index = env.get_template("site_index.html.j2").render(profile=profile, reports=reports,
                                                          search=json.dumps(search_index(reports), ensure_ascii=False))
    atomic_write_text(out_dir / "index.html", index)
    atomic_write_text(out_dir / "feed.xml", atom_feed(profile, reports, base_url))
    return SiteResult(out_dir, [r["date"] for r in reports])
