"""Heading quality: bundled PDFs with an outline, parsed with the outline ignored and compared with it.

    python -m benchmarks.parse_quality

Sets, each with its micro-averaged heading precision, recall and F1:

- dev: samples/offline and tests/fixtures/papers, the PDFs the layout parser was tuned on
  (per paper: P, R, F1, id accuracy where the outline carries numbers);
- registry tuning: all 30 round-1 PDFs of tests/fixtures/papers-registry (per paper too),
  with the round-1 held-out part also summed on its own line: it was measured twice in
  round 1 and its failures were read, so from round 2 on it is tuning data;
- round-2 held out: tests/fixtures/papers-registry2, printed as one line only, so that
  reading the benchmark does not tune the parser on it.

A match requires the same page, so page accuracy is 1.00 by construction. Found headings an
outline leaves out by convention (Abstract, References ...; evals.outline.UNLISTED_BY_CONVENTION)
are not scored when the outline omits them. The splits are fixed in each folder's split.json.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import pymupdf

from evals.outline import OutlineScore, layout_vs_outline
from tools.outline_headings import has_sections

REPO = Path(__file__).resolve().parents[1]
DIRS = [REPO / "samples" / "offline", REPO / "tests" / "fixtures" / "papers"]
REGISTRY = REPO / "tests" / "fixtures" / "papers-registry"
REGISTRY2 = REPO / "tests" / "fixtures" / "papers-registry2"
# Outlines that list only the top level, while the paper numbers subsections too: recall is exact, precision is not.
TOP_LEVEL_ONLY = {"2207.05221v4"}


@dataclass
class SetScore(OutlineScore):
    """A set's figures: its papers' outline scores summed (micro-averaged)."""

    papers: int = 0

    def line(self, name: str) -> str:
        ids = f"; id accuracy {self.id_accuracy:.2f} over {self.ids_checked} numbered entries" if self.ids_checked else ""
        return (f"{name}: {self.papers} papers, {self.gold} outline headings, {self.found} found; "
                f"P {self.precision:.2f} R {self.recall:.2f} F1 {self.f1:.2f}{ids}")


def registry_split() -> dict[str, list[Path]]:
    """Round-1 registry PDFs by their round-1 part (both are tuning data now)."""
    manifest = json.loads((REGISTRY / "split.json").read_text())
    return {part: [REGISTRY / name for name in manifest[part]] for part in ("tuning", "heldout")}


def round2_heldout() -> list[Path]:
    manifest = json.loads((REGISTRY2 / "split.json").read_text())
    return [REGISTRY2 / name for name in manifest["heldout"]]


@lru_cache(maxsize=None)
def _score(pdf: Path):
    """Each PDF is parsed once, though it is summed into more than one set."""
    return layout_vs_outline(pdf)[0]


def score_set(pdfs: list[Path], *, per_paper: bool) -> SetScore:
    total = SetScore()
    if per_paper:
        print(f"{'paper':<34}{'gold':>6}{'found':>7}{'P':>7}{'R':>7}{'F1':>7}{'ids':>7}")
    for pdf in sorted(pdfs):
        with pymupdf.open(pdf) as doc:
            if not has_sections(doc.get_toc()):  # the parser ignores such an outline too
                continue
        score = _score(pdf)
        if per_paper:
            note = "  (outline lists top level only)" if pdf.stem in TOP_LEVEL_ONLY else ""
            idacc = f"{score.id_accuracy:.2f}" if score.id_accuracy is not None else "–"
            print(f"{pdf.stem:<34}{score.gold:>6}{score.found:>7}{score.precision:>7.2f}{score.recall:>7.2f}{score.f1:>7.2f}{idacc:>7}{note}")
        if pdf.stem not in TOP_LEVEL_ONLY:
            total.papers += 1
            total.matched, total.found, total.gold = total.matched + score.matched, total.found + score.found, total.gold + score.gold
        total.ids_checked, total.ids_right = total.ids_checked + score.ids_checked, total.ids_right + score.ids_right
    return total


def main() -> None:
    dev = score_set([p for d in DIRS for p in d.glob("*.pdf")], per_paper=True)
    print(dev.line("dev set micro (tuned on; without top-level-only outlines)"))
    split = registry_split()
    print()
    tuning = score_set(split["tuning"] + split["heldout"], per_paper=True)
    print(tuning.line("registry tuning (all 30 round-1 PDFs) micro"))
    print(score_set(split["tuning"], per_paper=False).line("  of which round-1 tuning part"))
    print(score_set(split["heldout"], per_paper=False).line("  of which round-1 held-out part (tuned on since round 2)"))
    print(score_set(round2_heldout(), per_paper=False).line("round-2 HELD-OUT micro (papers-registry2, never tuned on)"))


if __name__ == "__main__":
    main()
