"""The searcher: the day's candidates for the profile, and the profile's keywords widened once."""

from __future__ import annotations

import hashlib
import json
import logging
import re
from datetime import date

from langchain_core.messages import HumanMessage
from langgraph.runtime import Runtime
from pydantic import BaseModel, ValidationError

from agent.config import Keyword
from agent.context import GraphContext, context_of
from agent.llm.structured import call_structured
from agent.state import MonitorState, bounded
from tools.errors import SourceError
from tools.feeds import PaperMeta
from tools.paper_cache import atomic_write_text

log = logging.getLogger(__name__)
_ACRONYM = re.compile(r"[A-Z][A-Z0-9-]{1,9}s?")


def _with_fresh_comments(entries: list[PaperMeta], runtime: Runtime[GraphContext]) -> list[PaperMeta]:
    """New versions of reported papers: fetch their comments ("accepted at ...") for the update entry."""
    ctx = context_of(runtime)
    pending = []
    for e in entries:
        reported = ctx.ledger.reported(ctx.profile.name, e.arxiv_id)
        if reported and e.version > reported[0]:
            pending.append(e)
    if not pending:
        return entries
    try:
        found = ctx.source.lookup([e.id for e in pending])
    except SourceError as exc:
        log.warning("could not look up comments of updated papers: %s", exc)
        return entries
    enriched = {}
    for e in pending:
        meta = found.get(e.versioned_id)
        if meta is not None:
            enriched[e.versioned_id] = e.model_copy(update={"comment": meta.comment, "journal_ref": meta.journal_ref or e.journal_ref})
    return [enriched.get(e.versioned_id, e) for e in entries]


def search_papers(state: MonitorState, runtime: Runtime[GraphContext]) -> dict:
    ctx = context_of(runtime)
    profile = ctx.profile
    wanted = date.fromisoformat(state["day"]) if state.get("day") else None
    ctx.events("stage", {"name": "search", "detail": "reading the announcements"})
    announced = ctx.source.announcements(profile.categories, wanted)
    day = announced.day or wanted
    if day is None:
        raise SourceError("the announcements carry no date; pass --date")
    entries = _with_fresh_comments(announced.entries, runtime)
    ctx.ledger.observe(profile.name, entries, day)
    triage = ctx.ledger.triage(profile.name, entries, day, include_replaced=profile.include_replaced)
    ctx.events("stage", {"name": "search", "detail": f"{len(entries)} announced, {len(triage.candidates)} candidates, {len(triage.updates)} updates"})
    return {
        "day": day.isoformat(),
        "started_at": ctx.now().isoformat(timespec="seconds"),
        "announced": announced.model_dump(mode="json", exclude={"entries"}) | {"total": len(entries), "by_type": announced.count_by_type()},
        "candidates": triage.candidates,
        "updates": triage.updates,
        "skipped": {"already_reported": triage.already_reported, "not_followed": triage.not_followed},
    }


# --- keyword expansion -------------------------------------------------------------------------


class ExpandedKeyword(BaseModel):
    term: str = bounded(max_length=80, description="the profile's term, unchanged")
    synonyms: list[str] = bounded(max_items=8, item_length=60, default_factory=list)
    acronyms: list[str] = bounded(max_items=4, item_length=12, default_factory=list)


class KeywordExpansion(BaseModel):
    keywords: list[ExpandedKeyword] = bounded(max_items=20, default_factory=list, description="the profile's keywords, each with added synonyms and acronyms")


def _expansion_path(runtime: Runtime[GraphContext]):
    ctx = context_of(runtime)
    if ctx.cache_dir is None:
        return None
    spec = json.dumps([k.model_dump() for k in ctx.profile.keywords], sort_keys=True, ensure_ascii=False)
    digest = hashlib.sha256(f"{spec}|{ctx.prompts.template_hash('keywords')}".encode()).hexdigest()[:12]
    return ctx.cache_dir / f"keywords-{ctx.profile.name}-{digest}.json"


def merge_expansion(original: list[Keyword], expansion: list[ExpandedKeyword]) -> list[Keyword]:
    """Only widen the profile's own terms: new terms the model invents are ignored."""
    by_term = {k.term.lower(): k for k in expansion}
    merged = []
    for kw in original:
        extra = by_term.get(kw.term.lower())
        if extra is None:
            merged.append(kw)
            continue
        merged.append(Keyword(
            term=kw.term,
            synonyms=list(dict.fromkeys(kw.synonyms + [s for s in extra.synonyms if len(s) >= 3])),
            acronyms=list(dict.fromkeys(kw.acronyms + [a for a in extra.acronyms if _ACRONYM.fullmatch(a)])),
        ))
    return merged


def expand_keywords(state: MonitorState, runtime: Runtime[GraphContext]) -> dict:
    """Once per profile (cached on disk), let the judge's model add synonyms and acronyms."""
    ctx = context_of(runtime)
    if ctx.llm.is_offline("judge") or not state.get("candidates"):
        return {}
    path = _expansion_path(runtime)
    if path is not None and path.exists():
        try:
            return {"keywords": [Keyword.model_validate(k) for k in json.loads(path.read_text(encoding="utf-8"))]}
        except (ValueError, ValidationError):
            path.unlink(missing_ok=True)
    prompt = ctx.prompts.render("keywords", profile={"name": ctx.profile.name, "description": ctx.profile.description,
                                                     "keywords": [k.model_dump() for k in ctx.profile.keywords]})
    expansion, failed = call_structured(ctx.llm, "judge", KeywordExpansion, [HumanMessage(prompt)], step="keywords")
    if failed:
        return {"degraded": [failed]}
    merged = merge_expansion(ctx.profile.keywords, expansion.keywords)
    if path is not None:
        atomic_write_text(path, json.dumps([k.model_dump() for k in merged], ensure_ascii=False, indent=1))
    return {"keywords": merged}
