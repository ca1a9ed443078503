"""The relevance judge: a lexical prefilter and a semantic stage, then model verdicts (or the lexical and semantic scores offline)."""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor
from datetime import date

from langchain_core.messages import HumanMessage
from langgraph.runtime import Runtime
from pydantic import BaseModel, Field, field_validator

from agent.config import Keyword
from agent.context import GraphContext, context_of
from agent.llm.structured import call_structured
from agent.relevance.lexical import KeywordMatcher, LexicalResult
from agent.relevance.semantic_admission import MAX_SEMANTIC_SCORE
from agent.relevance.semantic_stage import SemanticRanking, rank_day
from agent.state import Excluded, MonitorState, RelevanceVerdict, bounded
from tools.feeds import PaperMeta

log = logging.getLogger(__name__)


class ModelVerdict(BaseModel):
    arxiv_id: str = Field(description="the id exactly as given, with version")
    score: float = Field(description="0 = off topic, 10 = squarely on the group's topics")
    relevant: bool
    matched_topics: list[str] = bounded(max_items=5, item_length=60, default_factory=list)
    reason: str = bounded(max_length=200, description="one sentence, in the report language, why")

    @field_validator("score", mode="after")
    @classmethod
    def _on_a_ten_point_scale(cls, value: float) -> float:
        # Grammar-constrained local models ignore numeric bounds; a 0-100 answer is rescaled.
        if 10 < value <= 100:
            value /= 10
        return min(10.0, max(0.0, value))


class VerdictBatch(BaseModel):
    verdicts: list[ModelVerdict] = bounded(max_items=4, default_factory=list)


def lexical_verdict(paper: PaperMeta, lex: LexicalResult, threshold: float) -> RelevanceVerdict:
    score = lex.score()
    relevant = lex.passed and score >= threshold
    reason = lex.reason_zh()
    if lex.passed and not relevant:
        reason += f"；词法评分 {score:g} 低于阈值 {threshold:g}"
    return RelevanceVerdict(arxiv_id=paper.versioned_id, score=score, relevant=relevant, matched_topics=lex.topics, reason=reason, stage="lexical")


def _model_verdicts(
    batch: list[tuple[PaperMeta, LexicalResult]], keywords: list[Keyword], runtime: Runtime[GraphContext], degraded: list[dict],
    ranking: SemanticRanking | None = None,
) -> dict[str, ModelVerdict]:
    ctx = context_of(runtime)
    profile = ctx.profile
    prompt = ctx.prompts.render(
        "judge",
        profile={"name": profile.name, "description": profile.description,
                 "keywords": [{"term": k.term, "synonyms": k.synonyms, "acronyms": k.acronyms} for k in keywords],
                 "negative_keywords": profile.negative_keywords},
        papers=[{"arxiv_id": p.versioned_id, "title": p.title, "abstract": p.abstract, "categories": p.categories,
                 "lexical": _with_semantic(lex.reason_zh(), ranking, p)} for p, lex in batch],
        threshold=profile.relevance_threshold,
        language=profile.language,
    )
    result, failed = call_structured(ctx.llm, "judge", VerdictBatch, [HumanMessage(prompt)])
    if failed:
        degraded.append(failed)
        return {}
    # A verdict counts only for a paper that was in this very prompt: ids a model was talked into elsewhere are dropped.
    asked = {p.versioned_id for p, _ in batch} | {p.arxiv_id for p, _ in batch}
    return {v.arxiv_id.strip(): v for v in result.verdicts if v.arxiv_id.strip() in asked}


def _model_pool(failed: list[PaperMeta], ranking: SemanticRanking | None, cap: int, offline: bool) -> tuple[list[PaperMeta], set[str]]:
    """Papers without keyword hits that the semantic stage admits, at most `cap` a day, best-ranked first: with a
    model they go to the judge; offline only those above the bar (library and day, see agent/relevance/semantic_admission.py)
    are accepted. Also returns the papers above the bar that the cap left out."""
    if ranking is None:
        return [], set()
    ranked = sorted(failed, key=lambda p: (-ranking.closeness(p.versioned_id), p.versioned_id))
    above = [p for p in ranked if ranking.accepts(p.versioned_id)]
    admitted = (above if offline else ranked)[:cap]
    return admitted, {p.versioned_id for p in above} - {p.versioned_id for p in admitted}


def _with_semantic(reason: str, ranking: SemanticRanking | None, paper: PaperMeta) -> str:
    return f"{reason}；{ranking.reason_zh(paper.versioned_id)}" if ranking else reason


def _offline_verdict(paper: PaperMeta, lex: LexicalResult, ranking: SemanticRanking | None, threshold: float,
                     admissible: bool) -> RelevanceVerdict:
    """The keyword verdict with the semantic reason; a paper `admissible` to the semantic stage (a keyword hit, or
    within the day's cap) is accepted when it clears the bar learned from the library and the day."""
    verdict = lexical_verdict(paper, lex, threshold)
    if ranking is None:
        return verdict
    if admissible and not verdict.relevant and not lex.negatives and ranking.accepts(paper.versioned_id):
        pid = paper.versioned_id
        verdict.relevant, verdict.stage = True, "semantic"
        # The threshold at the bar, more the further above it: scores follow the ranking.
        verdict.score = ranking.admission_score(pid, threshold)
        verdict.reason = (f"标题和摘要未出现关注关键词，由语义模型选入：{ranking.reason_zh(pid)}；{ranking.margin_zh(pid)}，"
                          f"高于库中 {ranking.library_share(pid):.0%} 的论文（每篇库论文由未见过它的模型评分）；"
                          f"评分 {verdict.score:g}：入选线上为阈值 {threshold:g} 分，高出越多越接近 {MAX_SEMANTIC_SCORE:g} 分")
        return verdict
    verdict.reason = _with_semantic(verdict.reason, ranking, paper)
    return verdict


def judge_relevance(state: MonitorState, runtime: Runtime[GraphContext]) -> dict:
    ctx = context_of(runtime)
    profile = ctx.profile
    keywords = state.get("keywords") or profile.keywords
    candidates = state.get("candidates", [])
    matcher = KeywordMatcher(keywords, profile.negative_keywords)
    lexical = {p.versioned_id: matcher.match(p.title, p.abstract) for p in candidates}
    day = date.fromisoformat(state["day"]) if state.get("day") else ctx.now().date()
    ranking = rank_day(profile, keywords, ctx.ledger, day, candidates, embedder=ctx.embedder)
    offline = ctx.llm.is_offline("judge")
    passed = [p for p in candidates if lexical[p.versioned_id].passed]
    failed = [p for p in candidates if not lexical[p.versioned_id].passed and not lexical[p.versioned_id].negatives]
    admitted, cut_by_cap = _model_pool(failed, ranking, profile.semantic.daily_cap, offline)
    ctx.events("stage", {"name": "judge", "detail": f"{len(passed)} of {len(candidates)} pass the lexical prefilter"
                         + (f", {len(admitted)} more admitted by the semantic stage" if ranking else "")
                         + (f", {len(cut_by_cap)} more above its bar left out by the daily cap" if cut_by_cap else "")})
    verdicts: dict[str, RelevanceVerdict] = {}
    degraded: list[dict] = []
    if offline:
        admitted_ids = {p.versioned_id for p in admitted}
        for p in candidates:
            lex = lexical[p.versioned_id]
            verdicts[p.versioned_id] = _offline_verdict(p, lex, ranking, profile.relevance_threshold,
                                                        admissible=lex.passed or p.versioned_id in admitted_ids)
    else:
        # In rank order, so the model meets the day's candidates as the ranking sees them, closest first.
        pool = sorted(passed + admitted, key=lambda p: ranking.places[p.versioned_id]) if ranking else passed
        # One paper per model call: a paper's title and abstract are the only untrusted text in its prompt, so an
        # instruction planted in one abstract cannot reach another paper's verdict. Calls run in parallel.
        with ThreadPoolExecutor(max_workers=profile.reader.concurrency) as pool_exec:
            answers = list(pool_exec.map(lambda p: _model_verdicts([(p, lexical[p.versioned_id])], keywords, runtime, degraded, ranking), pool))
        for p, by_id in zip(pool, answers, strict=True):
            lex = lexical[p.versioned_id]
            mv = by_id.get(p.versioned_id) or by_id.get(p.arxiv_id)
            if mv is None:
                v = _offline_verdict(p, lex, ranking, profile.relevance_threshold, admissible=True)
                v.reason += "（模型未给出判断，按词法和语义评分）"
            else:
                v = RelevanceVerdict(
                    arxiv_id=p.versioned_id, score=mv.score, relevant=mv.relevant and mv.score >= profile.relevance_threshold,
                    matched_topics=mv.matched_topics or lex.topics, reason=mv.reason.strip() or lex.reason_zh(), stage="llm",
                )
            verdicts[p.versioned_id] = v
        for p in candidates:
            if p.versioned_id not in verdicts:
                verdicts[p.versioned_id] = _offline_verdict(p, lexical[p.versioned_id], ranking, profile.relevance_threshold, admissible=False)
    papers = {p.versioned_id: p for p in candidates}
    closeness = (lambda v: -ranking.closeness(v.arxiv_id)) if ranking else (lambda v: 0.0)
    ranked = sorted((v for v in verdicts.values() if v.relevant), key=lambda v: (-v.score, closeness(v), v.arxiv_id))
    selected_ids = [v.arxiv_id for v in ranked[: profile.max_papers]]
    for v in ranked[profile.max_papers :]:
        v.relevant, v.stage = False, "limit"
        v.reason += f"；超出每日上限（{profile.max_papers} 篇），按评分排在后面"
    ordered = [verdicts[p.versioned_id] for p in candidates]
    for v in ordered:
        ctx.ledger.mark(profile.name, papers[v.arxiv_id].arxiv_id, "judged", verdict=v.model_dump())
    excluded = [Excluded(paper=papers[v.arxiv_id], verdict=v) for v in ordered if v.arxiv_id not in selected_ids]
    excluded.sort(key=lambda e: (-e.verdict.score, e.paper.versioned_id))
    close = near_misses(excluded, ranking, profile.semantic.near_misses)
    summary = ranking.summary() | {"daily_cap": profile.semantic.daily_cap, "cut_by_cap": len(cut_by_cap), "offline": offline} if ranking else {}
    return {"verdicts": ordered, "selected": [papers[i] for i in selected_ids], "excluded": excluded, "degraded": degraded,
            "near_misses": close, "semantic": summary,
            "near_miss_details": _near_miss_details(close, ranking, lexical, cut_by_cap, profile.semantic.daily_cap)}


def _near_miss_details(close: list[Excluded], ranking: SemanticRanking | None, lexical: dict[str, LexicalResult],
                       cut: set[str], cap: int) -> dict[str, dict]:
    """For each near miss: its place among the day's papers by the semantic model (1 = closest), the nearest library
    paper, and why it stayed out, in one line without the keyword sentence every row would share."""
    if ranking is None:
        return {}
    out = {}
    for e in close:
        pid = e.paper.versioned_id
        place, of = ranking.place(pid)
        lex = lexical[pid]
        if e.verdict.stage == "limit":
            why = "判为相关，但超出每日报告篇数上限"
        elif lex.negatives:
            why = lex.reason_zh()
        elif e.verdict.stage == "llm":
            why = f"模型判为不相关：{e.verdict.reason}"
        elif pid in cut:
            why = f"超过入选线，但超出每日语义入选上限（{cap} 篇）"
        elif lex.passed:
            why = f"只在摘要中出现关键词，词法评分 {e.verdict.score:g} 不足；{ranking.margin_zh(pid)}"
        elif ranking.calibration.bar is None:
            why = "库中论文不足 5 篇，离线不按语义入选"
        else:
            why = f"{ranking.margin_zh(pid)}，未达入选线"
        out[pid] = {"rank": place, "of": of, "nearest": ranking.nearest(pid),
                    "reason": f"{ranking.place_zh(pid)}；{ranking.nearest_zh(pid)}；{why}"}
    return out


def near_misses(excluded: list[Excluded], ranking: SemanticRanking | None, limit: int) -> list[Excluded]:
    """The best-scoring papers that were not selected: by the semantic model when there is one, else by score."""
    if ranking is None:
        pool = [e for e in excluded if e.verdict.score > 0]
        return pool[:limit]
    return sorted(excluded, key=lambda e: (-ranking.closeness(e.paper.versioned_id), e.paper.versioned_id))[:limit]
