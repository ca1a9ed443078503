"""A text classifier for the paper kind, learnt from labelled arXiv abstracts: the offline second opinion.

The kind rules (paper_kind.py) are precise when a title or abstract names its kind ("a survey", "we
introduce X, a benchmark") and silent otherwise, so most papers of other kinds fell back to `method`. This
model, TF-IDF over the title (twice), the abstract and the arXiv category with a class-balanced logistic
regression, is trained on the papers of `kind_training.jsonl` (labelled blind to the rules, see
evals/build_kind_training.py) the first time it is asked, in a few seconds, and then kept in the user's cache
directory, so a later process (each run, each investigate session) loads it in about 10 ms. It is consulted only
when the rules find no other kind.
"""

from __future__ import annotations

import hashlib
import inspect
import json
import os
import pickle
import sys
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import sklearn
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression

from tools.paper_cache import user_cache_dir

TRAINING = Path(__file__).with_name("kind_training.jsonl")
# Chosen by 5-fold cross-validation on the training papers (evals/kinds_days.py --cross-validate).
C = 10.0
MIN_PROBABILITY = 0.4  # the best non-method kind must reach this to overrule the method default
METHOD_SCORE_PENALTY = 0.1  # ... plus this much per point of the rules' method score


def features(title: str, abstract: str, category: str = "") -> str:
    """The text the model reads: the title counts twice; the category and its archive are tokens."""
    token = (category or "none").replace(".", "_").replace("-", "_")
    return f"{title} {title} {abstract} __cat_{token} __arch_{token.split('_')[0]}"


@dataclass(frozen=True)
class KindClassifier:
    vectorizer: TfidfVectorizer
    model: LogisticRegression
    trained_on: int

    def probabilities(self, title: str, abstract: str, category: str = "") -> dict[str, float]:
        p = self.model.predict_proba(self.vectorizer.transform([features(title, abstract, category)]))[0]
        return {str(k): float(v) for k, v in zip(self.model.classes_, p, strict=True)}

    def best_other_kind(self, title: str, abstract: str, category: str = "") -> tuple[str, float]:
        """The most probable kind other than method, and its probability."""
        p = self.probabilities(title, abstract, category)
        kind = max((k for k in p if k != "method"), key=p.__getitem__)
        return kind, p[kind]


def train(rows: list[dict]) -> KindClassifier:
    vectorizer = TfidfVectorizer(sublinear_tf=True, ngram_range=(1, 2), min_df=2, stop_words="english")
    x = vectorizer.fit_transform([features(r["title"], r["abstract"], r.get("category", "")) for r in rows])
    model = LogisticRegression(C=C, class_weight="balanced", max_iter=2000)
    model.fit(x, np.array([r["kind"] for r in rows]))
    return KindClassifier(vectorizer, model, len(rows))


def training_rows(path: Path = TRAINING) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def model_digest(training: Path = TRAINING) -> str:
    """What the trained model depends on: the labelled papers, this module's code and scikit-learn's version."""
    h = hashlib.sha256(training.read_bytes())
    h.update(inspect.getsource(sys.modules[__name__]).encode())
    h.update(sklearn.__version__.encode())
    return h.hexdigest()[:16]


def cached_model_path(training: Path = TRAINING) -> Path:
    return user_cache_dir() / "kind-classifier" / f"{model_digest(training)}.pickle"


def _load_or_train(training: Path) -> KindClassifier:
    path = cached_model_path(training)
    try:
        with path.open("rb") as f:
            model = pickle.load(f)  # written by this function, in the user's own cache directory
        if isinstance(model, KindClassifier):
            return model
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError, TypeError, ValueError):
        pass  # absent, from another version or damaged: train again
    model = train(training_rows(training))
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_bytes(pickle.dumps(model))
        tmp.replace(path)  # whole or not at all, even with two processes training at once
    except OSError:
        pass  # a read-only or full cache only costs the training next time
    return model


@lru_cache(maxsize=1)
def kind_classifier() -> KindClassifier | None:
    """The trained classifier, or None when the training file is missing (the rules then decide alone)."""
    if not TRAINING.exists():
        return None
    return _load_or_train(TRAINING)
