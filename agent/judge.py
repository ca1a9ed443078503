"""The relevance judge: a lexical prefilter, then batched model verdicts (or the lexical score offline)."""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor

from langchain_core.messages import HumanMessage
from langgraph.runtime import Runtime
from pydantic import BaseModel, Field, field_validator

from agent.config import Keyword
from agent.context import GraphContext, context_of
from agent.lexical import KeywordMatcher, LexicalResult
from agent.state import Excluded, MonitorState, RelevanceVerdict, bounded
from agent.structured import call_structured
from tools.feeds import PaperMeta

log = logging.getLogger(__name__)
# One paper per model call: a paper's title and abstract are the only untrusted text in its prompt, so an
# instruction planted in one abstract cannot reach another paper's verdict. Calls run in parallel.
BATCH_SIZE = 1


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
    batch: list[tuple[PaperMeta, LexicalResult]], keywords: list[Keyword], runtime: Runtime[GraphContext], degraded: list[dict]
) -> dict[str, ModelVerdict]:
    ctx = context_of(runtime)
    profile = ctx.profile
    prompt = ctx.prompts.render(
        "judge",
        profile={"name": profile.name, "description": profile.description,
                 "keywords": [{"term": k.term, "synonyms": k.synonyms, "acronyms": k.acronyms} for k in keywords],
                 "negative_keywords": profile.negative_keywords},
        papers=[{"arxiv_id": p.versioned_id, "title": p.title, "abstract": p.abstract, "categories": p.categories,
                 "lexical": lex.reason_zh()} for p, lex in batch],
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


def judge_relevance(state: MonitorState, runtime: Runtime[GraphContext]) -> dict:
    ctx = context_of(runtime)
    profile = ctx.profile
    keywords = state.get("keywords") or profile.keywords
    matcher = KeywordMatcher(keywords, profile.negative_keywords)
    verdicts: list[RelevanceVerdict] = []
    degraded: list[dict] = []
    passed: list[tuple[PaperMeta, LexicalResult]] = []
    for paper in state.get("candidates", []):
        lex = matcher.match(paper.title, paper.abstract)
        if lex.passed:
            passed.append((paper, lex))
        else:
            verdicts.append(lexical_verdict(paper, lex, profile.relevance_threshold))
    ctx.events("stage", {"name": "judge", "detail": f"{len(passed)} of {len(state.get('candidates', []))} pass the lexical prefilter"})
    batches = [passed[start : start + BATCH_SIZE] for start in range(0, len(passed), BATCH_SIZE)]
    if ctx.llm.is_offline("judge") or not batches:
        answers = [{} for _ in batches]
    else:
        with ThreadPoolExecutor(max_workers=profile.reader.concurrency) as pool:
            answers = list(pool.map(lambda b: _model_verdicts(b, keywords, runtime, degraded), batches))
    for batch, by_id in zip(batches, answers, strict=True):
        for paper, lex in batch:
            mv = by_id.get(paper.versioned_id) or by_id.get(paper.arxiv_id)
            if mv is None:
                v = lexical_verdict(paper, lex, profile.relevance_threshold)
                if not ctx.llm.is_offline("judge"):
                    v.reason += "（模型未给出判断，按词法评分）"
                verdicts.append(v)
            else:
                verdicts.append(RelevanceVerdict(
                    arxiv_id=paper.versioned_id, score=mv.score, relevant=mv.relevant and mv.score >= profile.relevance_threshold,
                    matched_topics=mv.matched_topics or lex.topics, reason=mv.reason.strip() or lex.reason_zh(), stage="llm",
                ))
    papers = {p.versioned_id: p for p in state.get("candidates", [])}
    ranked = sorted((v for v in verdicts if v.relevant), key=lambda v: (-v.score, v.arxiv_id))
    selected_ids = [v.arxiv_id for v in ranked[: profile.max_papers]]
    for v in ranked[profile.max_papers :]:
        v.relevant, v.stage = False, "limit"
        v.reason += f"；超出每日上限（{profile.max_papers} 篇），按评分排在后面"
    for v in verdicts:
        ctx.ledger.mark(profile.name, papers[v.arxiv_id].arxiv_id, "judged", verdict=v.model_dump())
    excluded = [Excluded(paper=papers[v.arxiv_id], verdict=v) for v in verdicts if v.arxiv_id not in selected_ids]
    excluded.sort(key=lambda e: (-e.verdict.score, e.paper.versioned_id))
    return {"verdicts": verdicts, "selected": [papers[i] for i in selected_ids], "excluded": excluded, "degraded": degraded}
