"""The report as each channel shows it: a short digest with a link to the full report, split to each platform's limits."""

from __future__ import annotations

import json
import re

from agent.writing.validators import strip_markers

# Size limits of one message, in UTF-8 bytes of the text (platform limits, with room for the envelope).
LIMITS = {"feishu": 18_000, "wecom": 4_000, "dingtalk": 18_000, "slack": 2_900, "webhook": 1_000_000}


def title(report: dict) -> str:
    y, m, d = report["date"].split("-")
    zh = report["profile"]["language"] == "zh"
    n = report["counts"]["reported"]
    if zh:
        return f"arXiv 论文监控 · {report['profile']['name']} · {int(y)}年{int(m)}月{int(d)}日（{n} 篇）"
    return f"arXiv monitor · {report['profile']['name']} · {report['date']} ({n} papers)"


def _gist(paper: dict, limit: int = 90) -> str:
    text = re.sub(r"\s+", " ", strip_markers(paper["analysis"]["summary"]["text"])).strip()
    return text if len(text) <= limit else text[: limit - 1] + "…"


# --- escaping: paper titles and gists are text from arXiv, never markup -------------------------

def escape_slack(text: str) -> str:
    """Slack mrkdwn: &, < and > are its control characters (links, <!channel>, <@user>); HTML-escaped they show as text."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


_MD_SPECIAL = re.compile(r"([\\`*_\[\]()~])")


def escape_markdown(text: str) -> str:
    """Feishu/Lark, WeCom and DingTalk Markdown: punctuation that makes links or emphasis is backslash-escaped, and < > become
    entities so tags such as <at id=all></at>, <font> or <a href> stay text."""
    return _MD_SPECIAL.sub(r"\\\1", text).replace("<", "&#60;").replace(">", "&#62;")


def _safe_url(url: str) -> str:
    """A URL that cannot end a Markdown or Slack link early."""
    return url.replace(" ", "%20").replace("(", "%28").replace(")", "%29").replace("<", "%3C").replace(">", "%3E").replace("|", "%7C")


def _link(platform: str, text: str, url: str) -> str:
    if platform == "slack":
        return f"<{_safe_url(url)}|{escape_slack(text)}>"
    return f"[{escape_markdown(text)}]({_safe_url(url)})"


def _text(platform: str, text: str) -> str:
    return escape_slack(text) if platform == "slack" else escape_markdown(text)


def digest_lines(report: dict, platform: str = "feishu") -> list[str]:
    """One line per paper in the platform's markup: number, linked title, score and a one-line gist."""
    zh = report["profile"]["language"] == "zh"
    lines = []
    for i, p in enumerate(report["papers"], 1):
        score = f"{p['relevance']['score']:g}/10"
        title_link, gist = _link(platform, p["title"], p["abs_url"]), _text(platform, _gist(p))
        lines.append(f"{i}. {title_link}（{score}）{gist}" if zh else f"{i}. {title_link} ({score}) {gist}")
    return lines


def no_hosted_report(report: dict) -> str:
    if report["profile"]["language"] == "zh":
        return "完整报告没有发布到网上（未设置 report_url），请在运行监控的机器上查看，或用 arxiv-monitor site 建站后设置 report_url。"
    return "The full report is not hosted anywhere (no report_url is set); see it on the machine that runs the monitor."


def late_note(report: dict, *, error: str | None, uncertain: bool) -> str:
    """The 补发 note on a message that goes out after its first attempt failed or was cut short."""
    zh = report["profile"]["language"] == "zh"
    day = report["date"]
    if error and len(error) > 100:  # the note must fit the room every part keeps for it
        error = error[:99] + "…"
    if zh:
        note = f"【补发】这是 {day} 的报告" + (f"，上次发送失败（{error}）" if error else "") + "，现在补发。"
        if uncertain:
            note += "上次发送在途中中断，无法确认是否已送达；如已收到，请忽略这一条。"
        return note
    note = f"[Late delivery] This is the report of {day}" + (f"; the last attempt failed ({error})" if error else "") + "."
    if uncertain:
        note += " The last attempt was cut off; if you already have it, ignore this one."
    return note


def header_line(report: dict) -> str:
    c = report["counts"]
    if report["profile"]["language"] == "zh":
        return f"公告 {c['announced']} → 候选 {c['candidates']} → 相关 {c['relevant']} → 报告 {c['reported']}；排除 {c['excluded']}，版本更新 {c['updates']}，读取失败 {c['failures']}"
    return f"announced {c['announced']} → candidates {c['candidates']} → relevant {c['relevant']} → reported {c['reported']}"


def chunks(lines: list[str], limit: int) -> list[list[str]]:
    """Lines grouped so each group's text stays within `limit` bytes; a single over-long line is cut."""
    groups: list[list[str]] = [[]]
    size = 0
    for line in lines:
        raw = line.encode("utf-8")
        if len(raw) > limit:
            line = raw[: limit - 4].decode("utf-8", errors="ignore") + "…"
            raw = line.encode("utf-8")
        if groups[-1] and size + len(raw) + 1 > limit:
            groups.append([])
            size = 0
        groups[-1].append(line)
        size += len(raw) + 1
    return groups


# Room kept in every part for a 补发 note, so a late message splits exactly as the first attempt did (a retry resumes by part number).
NOTE_ROOM = 700  # bytes: the longest note (a 100-character error, CJK, and the cut-short sentence) fits


def _parts(report: dict, link: str | None, platform: str) -> list[str]:
    """The digest text in as many parts as the platform's limit needs; the link (or word that there is none) closes the last one."""
    zh = report["profile"]["language"] == "zh"
    more = _link(platform, "完整报告" if zh else "Full report", link) if link else _text(platform, no_hosted_report(report))
    lines = [_text(platform, header_line(report)), *digest_lines(report, platform), more]
    return ["\n".join(group) for group in chunks(lines, LIMITS[platform] - NOTE_ROOM)]


def payloads(platform: str, report: dict, link: str | None, note: str | None = None) -> list[dict]:
    """The JSON bodies to post, in order (a long report becomes several messages); `note` heads every part."""
    head = title(report)
    if note:
        head = ("【补发】" if report["profile"]["language"] == "zh" else "[late] ") + head
    parts = _parts(report, link, platform)
    if note:
        parts = [f"{_text(platform, note)}\n{part}" for part in parts]
    total = len(parts)
    name = lambda i: head if total == 1 else f"{head} ({i}/{total})"  # noqa: E731
    if platform == "feishu":
        return [{"msg_type": "interactive", "card": {"header": {"title": {"tag": "plain_text", "content": name(i)}, "template": "blue"},
                                                     "elements": [{"tag": "markdown", "content": part}]}} for i, part in enumerate(parts, 1)]
    if platform == "wecom":
        return [{"msgtype": "markdown", "markdown": {"content": f"**{escape_markdown(name(i))}**\n{part}"}} for i, part in enumerate(parts, 1)]
    if platform == "dingtalk":
        return [{"msgtype": "markdown", "markdown": {"title": name(i), "text": f"### {escape_markdown(name(i))}\n{part}"}} for i, part in enumerate(parts, 1)]
    if platform == "slack":
        return [{"text": escape_slack(name(i)), "blocks": [{"type": "header", "text": {"type": "plain_text", "text": name(i)[:150]}},
                                                            {"type": "section", "text": {"type": "mrkdwn", "text": part}}]}
                for i, part in enumerate(parts, 1)]
    # A generic webhook gets data, not markup: the receiver escapes for wherever it shows it.
    papers = [{"arxiv_id": p["arxiv_id"], "title": p["title"], "score": p["relevance"]["score"], "reason": p["relevance"]["reason"],
               "abs_url": p["abs_url"]} for p in report["papers"]]
    return [{"profile": report["profile"]["name"], "date": report["date"], "title": head, "counts": report["counts"], "papers": papers,
             "report_url": link, "note": note}]


def body_bytes(payload: dict) -> bytes:
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
