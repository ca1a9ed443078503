"""Versioned eval datasets in evals/datasets/: relevance sets and reading questions."""

from __future__ import annotations

import json
import re
from pathlib import Path

from pydantic import BaseModel, Field, ValidationError

from tools.arxiv_ids import parse_arxiv_id
from tools.errors import ConfigError
from tools.feeds import PaperMeta

DATASETS_DIR = Path(__file__).resolve().parent / "datasets"
_VERSIONED = re.compile(r"-v(\d+)$")


class RelevanceItem(BaseModel):
    id: str  # versioned arXiv id
    title: str
    abstract: str
    categories: list[str]
    label: bool
    why: str
    trap: str | None = None
    source: str = ""

    def as_meta(self) -> PaperMeta:
        pid = parse_arxiv_id(self.id)
        return PaperMeta(arxiv_id=pid.base, version=pid.version or 1, title=self.title, abstract=self.abstract,
                         categories=self.categories, primary_category=self.categories[0] if self.categories else "", announce_type="new")


class RelevanceDataset(BaseModel):
    kind: str = "relevance"
    name: str
    version: int
    profile: str
    description: str = ""
    items: list[RelevanceItem]


class ReadingItem(BaseModel):
    id: str
    paper: str  # versioned arXiv id of a PDF in the sample directory
    question: str
    gold_sections: list[str]
    facts: list[str | list[str]]

    def fact_alternatives(self) -> list[list[str]]:
        return [f if isinstance(f, list) else [f] for f in self.facts]


class ReadingDataset(BaseModel):
    kind: str = "reading"
    name: str
    version: int
    description: str = ""
    items: list[ReadingItem] = Field(min_length=1)

    @property
    def papers(self) -> list[str]:
        return list(dict.fromkeys(i.paper for i in self.items))


class SupportItem(BaseModel):
    id: str
    paper: str  # versioned arXiv id; the PDF is <pdf_dir>/<paper>.pdf
    pdf_dir: str  # relative to the repository
    section_id: str
    text: str
    role: str
    body: bool  # quotable body text (a whole sentence of a section's prose)
    why: str
    source: str  # "random" (a sample of the paper's sentences) or "selected" (what the offline reader picked, labelled blind to the part)
    split: str  # "dev", "diagnostic", "heldout" or (v2) "unseen"


class SupportDataset(BaseModel):
    kind: str = "support"
    name: str
    version: int
    description: str = ""
    roles: list[str]
    items: list[SupportItem] = Field(min_length=1)

    def papers(self, split: str | None = None) -> list[tuple[str, str]]:
        return list(dict.fromkeys((i.paper, i.pdf_dir) for i in self.items if split is None or i.split == split))


Dataset = RelevanceDataset | ReadingDataset | SupportDataset


# Labelled sets that the variant comparison does not score: each has its own scorer.
OWN_SCORERS = {
    "kinds": "python -m evals.kinds_heldout score",
    "kinds-days": "python -m evals.kinds_days",
    "kinds-feeds": "python -m evals.kinds_days --dataset evals/datasets/kinds-feeds-v1.json --split heldout",
    "kinds-fresh": "python -m evals.kinds_days --dataset evals/datasets/kinds-fresh-vN.json --split heldout",
    "support-kinds": "python -m evals.support_kinds_eval support-kinds-vN",
    "paraphrase": "python -m evals.paraphrase_eval",
    "notfound-checks": "python -m evals.notfound_checks",
}


def available_datasets() -> list[str]:
    """Names without version that `arxiv-monitor eval` compares on: "reading", "relevance-vla", "relevance-sample", ..."""
    names = {_VERSIONED.sub("", p.stem) for p in DATASETS_DIR.glob("*-v*.json") if _VERSIONED.search(p.stem)}
    return sorted(names - set(OWN_SCORERS))


def load_dataset(name: str) -> Dataset:
    """The latest version of a dataset by name, or an exact file stem like "reading-v1"."""
    family = _VERSIONED.sub("", name)
    if family in OWN_SCORERS:
        raise ConfigError(f"dataset {name!r} is not compared by `arxiv-monitor eval`; it has its own scorer: {OWN_SCORERS[family]}")
    candidates = [DATASETS_DIR / f"{name}.json"] if _VERSIONED.search(name) else sorted(
        (p for p in DATASETS_DIR.glob(f"{name}-v*.json") if _VERSIONED.sub("", p.stem) == name),
        key=lambda p: int(_VERSIONED.search(p.stem).group(1)),
    )
    candidates = [p for p in candidates if p.exists()]
    if not candidates:
        raise ConfigError(f"no dataset {name!r} (available: {', '.join(available_datasets())})")
    path = candidates[-1]
    data = json.loads(path.read_text(encoding="utf-8"))
    try:
        if data.get("name") == "reading":
            return ReadingDataset.model_validate(data)
        if data.get("kind") == "support":
            return SupportDataset.model_validate(data)
        if data.get("kind") == "relevance-days":
            from evals.relevance_days import RelevanceDaysDataset  # it imports the judge: only when asked for

            return RelevanceDaysDataset.model_validate(data)
        return RelevanceDataset.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(f"dataset {path.name}: {exc.errors()[0]['loc']}: {exc.errors()[0]['msg']}") from None
