"""A static archive of a profile's reports: an index by day with search in the browser, one page per day, an Atom feed."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from pathlib import Path

import jinja2
from markupsafe import Markup

from agent.delivery.links import day_page, normalise_base_url
from agent.publish.render import TEMPLATES, render_html
from tools.errors import ConfigError
from tools.paper_cache import atomic_write_text

ATOM = "http://www.w3.org/2005/Atom"


@dataclass
class SiteResult:
    out_dir: Path
    days: list[str]
    skipped: list[str] = field(default_factory=list)  # report files that could not be read, each "<path>: why; what to do"


REPORT_KEYS = ("date", "papers", "counts", "profile", "mode")


def _check_report(report) -> None:
    if not isinstance(report, dict):
        raise ValueError(f"a JSON {type(report).__name__}, not a report object")
    missing = [k for k in REPORT_KEYS if k not in report]
    if missing:
        raise ValueError(f"no {', '.join(missing)}")
    date.fromisoformat(str(report["date"]))


def load_reports(report_dir: Path, skipped: list[str] | None = None) -> list[dict]:
    """Every day's report.json under <output_dir>/<profile>/, newest first; unreadable ones are skipped (and listed)."""
    reports = []
    for path in sorted(report_dir.glob("*/report.json"), reverse=True):
        try:
            report = json.loads(path.read_text(encoding="utf-8"))
            _check_report(report)
            reports.append(report)
        except (OSError, ValueError) as exc:
            if skipped is not None:
                skipped.append(_skip_note(path, exc))
    return reports


def _skip_note(path: Path, exc: Exception) -> str:
    return (f"{path}: not a readable report ({str(exc).splitlines()[0] if str(exc) else type(exc).__name__}); "
            f"run that day again (arxiv-monitor run --date {path.parent.name}) or move the file away")


def search_json(entries: list[dict]) -> Markup:
    """The search index as JSON inside <script>: never entity-escaped (JSON.parse must read it) and unable to close the tag."""
    text = json.dumps(entries, ensure_ascii=False)
    return Markup(text.replace("&", "\\u0026").replace("<", "\\u003c").replace(">", "\\u003e"))


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
    skipped: list[str] = []
    loaded = load_reports(report_dir, skipped)
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(TEMPLATES)), autoescape=True, undefined=jinja2.StrictUndefined)
    reports, pages = [], {}
    for r in loaded:
        try:
            page = render_html(r, index_link="../index.html")
            # What the index, its search and the feed read of the day: a report lacking any of it is left out here.
            env.get_template("site_index.html.j2").render(profile=profile, reports=[r], search=search_json(search_index([r])))
            atom_feed(profile, [r], base_url)
            atomic_write_text(out_dir / r["date"] / "report.json", json.dumps(r, ensure_ascii=False, indent=1) + "\n")
        except (KeyError, TypeError, AttributeError, ValueError, jinja2.TemplateError) as exc:
            # A report.json written by hand or by another version: that day is left out, the site is still built.
            skipped.append(_skip_note(report_dir / str(r.get("date")) / "report.json", exc))
            continue
        pages[r["date"]] = page
        reports.append(r)
    if not reports:
        why = f" that can be read ({len(skipped)} skipped: {skipped[0]})" if skipped else ""
        raise ConfigError(f"no reports under {report_dir}{why}; run a day first")
    for day, page in pages.items():
        atomic_write_text(out_dir / day_page(day), page)  # the layout report_url points into (agent/delivery/links.py)
    index = env.get_template("site_index.html.j2").render(profile=profile, reports=reports, search=search_json(search_index(reports)))
    atomic_write_text(out_dir / "index.html", index)
    atomic_write_text(out_dir / "feed.xml", atom_feed(profile, reports, base_url))
    return SiteResult(out_dir, [r["date"] for r in reports], skipped)
