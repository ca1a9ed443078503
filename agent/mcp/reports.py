"""The profile side of the server: a day's report, its judged candidates, and a reader's like or dislike.

Reports are read from what `arxiv-monitor run` wrote (<output_dir>/<profile>/<date>/report.json), so the
client sees exactly the day's report; nothing here starts a run.
"""

from __future__ import annotations

import json
from datetime import date as Date
from pathlib import Path

import jinja2

from agent import feedback
from agent.config import Profile
from agent.mcp.models import Candidate, Candidates, DailyReport, FeedbackResult, ReportPaper
from agent.publish.render import render_markdown
from tools.arxiv_ids import parse_arxiv_id
from tools.errors import ConfigError, MonitorError
from tools.sources import PaperSource
from tools.stores import database_url, open_store


def report_days(profile: Profile) -> list[str]:
    """Days with a full or judge-only report, newest first."""
    folder = profile.output_dir / profile.name
    if not folder.is_dir():
        return []
    days = {p.parent.name for p in folder.glob("*/report.json")} | {p.parent.parent.name for p in folder.glob("*/judge-only/report.json")}
    return sorted((d for d in days if _is_day(d)), reverse=True)


def _is_day(text: str) -> bool:
    try:
        Date.fromisoformat(text)
    except ValueError:
        return False
    return True


def _day(profile: Profile, day: str) -> str:
    """The requested day as YYYY-MM-DD; empty or "latest" is the newest day with a report."""
    text = day.strip().lower()
    if text in ("", "latest"):
        days = report_days(profile)
        if not days:
            raise ConfigError(f"profile {profile.name} has no reports under {profile.output_dir / profile.name} yet; "
                              f"write one with: arxiv-monitor run --profile PROFILE")
        return days[0]
    try:
        return Date.fromisoformat(text).isoformat()
    except ValueError:
        raise ConfigError(f"the date {day!r} is not a day like 2026-11-20 (or leave it empty for the latest report)") from None


def _read(path: Path) -> dict:
    try:
        report = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ConfigError(f"{path} cannot be read ({exc}); run that day again with --fresh") from None
    if not isinstance(report, dict) or not isinstance(report.get("date"), str):
        raise ConfigError(f"{path} is not an arxiv-monitor report; run that day again with --fresh")
    return report


def load_report(profile: Profile, day: str, *, judge_only_too: bool = False) -> tuple[dict, Path]:
    """(report, its folder) for the day; a judge-only report stands in only where asked for."""
    wanted = _day(profile, day)
    folder = profile.output_dir / profile.name / wanted
    if (folder / "report.json").is_file():
        return _read(folder / "report.json"), folder
    if judge_only_too and (folder / "judge-only" / "report.json").is_file():
        return _read(folder / "judge-only" / "report.json"), folder / "judge-only"
    known = ", ".join(report_days(profile)[:10]) or "none yet"
    raise ConfigError(f"profile {profile.name} has no report for {wanted} (days with a report: {known}); "
                      f"write it with: arxiv-monitor run --profile PROFILE --date {wanted}")


def _markdown(report: dict, folder: Path) -> str:
    """The report.md the run wrote, as the reader got it; rendered again only when it is missing."""
    try:
        return (folder / "report.md").read_text(encoding="utf-8")
    except FileNotFoundError:
        pass
    try:
        return render_markdown(report)
    except jinja2.TemplateError as exc:  # a report.json from an older version may lack what today's template shows
        raise ConfigError(f"{folder / 'report.json'} was written by an older version and cannot be shown ({exc}); "
                          f"run that day again with --fresh") from None


def daily_report(profile: Profile, day: str) -> DailyReport:
    report, folder = load_report(profile, day)
    papers = [
        ReportPaper(arxiv_id=p["arxiv_id"], title=p.get("title", ""), score=(p.get("relevance") or {}).get("score"),
                    reason=(p.get("relevance") or {}).get("reason"), abs_url=p.get("abs_url"), pdf_url=p.get("pdf_url"),
                    citations=len(p.get("citations") or []))
        for p in report.get("papers", [])
    ]
    others = [d for d in report_days(profile) if d != report["date"]][:30]
    return DailyReport(profile=profile.name, date=report["date"], markdown=_markdown(report, folder), papers=papers, other_dates=others)


def candidates(profile: Profile, day: str) -> Candidates:
    """Every paper the judge scored that day, best first: the reported ones, then near misses and exclusions."""
    report, folder = load_report(profile, day, judge_only_too=True)
    judge_only = folder.name == "judge-only"
    rows: dict[str, Candidate] = {}
    for p in report.get("papers", []):
        rel = p.get("relevance") or {}
        rows[p["arxiv_id"]] = Candidate(arxiv_id=p["arxiv_id"], title=p.get("title", ""), score=rel.get("score"), stage=rel.get("stage"),
                                        reason=rel.get("reason"), selected=not judge_only)
    for key in ("near_misses", "excluded"):
        for e in report.get(key) or []:
            rows.setdefault(e["arxiv_id"], Candidate(arxiv_id=e["arxiv_id"], title=e.get("title", ""), score=e.get("score"),
                                                     stage=e.get("stage"), reason=e.get("reason"), selected=False))
    ordered = sorted(rows.values(), key=lambda c: (-(c.score if c.score is not None else -1), c.arxiv_id))
    threshold = (report.get("profile") or {}).get("relevance_threshold")
    return Candidates(profile=profile.name, date=report["date"], threshold=threshold, judge_only=judge_only, candidates=ordered)


def record_feedback(profile: Profile, paper: str, value: str, source: PaperSource | None) -> FeedbackResult:
    """As `arxiv-monitor feedback` (the same agent.feedback): the store keeps the word, and a paper the profile never saw is looked up."""
    if value not in ("like", "dislike"):
        raise ConfigError(f"feedback is like or dislike, not {value!r}")
    pid = parse_arxiv_id(paper)

    def paper_source() -> PaperSource:
        if source is None:
            raise MonitorError("no paper source to look it up in")
        return source

    ledger = open_store(database_url(profile.database), profile.data_dir)  # the lab's PostgreSQL when one is configured
    try:
        outcome = feedback.record_feedback(ledger, profile.name, pid, value, paper_source)
    finally:
        ledger.close()
    meta = outcome.meta
    lookup_problem = f" (looking it up failed: {outcome.lookup_error})" if outcome.lookup_error else ""
    role = "joins the profile's library" if value == "like" else "is learnt as a negative"
    if meta is not None:
        message = f"{value}d {pid.base} ({meta.title}) for {profile.name}: it {role} from the next run"
    else:
        message = (f"{value}d {pid.base} for {profile.name}, but its title and abstract could not be found{lookup_problem}, "
                   f"so it {role} once it is announced")
    return FeedbackResult(profile=profile.name, arxiv_id=pid.base, value=value, title=meta.title if meta else None, message=message)
