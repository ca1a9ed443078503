"""The report's renderers: the JSON contract drawn as Markdown and HTML by Jinja2 templates, and the files written."""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

import jinja2
from markupsafe import Markup, escape

from agent.state import PART_KEYS, PART_TITLES
from agent.writing.validators import CITATION_MARK, CITATION_MARK_EN, location
from agent.writing.writer import caption_name
from tools.errors import ConfigError
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
    """"第3.1节, 第4页" / "摘要, 第1页" / "“Conclusion”部分, 第9页" for a citation record ("第3.1节" without a page: HTML)."""
    sid = citation["section_id"]
    return location(sid, citation.get("page"), numbered=bool(_NUMBERED_ID.match(sid)), title=citation.get("section_title", ""),
                    abstract=sid == "abstract", language="zh" if zh else "en")


READ_FROM = {
    "zh": {"arxiv-html": "arXiv HTML（LaTeXML 结构）", "ar5iv": "ar5iv HTML（LaTeXML 结构）", "pdf": "PDF（按版面解析）"},
    "en": {"arxiv-html": "arXiv HTML (LaTeXML structure)", "ar5iv": "ar5iv HTML (LaTeXML structure)", "pdf": "PDF (layout analysis)"},
}


def read_from_name(kind: str, zh: bool = True) -> str:
    return READ_FROM["zh" if zh else "en"].get(kind, kind)


def _marker_url(match, before: str, citations: list[dict]) -> str | None:
    """The url of the citation an in-text marker "（见第3.1节, 第4页）" stands for.

    Among the citations of the marker's section and page, the one whose quote ends
    nearest before the marker (several quotes of one section share a marker text).
    """
    candidates = []
    for c in citations:
        same = (match["abs"] and c["section_id"] == "abstract") or (match["sec"] and match["sec"].strip() == c["section_id"]) or (
            match["title"] and match["title"] in (c.get("section_title"), c["section_id"]))
        if c.get("url") and same and (int(match["page"]) if match["page"] else None) == c.get("page"):
            tail = " ".join(c["quote"].split())[-40:]
            candidates.append((before.rfind(tail), c["url"]))
    return max(candidates, key=lambda x: x[0])[1] if candidates else None


def _link_markers(text: str, citations: list[dict], zh: bool, link, unescape) -> str:
    pattern = CITATION_MARK if zh else CITATION_MARK_EN

    def sub(m) -> str:
        url = _marker_url(m, unescape(text[: m.start()]), citations)
        return link(m.group(0), url) if url else m.group(0)

    return pattern.sub(sub, text)


def cited_md(item: dict, zh: bool = True) -> str:
    """A part's text with every in-text citation marker linked to where its quote stands."""
    return _link_markers(md_escape(item["text"]), item.get("citations", []), zh, lambda marker, url: f"[{marker}]({url})",
                         lambda text: text.replace("\\", ""))


def cited_html(item: dict, zh: bool = True) -> Markup:
    escaped = str(escape(item["text"]))
    return Markup(_link_markers(escaped, item.get("citations", []), zh,
                                lambda marker, url: f'<a class="cite" href="{escape(url)}">{marker}</a>', html.unescape))


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
    env.filters["cited_md"] = cited_md
    env.filters["cited_html"] = cited_html
    env.filters["read_from"] = read_from_name
    env.filters["caption_name"] = lambda label, zh=True: caption_name(label, "zh" if zh else "en")
    env.globals["check_badge"] = check_badge
    env.globals["stage_name"] = stage_name
    env.globals["verdict_names"] = VERDICT_NAMES_ZH
    env.globals["paper_parts"] = paper_parts
    return env


def paper_parts(p: dict, zh: bool = True) -> list[tuple[str, str]]:
    """(slot, heading) of a paper's parts in reading order: its kind's parts (papers[].parts), or the seed's six
    for a report written before kinds existed."""
    language = "zh" if zh else "en"
    if p.get("parts"):
        return [("summary", PART_TITLES[language]["summary"])] + [(x["slot"], x["zh"] if zh else x["en"]) for x in p["parts"]]
    return [(k, PART_TITLES[language][k]) for k in PART_KEYS]


_STAGE_NAMES = {
    "zh": {"llm": "模型判断", "user": "用户指定", "semantic": "语义模型", None: "词法规则"},
    "en": {"llm": "model", "user": "chosen by the user", "semantic": "semantic model", None: "lexical rules"},
}


def stage_name(stage: str, zh: bool = True) -> str:
    """Who decided a paper's relevance, as the report says it (lexical rules unless a model, the user or the semantic stage did)."""
    names = _STAGE_NAMES["zh" if zh else "en"]
    return names.get(stage, names[None])


VERDICT_NAMES_ZH = {"supported": "支持", "partial": "部分支持", "unsupported": "不支持"}


def check_badge(sc: dict, excerpts: bool, zh: bool = True) -> str:
    """What the self-check verified, in numbers: never a green badge for what was not checked."""
    quotes = f"{sc['quotes_verified']}/{sc['quotes_total']}"
    if sc["critic_used"]:
        claims = len(sc["claims"]) - sc["claims_removed"]
        if zh:
            text = f"自检：引文逐字核验 {quotes}（均为整句正文）；内容支持（模型核验）{sc['claims_supported']}/{claims}"
            text += f"，部分支持 {sc['claims_partial']}" if sc["claims_partial"] else ""
            text += f"；已删除 {sc['claims_removed']} 条未获原文支持的陈述" if sc["claims_removed"] else ""
        else:
            text = f"Self-check: quotes verified {quotes} (whole sentences of body text); claims supported (critic model) {sc['claims_supported']}/{claims}"
            text += f", partly {sc['claims_partial']}" if sc["claims_partial"] else ""
            text += f"; {sc['claims_removed']} unsupported claim(s) removed" if sc["claims_removed"] else ""
    elif excerpts:
        # The rule that picked the excerpts cannot also grade them: the badge says how they were chosen, not a score.
        text = (f"离线：引文逐字核验 {quotes}（均为整句正文）；摘录由规则按句子作用归入各部分，未做内容核验（没有模型）" if zh
                else f"Offline: quotes verified {quotes} (whole sentences of body text); excerpts placed by a sentence-role rule, no support check (no model)")
    else:
        text = (f"引文逐字核验 {quotes}（均为整句正文）；未做内容核验（评审角色没有可用的模型）" if zh
                else f"Quotes verified {quotes}; no support check (the critic role had no working model)")
    if sc["revisions"]:
        text += f"（修订 {sc['revisions']} 次）" if zh else f" ({sc['revisions']} revision(s))"
    return text


def _labels(language: str) -> dict:
    return {"parts": PART_TITLES[language], "order": PART_KEYS}


def _date_zh(day: str) -> str:
    y, m, d = day.split("-")
    return f"{int(y)}年{int(m)}月{int(d)}日"


def render_markdown(report: dict) -> str:
    text = _environment(False).get_template("report.md.j2").render(r=report, labels=_labels(report["profile"]["language"]), date_zh=_date_zh(report["date"]))
    return re.sub(r"\n{3,}", "\n\n", text)


def render_html(report: dict, index_link: str | None = None) -> str:
    """The report page; a page of the site (`index_link`) links back to the archive's index."""
    return _environment(True).get_template("report.html.j2").render(r=report, labels=_labels(report["profile"]["language"]),
                                                                    date_zh=_date_zh(report["date"]), index_link=index_link)


def render_paper_markdown(entry: dict, language: str = "zh", number: int = 1) -> str:
    """One paper's entry, as in the daily report (used by `investigate` /report)."""
    template = _environment(False).get_template("paper.md.j2")
    return template.render(p=entry, number=number, zh=language == "zh", labels=_labels(language))


def write_report_files(report: dict, out_dir: Path) -> dict[str, Path]:
    """report.md, report.html and report.json under out_dir, each written atomically."""
    paths = {"md": out_dir / "report.md", "html": out_dir / "report.html", "json": out_dir / "report.json"}
    blocking = next((p for p in (out_dir, *out_dir.parents) if p.exists() and not p.is_dir()), None)
    if blocking is not None:
        raise ConfigError(f"cannot write the report under {out_dir}: {blocking} is a file, not a directory (check --out or output_dir)")
    atomic_write_text(paths["json"], json.dumps(report, ensure_ascii=False, indent=2) + "\n")
    atomic_write_text(paths["md"], render_markdown(report))
    atomic_write_text(paths["html"], render_html(report))
    return paths
