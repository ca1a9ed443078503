"""The report as each channel shows it: a short digest with a link to the full report, split to each platform's limits."""

from __future__ import annotations

import json
import re

from agent.validators import strip_markers

# Size limits of one message, in UTF-8 bytes of the text (platform limits, with room for the envelope).
LIMITS = {"feishu": 18_000, "wecom": 4_000, "dingtalk": 18_000, "slack": 2_900, "webhook": 1_000_000}


def title(report: dict) -> str:
    y, m, d = report["date"].split("-")
    zh = report["profile"]["language"] == "zh"
    n = report["counts"]["reported"]
    if zh:
        return f"arXiv 论文监控 · {report['profile']['name']} · {int(y)}年{int(m)}月{int(d)}日（{n} 篇）"
    return f"arXiv monitor · {report['profile']['name']} · {report['date']} ({n} papers)"


def report_link(report: dict, template: str | None, fallback: str) -> str:
    return template.format(profile=report["profile"]["name"], date=report["date"]) if template else fallback


def _gist(paper: dict, limit: int = 90) -> str:
    text = re.sub(r"\s+", " ", strip_markers(paper["analysis"]["summary"]["text"])).strip()
    return text if len(text) <= limit else text[: limit - 1] + "…"


def digest_lines(report: dict) -> list[str]:
    """One Markdown line per paper: number, linked title, score and a one-line gist."""
    zh = report["profile"]["language"] == "zh"
    lines = []
    for i, p in enumerate(report["papers"], 1):
        score = f"{p['relevance']['score']:g}/10"
        lines.append(f"{i}. [{p['title']}]({p['abs_url']})（{score}）{_gist(p)}" if zh else f"{i}. [{p['title']}]({p['abs_url']}) ({score}) {_gist(p)}")
    return lines


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


def _parts(report: dict, link: str, platform: str) -> list[str]:
    """The digest text in as many parts as the platform's limit needs; the link closes the last one."""
    zh = report["profile"]["language"] == "zh"
    more = f"[{'完整报告' if zh else 'Full report'}]({link})"
    lines = [header_line(report), *digest_lines(report), more]
    return ["\n".join(group) for group in chunks(lines, LIMITS[platform])]


def _slack_mrkdwn(text: str) -> str:
    return re.sub(r"\[([^\]]+)\]\(([^)]+)\)", r"<\2|\1>", text)


def payloads(platform: str, report: dict, link: str) -> list[dict]:
    """The JSON bodies to post, in order (a long report becomes several messages)."""
    head = title(report)
    parts = _parts(report, link, platform)
    total = len(parts)
    name = lambda i: head if total == 1 else f"{head} ({i}/{total})"  # noqa: E731
    if platform == "feishu":
        return [{"msg_type": "interactive", "card": {"header": {"title": {"tag": "plain_text", "content": name(i)}, "template": "blue"},
                                                     "elements": [{"tag": "markdown", "content": part}]}} for i, part in enumerate(parts, 1)]
    if platform == "wecom":
        return [{"msgtype": "markdown", "markdown": {"content": f"**{name(i)}**\n{part}"}} for i, part in enumerate(parts, 1)]
    if platform == "dingtalk":
        return [{"msgtype": "markdown", "markdown": {"title": name(i), "text": f"### {name(i)}\n{part}"}} for i, part in enumerate(parts, 1)]
    if platform == "slack":
        return [{"text": name(i), "blocks": [{"type": "header", "text": {"type": "plain_text", "text": name(i)[:150]}},
                                               {"type": "section", "text": {"type": "mrkdwn", "text": _slack_mrkdwn(part)}}]}
                for i, part in enumerate(parts, 1)]
    papers = [{"arxiv_id": p["arxiv_id"], "title": p["title"], "score": p["relevance"]["score"], "reason": p["relevance"]["reason"],
               "abs_url": p["abs_url"]} for p in report["papers"]]
    return [{"profile": report["profile"]["name"], "date": report["date"], "title": head, "counts": report["counts"], "papers": papers,
             "report_url": link}]


def body_bytes(payload: dict) -> bytes:
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
