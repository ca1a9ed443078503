"""What the semantic stage learns from (profile, library, feedback, recent announcements) and how it scores a day.

The model itself is agent/relevance/relevance_model.py; this module gathers its inputs from the profile and the ledger,
keeps the trained model in the data directory, and turns scores into reasons a reader can check.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property

import numpy as np

from agent.config import Keyword, Profile
from agent.relevance.embeddings import DenseScores, Embedder
from agent.relevance.relevance_model import (
    MIN_BACKGROUND,
    RelevanceModel,
    SemanticScore,
    TrainingPaper,
    TrainingSet,
    cross_fitted_scores,
    library_rank,
    load_or_train,
    model_text,
    train,
)
from agent.relevance.semantic_admission import DAY_BAR_Z, DayCalibration, top_share
from tools.feeds import PaperMeta
from tools.ledger import Ledger
from tools.library import LibraryPaper, read_library


@dataclass
class SemanticRanking:
    model: RelevanceModel
    scores: dict[str, SemanticScore]  # by versioned id
    retrained: bool
    liked: int = 0
    disliked: int = 0
    notes: list[str] = field(default_factory=list)
    # With an embeddings endpoint: each paper's dense similarity and nearest library title, and the fused score
    # (mean of the two models' library ranks) with its leave-one-out threshold.
    dense: dict[str, tuple[float, str]] = field(default_factory=dict)
    fused: dict[str, float] = field(default_factory=dict)
    fused_threshold: float | None = None

    def closeness(self, paper_id: str) -> float:
        """Higher is closer to the library: what ranks papers for the judge, the daily cap and the near misses."""
        if self.fused:
            return self.fused[paper_id] + 1e-6 * self.scores[paper_id].decision  # ties (both ranks 0) by the linear model
        return self.scores[paper_id].decision

    @cached_property
    def calibration(self) -> DayCalibration:
        """The library's leave-one-out bar and the day's own score distribution (see agent/relevance/semantic_admission.py)."""
        return DayCalibration.of([s.decision for s in self.scores.values()], self.model.threshold)

    @cached_property
    def places(self) -> dict[str, int]:
        """Each candidate's place among the day's candidates by closeness, 1 = closest."""
        order = sorted(self.scores, key=lambda pid: (-self.closeness(pid), pid))
        return {pid: k + 1 for k, pid in enumerate(order)}

    def place(self, paper_id: str) -> tuple[int, int]:
        return self.places[paper_id], len(self.places)

    def accepts(self, paper_id: str) -> bool:
        """Offline acceptance: above the library's leave-one-out bar and far enough above the day's ordinary paper
        (none without a library). With embeddings the library bar is the fused model's."""
        if self.fused:
            if self.fused_threshold is None or self.fused[paper_id] < self.fused_threshold:
                return False
            day = self.calibration
            return not day.day_bar_applies or day.spreads_above_median(self.scores[paper_id].decision) >= DAY_BAR_Z
        return self.calibration.admits(self.scores[paper_id].decision)

    def admission_score(self, paper_id: str, threshold: float) -> float:
        """0-10 for a semantic admission: the relevance threshold at the bar, more the further above it."""
        return self.calibration.admission_score(self.scores[paper_id].decision, threshold)

    def library_share(self, paper_id: str) -> float:
        """Share of the library's own papers this paper scores above (0-1)."""
        return self.fused[paper_id] if self.fused else self.scores[paper_id].library_rank

    def nearest(self, paper_id: str) -> str:
        """Title of the library paper most similar to this one ("" when the profile's description is closer)."""
        return self.dense[paper_id][1] if self.dense else self.scores[paper_id].nearest

    def place_zh(self, paper_id: str) -> str:
        place, of = self.place(paper_id)
        kind = "语义排名（线性模型与嵌入相似度融合）" if self.dense else "语义排名"
        return f"{kind} {place} / {of}（本日前 {top_share(place, of)}%）"

    def nearest_zh(self, paper_id: str) -> str:
        nearest = self.nearest(paper_id)
        return f"最接近您库中的《{nearest}》" if nearest else "最接近关注主题的描述"

    def reason_zh(self, paper_id: str) -> str:
        """Where the paper stands today and which library paper it resembles most: numbers a reader can check,
        not a raw cosine (0.05 between two abstracts of one field reads as "unrelated" and is not)."""
        return f"{self.place_zh(paper_id)}，{self.nearest_zh(paper_id)}"

    def margin_zh(self, paper_id: str) -> str:
        """How far the paper stands above the day's ordinary paper, and where the bar was."""
        day = self.calibration
        above = day.spreads_above_median(self.scores[paper_id].decision)
        text = f"高出本日论文中位水平 {above:.1f} 个离散单位"
        if day.bar is not None:
            text += f"（入选线 {day.spreads_above_median(day.bar):.1f}，" + ("由本日分数分布定" if day.day_bar_binds else
                                                                          f"由您的库定：保留库中 {self.model.library_recall:.0%} 的论文") + "）"
        return text

    def summary(self) -> dict:
        m = self.model
        return {"library": m.library_size, "liked": self.liked, "disliked": self.disliked, "background": m.background_size,
                "threshold": None if m.threshold is None else round(m.threshold, 4), "library_recall": m.library_recall,
                "day_bar_binds": self.calibration.day_bar_binds, "day_bar_spreads": DAY_BAR_Z,
                "trained_on": m.trained_on, "retrained": self.retrained, "notes": self.notes, "embeddings": bool(self.dense)}


def profile_text(profile: Profile, keywords: list[Keyword]) -> str:
    words = [profile.description] + [" ".join([k.term, *k.synonyms, *k.acronyms]) for k in keywords]
    return ". ".join(w for w in words if w)


def _from_library(paper: LibraryPaper) -> TrainingPaper:
    return TrainingPaper(paper.keys[0], paper.title, paper.text)


def paper_text(paper: PaperMeta) -> str:
    return f"{paper.title}. {paper.abstract}"


def _from_meta(paper: PaperMeta) -> TrainingPaper:
    return TrainingPaper(paper.arxiv_id, paper.title, paper_text(paper))


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


def rank_day(profile: Profile, keywords: list[Keyword], ledger: Ledger, day: date, candidates: list[PaperMeta],
             embedder: Embedder | None = None) -> SemanticRanking | None:
    """Scores for every candidate, or None when the stage is off or has too little to learn from."""
    if not profile.semantic.enabled or not candidates:
        return None
    data, liked, disliked, notes, from_day = training_set(profile, keywords, ledger, day, candidates)
    if len({p.key for p in data.background} - {p.key for p in data.library}) < MIN_BACKGROUND:
        return None
    texts = [paper_text(p) for p in candidates]
    model_texts = [model_text(p.title, t) for p, t in zip(candidates, texts, strict=True)]
    if from_day:
        # Not cached: tomorrow has a real background. Each candidate is scored by a model that did not learn it as a negative.
        model, retrained = train(data, library_recall=profile.semantic.library_recall, today=day), True
        scored = cross_fitted_scores(data, model, model_texts, [p.arxiv_id for p in candidates])
    else:
        cache = profile.data_dir / "semantic" / f"{re.sub(r'[^A-Za-z0-9_.-]', '_', profile.name)}.joblib"
        model, retrained = load_or_train(data, cache, today=day, library_recall=profile.semantic.library_recall,
                                         max_age_days=profile.semantic.retrain_days)
        scored = model.score(model_texts)
    ranking = SemanticRanking(model, {p.versioned_id: s for p, s in zip(candidates, scored, strict=True)}, retrained, liked, disliked, notes)
    if embedder is not None:
        _add_dense(ranking, data, candidates, texts, embedder, profile.semantic.library_recall)
    return ranking


def _add_dense(ranking: SemanticRanking, data: TrainingSet, candidates: list[PaperMeta], texts: list[str],
               embedder: Embedder, library_recall: float) -> None:
    """Fuse the linear model with dense similarity: each paper's score is the mean of its two library ranks."""
    dense = DenseScores(embedder, [data.profile_text] + [p.text for p in data.library], [""] + [p.title for p in data.library], texts)
    for k, p in enumerate(candidates):
        ranking.dense[p.versioned_id] = (float(dense.similarity[k]), dense.nearest[k])
        ranking.fused[p.versioned_id] = (ranking.scores[p.versioned_id].library_rank + dense.library_rank(float(dense.similarity[k]))) / 2
    loo = ranking.model.sorted_loo()
    if len(loo) and len(dense.loo) == len(loo):
        # Library paper i: its rank by the linear model's leave-one-out score and by its dense leave-one-out similarity.
        fused = [(library_rank(loo, linear) + dense.library_rank(float(d))) / 2
                 for linear, d in zip(ranking.model.loo_scores, dense.loo_by_paper, strict=True)]
        ranking.fused_threshold = float(np.quantile(fused, 1 - library_recall))
    ranking.notes.append(f"语义相似度来自嵌入模型 {embedder.model.model}")
