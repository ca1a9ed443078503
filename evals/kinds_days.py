"""Paper kind from title and abstract, over whole arXiv days: the kinds a daily run really meets.

    python -m evals.kinds_days                 # the dev day (2025-10-22)
    python -m evals.kinds_days --split heldout # the two held-out days, labelled twice, blind
    python -m evals.kinds_days --dataset evals/datasets/kinds-feeds-v1.json --split heldout  # 120 API papers, many fields

The papers of `evals/datasets/days/` have no full text, so each is read as its feed gives it: a title and an
abstract with no sections. That is the part of the kind rules a full text does not change (the title and
abstract cues); `kinds_heldout` measures the rest on full texts. Gold kinds: `kinds-days-v1.json` (and
`kinds-feeds-v1.json`, whose items carry their own title and abstract), labelled with `kinds-guide.md` by
helpers who never saw the rules.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path

from agent.reading.kind_schema import KINDS
from agent.reading.paper_kind import detect_kind
from tools.feeds import parse_feed
from tools.paper_model import PaperDocument

REPO = Path(__file__).resolve().parents[1]
DATASET = REPO / "evals" / "datasets" / "kinds-days-v1.json"
DAYS = REPO / "evals" / "datasets" / "days"


def abstract_only(arxiv_id: str, title: str, abstract: str) -> PaperDocument:
    """A paper as its feed entry shows it: title and abstract, no body."""
    return PaperDocument(source=f"feed:{arxiv_id}", arxiv_id=arxiv_id, title=title, abstract=abstract, page_count=0,
                         structure_source="layout", sections=[])


def feed_papers(days: Path = DAYS) -> dict[str, tuple[PaperDocument, tuple[str, ...]]]:
    """Every paper of the bundled days: its feed entry as a document, and its categories (primary first)."""
    out: dict[str, tuple[PaperDocument, tuple[str, ...]]] = {}
    for path in sorted(days.glob("*/*.xml")):
        for entry in parse_feed(path.read_bytes(), source=str(path)).entries:
            out[entry.arxiv_id] = (abstract_only(entry.arxiv_id, entry.title, entry.abstract), entry.categories_primary_first)
    return out


def labelled_paper(item: dict, days: dict[str, tuple[PaperDocument, tuple[str, ...]]]) -> tuple[PaperDocument, tuple[str, ...]]:
    """A labelled item as a document and its categories: its own title and abstract, else its day's feed entry."""
    if "abstract" in item:
        category = item.get("primary_category") or ""
        return abstract_only(item["paper"], item["title"], item["abstract"]), (category,) if category else ()
    return days[item["paper"]]


def score(split: str, dataset: Path = DATASET, days: Path = DAYS, labeller: str = "kind",
          rules_only: bool = False) -> tuple[Counter, Counter, Counter]:
    """(right per gold kind, papers per gold kind, (gold, predicted) confusions) over the split's papers."""
    items = [i for i in json.loads(dataset.read_text(encoding="utf-8"))["items"] if i["split"] == split and labeller in i]
    papers = feed_papers(days) if any("abstract" not in i for i in items) else {}
    right, total, confusions = Counter(), Counter(), Counter()
    for item in items:
        gold = item[labeller]
        paper, categories = labelled_paper(item, papers)
        predicted = detect_kind(paper, categories, classifier=None if rules_only else "trained").kind
        total[gold] += 1
        if predicted == gold:
            right[gold] += 1
        else:
            confusions[(gold, predicted)] += 1
    return right, total, confusions


def cross_validate(folds: int = 5, seed: int = 0) -> tuple[Counter, Counter, Counter]:
    """Kind accuracy of rules + classifier on the classifier's own training papers, each fold scored by a
    classifier trained without it (the rules were tuned on these papers, so this is a dev figure)."""
    from sklearn.model_selection import StratifiedKFold

    from agent.reading import kind_classifier as kc

    rows = kc.training_rows()
    kinds = [r["kind"] for r in rows]
    right, total, confusions = Counter(), Counter(), Counter()
    for train_idx, test_idx in StratifiedKFold(folds, shuffle=True, random_state=seed).split(rows, kinds):
        fold_model = kc.train([rows[i] for i in train_idx])  # this fold's papers stay unseen
        for i in test_idx:
            r = rows[i]
            paper = abstract_only(r["id"], r["title"], r["abstract"])
            predicted = detect_kind(paper, (r["category"],) if r["category"] else (), classifier=fold_model).kind
            total[r["kind"]] += 1
            if predicted == r["kind"]:
                right[r["kind"]] += 1
            else:
                confusions[(r["kind"], predicted)] += 1
    return right, total, confusions


def report(right: Counter, total: Counter, confusions: Counter) -> str:
    n, ok = sum(total.values()), sum(right.values())
    lines = [f"kind accuracy {ok}/{n} = {ok / n:.2f}" if n else "no papers"]
    lines.append("  per gold kind (recall): " + ", ".join(f"{k} {right[k]}/{total[k]}" for k in KINDS if total[k]))
    called = Counter()
    for (_, p), c in confusions.items():
        called[p] += c
    lines.append("  per predicted kind (precision): " + ", ".join(
        f"{k} {right[k]}/{right[k] + called[k]}" for k in KINDS if right[k] + called[k]))
    non_method = [k for k in KINDS if k != "method" and total[k]]
    nm_total, nm_right = sum(total[k] for k in non_method), sum(right[k] for k in non_method)
    if nm_total:
        lines.append(f"  papers that are not method papers: {nm_right}/{nm_total} = {nm_right / nm_total:.2f}")
    if confusions:
        lines.append("  confusions (gold -> predicted): " + ", ".join(f"{g} -> {p} x{c}" for (g, p), c in confusions.most_common()))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m evals.kinds_days", description=__doc__.split("\n\n")[0])
    parser.add_argument("--split", choices=("dev", "heldout"), default="dev", help="which days (default: %(default)s)")
    parser.add_argument("--dataset", type=Path, default=DATASET, help="the kinds file (default: %(default)s)")
    parser.add_argument("--cross-validate", action="store_true", help="5-fold cross-validation of rules + classifier on its training papers")
    parser.add_argument("--rules-only", action="store_true", help="without the text classifier")
    parser.add_argument("--second-labeller", action="store_true", help="score against the second labeller's kinds")
    args = parser.parse_args(argv)
    labeller = "kind_second_labeller" if args.second_labeller else "kind"
    if args.cross_validate:
        print(report(*cross_validate()))
        return 0
    if not args.dataset.is_file():
        print(f"error: {args.dataset}: no such file", file=sys.stderr)
        return 2
    print(report(*score(args.split, args.dataset, labeller=labeller, rules_only=args.rules_only)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
