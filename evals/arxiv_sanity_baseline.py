"""The arxiv-sanity baseline for whole days: what the semantic stage has to beat.

As arxiv-sanity(-lite) ranks a day for a user: TF-IDF over title and abstract, a class-balanced linear SVM with
the user's library as positives and the day's own papers as negatives, and the day ranked by decision value. No
keyword, no profile text, no background, no threshold: the top `cap` papers are what it would show.
"""

from __future__ import annotations

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.svm import LinearSVC

from tools.feeds import PaperMeta


def _text(title: str, abstract: str) -> str:
    return f"{title}. {abstract}"


def baseline_ranking(library: list[PaperMeta], day: list[PaperMeta]) -> list[str]:
    """The day's arXiv ids (without version), best first by the SVM's decision value."""
    if not library or not day:
        return [p.arxiv_id for p in day]
    texts = [_text(p.title, p.abstract) for p in library] + [_text(p.title, p.abstract) for p in day]
    # arxiv-sanity-lite's settings: word unigrams and bigrams, sublinear tf, C = 0.1, balanced classes.
    vectorizer = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, stop_words="english", max_df=0.9, max_features=20_000,
                                 dtype=np.float32)
    matrix = vectorizer.fit_transform(texts)
    labels = np.array([1] * len(library) + [0] * len(day))
    classifier = LinearSVC(class_weight="balanced", C=0.1, tol=1e-6, max_iter=10_000).fit(matrix, labels)
    decisions = classifier.decision_function(matrix[len(library):])
    order = sorted(range(len(day)), key=lambda i: (-decisions[i], day[i].arxiv_id))
    return [day[i].arxiv_id for i in order]
