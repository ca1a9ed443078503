"""What the semantic stage learns from (profile, library, feedback, recent announcements) and how it scores a day.

The model itself is agent/relevance_model.py; this module gathers its inputs from the profile and the ledger,
keeps the trained model in the data directory, and turns scores into reasons a reader can check.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from datetime import date

from agent.config import Keyword, Profile
from agent.relevance_model import (
    MIN_BACKGROUND,
    RelevanceModel,
    SemanticScore,
    TrainingPaper,
    TrainingSet,
    cross_fitted_scores,
    load_or_train,
    train,
)
from tools.feeds import PaperMeta
from tools.ledger import Ledger
from tools.library import LibraryPaper, read_library

log = logging.getLogger(__name__)


@dataclass
class SemanticRanking:
    model: RelevanceModel
    scores: dict[str, SemanticScore]  # by versioned id
    retrained: bool
    liked: int = 0
    disliked: int = 0
    notes: list[str] = field(default_factory=list)

    def accepts(self, paper_id: str) -> bool:
        """Offline acceptance: at or above the library-derived threshold (none without a library)."""
        threshold = self.model.threshold
        return threshold is not None and self.scores[paper_id].decision >= threshold

    def summary(self) -> dict:
        m = self.model
        return {"library": m.library_size, "liked": self.liked, "disliked": self.disliked, "background": m.background_size,
                "threshold": None if m.threshold is None else round(m.threshold, 4), "library_recall": m.library_recall,
                "trained_on": m.trained_on, "retrained": self.retrained, "notes": self.notes}


def profile_text(profile: Profile, keywords: list[Keyword]) -> str:
    words = [profile.description] + [" ".join([k.term, *k.synonyms, *k.acronyms]) for k in keywords]
    return ". ".join(w for w in words if w)


def _paper_key(arxiv_id: str | None, doi: str | None, title: str) -> str:
    return arxiv_id or (doi.lower() if doi else "title:" + re.sub(r"[^a-z0-9]+", " ", title.lower()).strip())


def _from_library(paper: LibraryPaper) -> TrainingPaper:
    return TrainingPaper(_paper_key(paper.arxiv_id, paper.doi, paper.title), paper.title, paper.text)


def _from_meta(paper: PaperMeta) -> TrainingPaper:
    return TrainingPaper(paper.arxiv_id, paper.title, f"{paper.title}. {paper.abstract}")


def paper_text(paper: PaperMeta) -> str:
    return f"{paper.title}. {paper.abstract}"


def training_set(profile: Profile, keywords: list[Keyword], ledger: Ledger, day: date,
                 candidates: list[PaperMeta]) -> tuple[TrainingSet, int, int, list[str], bool]:
    """(training set, liked papers used, disliked papers used, notes, whether the day itself is the background)."""
    notes: list[str] = []
    library = [_from_library(p) for p in read_library(profile.library)]
    known = {p.key for p in library}
    liked = disliked = 0
    negatives: list[TrainingPaper] = []
    for arxiv_id, value in sorted(ledger.feedback(profile.name).items()):
        meta = ledger.latest_meta(profile.name, arxiv_id)
        if meta is None:
            notes.append(f"{arxiv_id}：反馈已记录，但本地没有它的标题和摘要，暂未用于训练")
            continue
        if value == "like" and meta.arxiv_id not in known:
            library.append(_from_meta(meta))
            known.add(meta.arxiv_id)
            liked += 1
        elif value == "dislike":
            negatives.append(_from_meta(meta))
            disliked += 1
    background = [_from_meta(p) for p in ledger.announced_before(profile.name, day, profile.semantic.background)]
    from_day = len(background) < MIN_BACKGROUND
    if from_day:
        # A profile's first days: the day's own announcements stand in for the recent ones.
        background += [_from_meta(p) for p in candidates]
        notes.append("近期公告不足，本日候选论文作为背景样本（交叉拟合：每篇论文由未把它当作负样本的模型评分）")
    data = TrainingSet(profile_text(profile, keywords), library, negatives, background)
    return data, liked, disliked, notes, from_day


def rank_day(profile: Profile, keywords: list[Keyword], ledger: Ledger, day: date, candidates: list[PaperMeta]) -> SemanticRanking | None:
    """Scores for every candidate, or None when the stage is off or has too little to learn from."""
    if not profile.semantic.enabled or not candidates:
        return None
    data, liked, disliked, notes, from_day = training_set(profile, keywords, ledger, day, candidates)
    if len({p.key for p in data.background} - {p.key for p in data.library}) < MIN_BACKGROUND:
        return None
    texts = [paper_text(p) for p in candidates]
    if from_day:
        # Not cached: tomorrow has a real background. Each candidate is scored by a model that did not learn it as a negative.
        model, retrained = train(data, library_recall=profile.semantic.library_recall, today=day), True
        scored = cross_fitted_scores(data, model, texts, [p.arxiv_id for p in candidates])
    else:
        cache = profile.data_dir / "semantic" / f"{re.sub(r'[^A-Za-z0-9_.-]', '_', profile.name)}.joblib"
        model, retrained = load_or_train(data, cache, today=day, library_recall=profile.semantic.library_recall,
                                         max_age_days=profile.semantic.retrain_days)
        scored = model.score(texts)
    return SemanticRanking(model, {p.versioned_id: s for p, s in zip(candidates, scored, strict=True)}, retrained, liked, disliked, notes)


def reason_zh(score: SemanticScore) -> str:
    if score.nearest:
        return f"与您库中《{score.nearest}》相近（相似度 {score.similarity:.2f}）"
    return f"与关注主题的描述相近（相似度 {score.similarity:.2f}）"


def score_zh(score: SemanticScore) -> float:
    """0-10 for the report: how the paper ranks among the library's own papers (10 = above all of them)."""
    return round(10 * score.library_rank, 1)
