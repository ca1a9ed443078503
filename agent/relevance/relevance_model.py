"""The semantic stage of relevance: a per-profile linear model over TF-IDF features.

As arxiv-sanity-lite does: the papers a group keeps (its library, liked papers, and the profile's own words)
are positives; recent announcements and disliked papers are negatives; a class-balanced linear SVM ranks new
candidates. The model is retrained when what it learns from changes (library, feedback, profile text) or when
it is older than a week, and kept in the data directory between runs.

The offline acceptance threshold comes from the library itself: each library paper is scored by a model
trained without it, and the threshold is the score that keeps `library_recall` of them.
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import joblib
import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.svm import LinearSVC

log = logging.getLogger(__name__)

MODEL_VERSION = 2  # 2: the title counts twice
MIN_POSITIVES_FOR_THRESHOLD = 5  # leave-one-out over fewer papers says nothing about a threshold
MIN_BACKGROUND = 20


@dataclass(frozen=True)
class TrainingPaper:
    key: str  # arXiv id, DOI or "title:…": what makes two copies of one paper the same paper
    title: str
    text: str  # title and abstract


@dataclass
class TrainingSet:
    profile_text: str  # description and keywords: a positive even without a library
    library: list[TrainingPaper]  # library files and liked papers
    disliked: list[TrainingPaper] = field(default_factory=list)
    background: list[TrainingPaper] = field(default_factory=list)  # recent announcements

    def fingerprint(self) -> str:
        """What the model learns from, apart from the background (refreshed by age instead)."""
        payload = json.dumps([MODEL_VERSION, self.profile_text, sorted(p.text for p in self.library), sorted(p.text for p in self.disliked)])
        return hashlib.sha256(payload.encode()).hexdigest()[:16]


@dataclass
class SemanticScore:
    decision: float  # the SVM's signed distance: higher is closer to the library
    similarity: float  # cosine similarity to the nearest library paper (the profile text without a library)
    nearest: str  # that paper's title; "" for the profile text
    library_rank: float  # share of the library's own (leave-one-out) scores at or below this one, 0-1


@dataclass
class RelevanceModel:
    fingerprint: str
    trained_on: str  # ISO date
    vectorizer: TfidfVectorizer
    classifier: LinearSVC
    reference_titles: list[str]  # "" for the profile text, then the library titles
    reference_vectors: object  # sparse rows matching reference_titles
    loo_scores: list[float]  # each library paper scored by a model trained without it
    threshold: float | None  # None: too few library papers to accept anything offline
    library_size: int
    background_size: int
    library_recall: float

    def sorted_loo(self) -> np.ndarray:
        """The leave-one-out scores in ascending order, as library_rank reads them."""
        return np.sort(np.asarray(self.loo_scores))

    def score(self, texts: list[str]) -> list[SemanticScore]:
        if not texts:
            return []
        vectors = self.vectorizer.transform(texts)
        decisions = self.classifier.decision_function(vectors)
        similarities = (vectors @ self.reference_vectors.T).toarray()
        loo = self.sorted_loo()
        out = []
        # The nearest library paper when there is a library (a reader can open it); the profile text only without one.
        first = 1 if similarities.shape[1] > 1 else 0
        for row, decision in enumerate(decisions):
            best = first + int(np.argmax(similarities[row, first:])) if similarities.shape[1] else 0
            out.append(SemanticScore(float(decision), float(similarities[row, best]) if similarities.shape[1] else 0.0,
                                     self.reference_titles[best] if similarities.shape[1] else "", library_rank(loo, float(decision))))
        return out


def model_text(title: str, text: str) -> str:
    """What the linear model reads: the title once more before the title and abstract, because the title says
    what a paper is about while the abstract's background sentences are shared with every paper of its field
    (a title weight of 2 was chosen on the dev days)."""
    return f"{title}. {text}"


def library_rank(sorted_loo: np.ndarray, value: float) -> float:
    """Share of the library's own leave-one-out scores (sorted) at or below `value`; 0 without any."""
    return float(np.searchsorted(sorted_loo, value, side="right") / len(sorted_loo)) if len(sorted_loo) else 0.0


def _vectorizer() -> TfidfVectorizer:
    return TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, stop_words="english", min_df=1, max_df=0.5,
                           max_features=60_000, dtype=np.float32)


def _classifier() -> LinearSVC:
    # arxiv-sanity-lite's choice: balanced classes (a handful of positives against hundreds), strong regularisation.
    return LinearSVC(class_weight="balanced", C=0.1, tol=1e-5, max_iter=20_000)


def train(data: TrainingSet, *, library_recall: float = 0.85, today: date | None = None) -> RelevanceModel:
    positive_keys = {p.key for p in data.library}
    background = [p for p in data.background if p.key not in positive_keys]
    negatives = [model_text(p.title, p.text) for p in background] + [model_text(p.title, p.text) for p in data.disliked if p.key not in positive_keys]
    positives = [data.profile_text] + [model_text(p.title, p.text) for p in data.library]
    if len(negatives) < MIN_BACKGROUND:
        raise ValueError(f"the semantic stage needs at least {MIN_BACKGROUND} background papers, has {len(negatives)}")
    vectorizer = _vectorizer()
    matrix = vectorizer.fit_transform(positives + negatives)
    labels = np.array([1] * len(positives) + [0] * len(negatives))
    classifier = _classifier().fit(matrix, labels)
    loo_scores: list[float] = []
    if len(data.library) >= MIN_POSITIVES_FOR_THRESHOLD:
        keep = np.ones(len(labels), dtype=bool)
        for i in range(1, len(positives)):  # row 0 is the profile text, always kept
            keep[i] = False
            held_out = _classifier().fit(matrix[keep], labels[keep])
            loo_scores.append(float(held_out.decision_function(matrix[i])[0]))
            keep[i] = True
    threshold = float(np.quantile(loo_scores, 1 - library_recall)) if loo_scores else None
    return RelevanceModel(
        fingerprint=data.fingerprint(), trained_on=(today or date.today()).isoformat(), vectorizer=vectorizer, classifier=classifier,
        reference_titles=[""] + [p.title for p in data.library], reference_vectors=matrix[: len(positives)],
        loo_scores=loo_scores, threshold=threshold, library_size=len(data.library), background_size=len(background),
        library_recall=library_recall,
    )


def cross_fitted_scores(data: TrainingSet, model: RelevanceModel, texts: list[str], keys: list[str], folds: int = 5) -> list[SemanticScore]:
    """Scores for papers that are also in the background: each fold is scored by a model trained without that fold,
    so no paper is pushed down for having been a negative. Similarities and ranks come from the full model."""
    scores = model.score(texts)
    positives = [data.profile_text] + [model_text(p.title, p.text) for p in data.library]
    library_keys = {p.key for p in data.library}
    loo = model.sorted_loo()
    for fold in range(folds):
        held = {k for i, k in enumerate(keys) if i % folds == fold}
        negatives = ([model_text(p.title, p.text) for p in data.background if p.key not in held and p.key not in library_keys]
                     + [model_text(p.title, p.text) for p in data.disliked])
        if len(negatives) < MIN_BACKGROUND:
            continue
        matrix = model.vectorizer.transform(positives + negatives)
        classifier = _classifier().fit(matrix, np.array([1] * len(positives) + [0] * len(negatives)))
        rows = [i for i, k in enumerate(keys) if k in held]
        decisions = classifier.decision_function(model.vectorizer.transform([texts[i] for i in rows]))
        for i, decision in zip(rows, decisions, strict=True):
            scores[i] = SemanticScore(float(decision), scores[i].similarity, scores[i].nearest, library_rank(loo, float(decision)))
    return scores


def load_or_train(data: TrainingSet, cache_path: Path, *, today: date, library_recall: float = 0.85,
                  max_age_days: int = 7) -> tuple[RelevanceModel, bool]:
    """The cached model when it learned from the same library, feedback and profile within max_age_days; else a new one.

    Returns (model, retrained)."""
    cached = _load(cache_path)
    if cached is not None and cached.fingerprint == data.fingerprint() and cached.library_recall == library_recall:
        age = (today - date.fromisoformat(cached.trained_on)).days
        if 0 <= age < max_age_days:
            return cached, False
    model = train(data, library_recall=library_recall, today=today)
    cache_path.parent.mkdir(parents=True, exist_ok=True)
    tmp = cache_path.with_suffix(".tmp")
    joblib.dump(model, tmp)
    tmp.replace(cache_path)  # atomic: a killed run never leaves half a model
    return model, True


def _load(path: Path) -> RelevanceModel | None:
    try:
        model = joblib.load(path)
    except FileNotFoundError:
        return None
    except Exception as exc:  # a damaged or foreign file is retrained, not trusted
        log.warning("semantic model %s unreadable (%s); retraining", path, exc)
        return None
    return model if isinstance(model, RelevanceModel) else None
