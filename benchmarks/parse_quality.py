"""Heading quality: every bundled PDF with an outline, parsed with the outline ignored and compared with it.

    python -m benchmarks.parse_quality

Prints per paper heading precision, recall and F1, id accuracy (where the outline
carries numbers) and page accuracy of the matched headings (a match requires the
same page, so it is 1.00 by construction and printed for completeness), then the
micro-averaged figures. PDFs: samples/offline and tests/fixtures/papers.
"""

from __future__ import annotations

from pathlib import Path

import pymupdf

from evals.outline import layout_vs_outline
from tools.outline_headings import has_sections

REPO = Path(__file__).resolve().parents[1]
DIRS = [REPO / "samples" / "offline", REPO / "tests" / "fixtures" / "papers"]
# Outlines that list only the top level, while the paper numbers subsections too: recall is exact, precision is not.
TOP_LEVEL_ONLY = {"2207.05221v4"}


def main() -> None:
    print(f"{'paper':<18}{'gold':>6}{'found':>7}{'P':>7}{'R':>7}{'F1':>7}{'ids':>7}")
    matched = found = gold = ids = ids_right = 0
    for pdf in sorted(p for d in DIRS for p in d.glob("*.pdf")):
        with pymupdf.open(pdf) as doc:
            if not has_sections(doc.get_toc()):  # the parser ignores such an outline too
                continue
        score, _, _ = layout_vs_outline(pdf)
        note = "  (outline lists top level only)" if pdf.stem in TOP_LEVEL_ONLY else ""
        idacc = f"{score.id_accuracy:.2f}" if score.id_accuracy is not None else "–"
        print(f"{pdf.stem:<18}{score.gold:>6}{score.found:>7}{score.precision:>7.2f}{score.recall:>7.2f}{score.f1:>7.2f}{idacc:>7}{note}")
        if pdf.stem not in TOP_LEVEL_ONLY:
            matched, found, gold = matched + score.matched, found + score.found, gold + score.gold
        ids, ids_right = ids + score.ids_checked, ids_right + score.ids_right
    p, r = matched / found, matched / gold
    print(f"micro (without top-level-only outlines): P {p:.2f} R {r:.2f} F1 {2 * p * r / (p + r):.2f}; id accuracy {ids_right / ids:.2f} over {ids} numbered entries")


if __name__ == "__main__":
    main()
