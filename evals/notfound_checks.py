"""Does offline `investigate` say 论文中未找到 only where the paper says nothing? The hand checks, rescored.

    python -m evals.notfound_checks                      # every round (notfound-checks-v1, -v2)
    python -m evals.notfound_checks notfound-checks-v2   # one round

Each item is a question whose offline answer once was 论文中未找到, with a reader's verdict from the whole PDF:
`nothing` (the paper is silent: 论文中未找到 is right) or `answerable` (with the quote a careful reader found, STRONG
or WEAK). An answer agrees when it is found exactly where the verdict is `answerable`.
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from pathlib import Path

from agent.investigate import retrieval_turn
from tools.paper_cache import PaperCache

REPO = Path(__file__).resolve().parents[1]
DATASETS = REPO / "evals" / "datasets"


def score(path: Path, papers: PaperCache | None = None) -> tuple[Counter, Counter, list[str]]:
    """(agreeing answers per split, answers per split, one line per disagreement)."""
    papers = papers or PaperCache(None)
    agree, total, misses = Counter(), Counter(), []
    for item in json.loads(path.read_text(encoding="utf-8"))["items"]:
        turn = retrieval_turn(papers.load(REPO / item["pdf"]), item["question"])
        answerable = item["verdict"] != "nothing"
        total[item["split"]] += 1
        if turn.found == answerable:
            agree[item["split"]] += 1
            continue
        strength = ("STRONG" if item["note"][:6].upper() == "STRONG" else "WEAK") if answerable else ""
        said = "论文中未找到" if not turn.found else f"answered “{turn.citations[0].quote[:80]}”" if turn.citations else "answered"
        misses.append(f"  {Path(item['pdf']).name}: {item['question']} -> {said}; the reader: {item['verdict']} {strength}".rstrip())
    return agree, total, misses


def main(argv: list[str] | None = None) -> int:
    names = (argv if argv is not None else sys.argv[1:]) or sorted(p.stem for p in DATASETS.glob("notfound-checks-v*.json"))
    for name in names:
        path = DATASETS / f"{name}.json"
        if not path.is_file():
            print(f"error: no hand-check round {name!r} (e.g. notfound-checks-v2)", file=sys.stderr)
            return 2
        agree, total, misses = score(path)
        print(f"{name}: " + ", ".join(f"{split} {agree[split]}/{n}" for split, n in total.items()))
        print("\n".join(misses))
    return 0


if __name__ == "__main__":
    sys.exit(main())
