"""Heading quality: bundled PDFs with an outline, parsed with the outline ignored and compared with it.

    python -m benchmarks.parse_quality

Three sets, each with its micro-averaged heading precision, recall and F1:

- dev: samples/offline and tests/fixtures/papers, the PDFs the layout parser was tuned on
  (per paper: P, R, F1, id accuracy where the outline carries numbers);
- registry tuning: the tuning part of tests/fixtures/papers-registry (per paper too);
- registry held out: the held-out part of tests/fixtures/papers-registry, printed as one
  line only, so that reading the benchmark does not tune the parser on it.

A match requires the same page, so page accuracy is 1.00 by construction.
The split is fixed in tests/fixtures/papers-registry/split.json.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pymupdf

from evals.outline import layout_vs_outline
from tools.outline_headings import has_sections

REPO = Path(__file__).resolve().parents[1]
DIRS = [REPO / "samples" / "offline", REPO / "tests" / "fixtures" / "papers"]
REGISTRY = REPO / "tests" / "fixtures" / "papers-registry"
# Outlines that list only the top level, while the paper numbers subsections too: recall is exact, precision is not.
TOP_LEVEL_ONLY = {"2207.05221v4"}


@dataclass
class SetScore:
    papers: int = 0
    gold: int = 0
    found: int = 0
    matched: int = 0
    ids: int = 0
    ids_right: int = 0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    @property
    def precision(self) -> float:
        return self.matched / self.found if self.found else 0.0

    @property
    def recall(self) -> float:
        return self.matched / self.gold if self.gold else 0.0

    def line(self, name: str) -> str:
        ids = f"; id accuracy {self.ids_right / self.ids:.2f} over {self.ids} numbered entries" if self.ids else ""
        return (f"{name}: {self.papers} papers, {self.gold} outline headings, {self.found} found; "
                f"P {self.precision:.2f} R {self.recall:.2f} F1 {self.f1:.2f}{ids}")


def registry_split() -> dict[str, list[Path]]:
    manifest = json.loads((REGISTRY / "split.json").read_text())
    return {part: [REGISTRY / name for name in manifest[part]] for part in ("tuning", "heldout")}


def score_set(pdfs: list[Path], *, per_paper: bool) -> SetScore:
    total = SetScore()
    if per_paper:
        print(f"{'paper':<34}{'gold':>6}{'found':>7}{'P':>7}{'R':>7}{'F1':>7}{'ids':>7}")
    for pdf in sorted(pdfs):
        with pymupdf.open(pdf) as doc:
            if not has_sections(doc.get_toc()):  # the parser ignores such an outline too
                continue
        score, _, _ = layout_vs_outline(pdf)
        if per_paper:
            note = "  (outline lists top level only)" if pdf.stem in TOP_LEVEL_ONLY else ""
            idacc = f"{score.id_accuracy:.2f}" if score.id_accuracy is not None else "–"
            print(f"{pdf.stem:<34}{score.gold:>6}{score.found:>7}{score.precision:>7.2f}{score.recall:>7.2f}{score.f1:>7.2f}{idacc:>7}{note}")
        if pdf.stem not in TOP_LEVEL_ONLY:
            total.papers += 1
            total.matched, total.found, total.gold = total.matched + score.matched, total.found + score.found, total.gold + score.gold
        total.ids, total.ids_right = total.ids + score.ids_checked, total.ids_right + score.ids_right
    return total


def main() -> None:
    dev = score_set([p for d in DIRS for p in d.glob("*.pdf")], per_paper=True)
    print(dev.line("dev set micro (tuned on; without top-level-only outlines)"))
    split = registry_split()
    print()
    tuning = score_set(split["tuning"], per_paper=True)
    print(tuning.line("registry tuning part micro"))
    print(score_set(split["heldout"], per_paper=False).line("registry HELD-OUT part micro (never tuned on)"))


if __name__ == "__main__":
    main()
