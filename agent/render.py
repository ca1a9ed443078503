"""The report's renderers: the JSON contract drawn as Markdown and HTML by Jinja2 templates, and the files written."""

from __future__ import annotations

import json
import re
from pathlib import Path

import jinja2

from agent.state import PART_KEYS, PART_TITLES
from agent.validators import location
from tools.paper_cache import atomic_write_text

TEMPLATES = Path(__file__).resolve().parent / "templates"
_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>|])")


def md_escape(text: str) -> str:
    """Text from feeds and papers, safe inside Markdown: no accidental emphasis, links, HTML or headings."""
    text = " ".join(str(text).split())
    text = _MD_SPECIAL.sub(r"\\\1", text)
    text = re.sub(r"^(\d+)\.(\s)", r"\1\\.\2", text)  # "1. " would start a list
    return re.sub(r"^([#>+\-])(\s)", r"\\\1\2", text)


_NUMBERED_ID = re.compile(r"^(\d+|[IVXL]+|[A-Z])(\.[0-9A-Z]+)*$")


def cite_label(citation: dict, zh: bool = True) -> str:
    """"第3.1节, 第4页" / "摘要, 第1页" / "“Conclusion”部分, 第9页" for a citation record."""
    sid = citation["section_id"]
    return location(sid, citation["page"], numbered=bool(_NUMBERED_ID.match(sid)), title=citation.get("section_title", ""),
                    abstract=sid == "abstract", language="zh" if zh else "en")


def _environment(autoescape: bool) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES)),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        autoescape=autoescape,
        keep_trailing_newline=True,
    )
    env.filters["md"] = md_escape
    env.filters["cite_label"] = cite_label
    return env


def _labels(language: str) -> dict:
    return {"parts": PART_TITLES[language], "order": PART_KEYS}


def _date_zh(day: str) -> str:
    y, m, d = day.split("-")
    return f"{int(y)}年{int(m)}月{int(d)}日"


def render_markdown(report: dict) -> str:
    text = _environment(False).get_template("report.md.j2").render(r=report, labels=_labels(report["profile"]["language"]), date_zh=_date_zh(report["date"]))
    return re.sub(r"\n{3,}", "\n\n", text)


def render_html(report: dict) -> str:
    return _environment(True).get_template("report.html.j2").render(r=report, labels=_labels(report["profile"]["language"]), date_zh=_date_zh(report["date"]))


def render_paper_markdown(entry: dict, language: str = "zh", number: int = 1) -> str:
    """One paper's entry, as in the daily report (used by `investigate` /report)."""
    template = _environment(False).get_template("paper.md.j2")
    return template.render(p=entry, number=number, zh=language == "zh", labels=_labels(language))


def write_report_files(report: dict, out_dir: Path) -> dict[str, Path]:
    """report.md, report.html and report.json under out_dir, each written atomically."""
    paths = {"md": out_dir / "report.md", "html": out_dir / "report.html", "json": out_dir / "report.json"}
    atomic_write_text(paths["json"], json.dumps(report, ensure_ascii=False, indent=2) + "\n")
    atomic_write_text(paths["md"], render_markdown(report))
    atomic_write_text(paths["html"], render_html(report))
    return paths
