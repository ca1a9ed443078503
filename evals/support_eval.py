"""Metrics of evidence selection on the `support` dataset: does each quoted sentence do what its part is about?

- role precision of the selected evidence: of the sentences the offline reader
  quotes under 研究动机 / 核心贡献 / 方法 / 实验 / 局限, the share whose labelled role fits
  that part (summary excerpts and captions are not counted);
- classifier precision and recall per role, over labelled body sentences;
- body-text detection: whether the parser's "quotable" flag agrees with the labels.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from agent.reading.evidence_reader import PART_ROLES, evidence_roles
from evals.datasets import SupportDataset, SupportItem
from evals.sentence_match import SentenceIndex, labellable_selections, sentence_key
from tools.paper_cache import PaperCache
from tools.paper_model import PaperDocument

REPO = Path(__file__).resolve().parents[1]


@dataclass
class SupportScores:
    split: str
    selected: int = 0  # selected sentences that carry a label
    selected_correct: int = 0
    selected_unlabelled: int = 0
    predicted: Counter = field(default_factory=Counter)  # role -> sentences predicted with it (labelled, body)
    predicted_correct: Counter = field(default_factory=Counter)
    gold: Counter = field(default_factory=Counter)
    body: Counter = field(default_factory=Counter)  # (gold body, parser says quotable) -> count
    mistakes: list[dict] = field(default_factory=list)

    @property
    def selected_precision(self) -> float:
        return self.selected_correct / self.selected if self.selected else 0.0

    @property
    def classifier_precision(self) -> float:
        n = sum(v for r, v in self.predicted.items() if r != "other")
        return sum(v for r, v in self.predicted_correct.items() if r != "other") / n if n else 0.0

    @property
    def body_precision(self) -> float:
        said = self.body[(True, True)] + self.body[(False, True)]
        return self.body[(True, True)] / said if said else 0.0

    @property
    def body_recall(self) -> float:
        real = self.body[(True, True)] + self.body[(True, False)]
        return self.body[(True, True)] / real if real else 0.0

    def as_dict(self) -> dict:
        return {
            "split": self.split, "selected_role_precision": round(self.selected_precision, 3), "selected_labelled": self.selected,
            "selected_unlabelled": self.selected_unlabelled, "classifier_precision": round(self.classifier_precision, 3),
            "per_role": {r: {"precision": round(self.predicted_correct[r] / self.predicted[r], 3) if self.predicted[r] else None,
                             "recall": round(self.predicted_correct[r] / self.gold[r], 3) if self.gold[r] else None}
                         for r in PART_ROLES.values()},
            "body_precision": round(self.body_precision, 3), "body_recall": round(self.body_recall, 3),
        }


def _find(doc: PaperDocument, text: str):
    return SentenceIndex(doc).find(text)


def score_split(dataset: SupportDataset, split: str, papers: PaperCache | None = None) -> SupportScores:
    papers = papers or PaperCache(None)
    scores = SupportScores(split)
    items = [i for i in dataset.items if i.split == split]
    for paper, pdf_dir in dataset.papers(split):
        doc = papers.load(REPO / pdf_dir / f"{paper}.pdf", paper)
        index = SentenceIndex(doc)  # labels name sentences by text, markers and run-in heads aside
        by_text: dict[str, SupportItem] = {sentence_key(i.text): i for i in items if i.paper == paper}
        roles = evidence_roles(doc)
        for item in (i for i in items if i.paper == paper):
            found = index.find(item.text)
            quotable = bool(found and found[2].evidence)
            scores.body[(item.body, quotable)] += 1
            if not (item.body and found and quotable):
                continue
            predicted = roles.get(found[2].id, "other")
            scores.gold[item.role] += 1
            scores.predicted[predicted] += 1
            scores.predicted_correct[predicted] += predicted == item.role
        for note in labellable_selections(doc):
            item = index.label(by_text, note.citation.sentence_ids, note.citation.quote)
            if item is None:
                scores.selected_unlabelled += 1
                continue
            scores.selected += 1
            if item.role == PART_ROLES[note.part]:
                scores.selected_correct += 1
            else:
                scores.mistakes.append({"paper": paper, "part": note.part, "gold": item.role, "text": item.text[:160]})
    return scores
