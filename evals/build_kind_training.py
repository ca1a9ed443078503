"""Write the kind classifier's training file from the labelled abstract datasets.

    python -m evals.build_kind_training

`agent/reading/kind_training.jsonl` holds one labelled arXiv paper per line (title, abstract, primary
category, kind: the first labeller's). It is built from every abstract dataset that has been measured
and is dev data now; a batch kept held out must never be added before it has been measured.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from evals.kinds_days import feed_papers, labelled_paper

REPO = Path(__file__).resolve().parents[1]
OUT = REPO / "agent" / "reading" / "kind_training.jsonl"
SOURCES = ("kinds-days-v1", "kinds-feeds-v1", "kinds-fresh-v1", "kinds-fresh-v2", "kinds-fresh-v3", "kinds-fresh-v4",
           "kinds-fresh-v5")


def training_rows(sources: tuple[str, ...] = SOURCES) -> list[dict]:
    days = feed_papers()
    rows = []
    for name in sources:
        for item in json.loads((REPO / "evals" / "datasets" / f"{name}.json").read_text(encoding="utf-8"))["items"]:
            doc, categories = labelled_paper(item, days)
            rows.append({"id": item["paper"], "title": doc.title, "abstract": doc.abstract, "category": categories[0] if categories else "",
                         "kind": item["kind"], "from": name})
    return rows


def main() -> int:
    rows = training_rows()
    OUT.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    print(f"{len(rows)} labelled papers -> {OUT.relative_to(REPO)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
