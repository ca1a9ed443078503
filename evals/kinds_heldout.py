"""Blind held-out measurement for issue #22: paper kind accuracy and per-kind evidence role precision.

Two steps, so that whoever labels the evidence never sees what the product decided:

    python -m evals.kinds_heldout packet OUT_DIR      # run the rules on the batch (kinds-v2.json)
    python -m evals.kinds_heldout score LABELS.json   # after a person labelled OUT_DIR/to_label.json

`packet` runs `detect_kind` and the offline reader (`role_notes`) on every paper of the batch and
writes OUT_DIR/to_label.json (the selected sentences, shuffled, with no kind and no part shown),
OUT_DIR/key.json (id -> paper, predicted kind, part) and OUT_DIR/kinds.json (paper -> predicted
kind, so that papers without a selection still count for kind accuracy). The labeller writes a
file {id: role} with roles from ROLES. `score` compares the predicted kinds with the gold kinds of
the dataset and counts a selection as correct when its labelled role is one the part accepts
(`kind_spec(kind).part(part).roles`). Run `packet` once, after the rules are frozen: the batch is
held out.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from agent.reading.kind_schema import KINDS, kind_spec
from agent.reading.paper_kind import detect_kind
from evals.sentence_match import labellable_selections
from tools.paper_cache import PaperCache
from tools.paper_loader import load_paper
from tools.paper_model import PaperDocument

REPO = Path(__file__).resolve().parents[1]
DATASET = REPO / "evals" / "datasets" / "kinds-v2.json"
SEED = 22  # the number: a fixed shuffle, so a packet can be rebuilt identically
ROLES = ("motivation", "contribution", "method", "result", "limitation", "scope", "taxonomy", "finding", "open_problem",
         "data", "annotation", "protocol", "theorem", "assumption", "proof", "claim", "argument", "counter",
         "design_goal", "other")
INSTRUCTIONS = ("Give each item the one role its sentence plays in its paper, from `roles`. Write a JSON object "
                "{id: role} and pass it to `python -m evals.kinds_heldout score`.")


class BadInput(Exception):
    """A missing or malformed input file: reported on one line, no traceback."""


def read_json(path: Path) -> dict:
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise BadInput(f"{path}: no such file") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
        raise BadInput(f"{path}: not readable JSON ({e})") from None
    if not isinstance(data, dict):
        raise BadInput(f"{path}: expected a JSON object")
    return data


def gold_kinds(dataset: Path) -> dict[str, dict]:
    """paper -> its dataset item (kind, pdf_dir, why, split)."""
    items = read_json(dataset).get("items")
    if not isinstance(items, list) or not all(isinstance(i, dict) and {"paper", "pdf_dir", "kind"} <= i.keys() for i in items):
        raise BadInput(f"{dataset}: expected items with paper, pdf_dir and kind")
    return {i["paper"]: i for i in items}


def load_item(item: dict, papers: PaperCache) -> PaperDocument:
    """The paper as support_kinds_eval reads it: its PDF through the cache, else its HTML through the loader."""
    base = REPO / item["pdf_dir"] / item["paper"]
    pdf, html = base.with_name(base.name + ".pdf"), base.with_name(base.name + ".html")
    if pdf.exists():
        return papers.load(pdf, item["paper"])
    if html.exists():
        return load_paper(str(html), None, papers)
    raise BadInput(f"{item['paper']}: neither {pdf.name} nor {html.name} in {item['pdf_dir']}")


def section_title(doc: PaperDocument, section_id: str) -> str:
    section = doc.section(section_id)
    return section.heading if section is not None else section_id


def packet(out_dir: Path, dataset: Path = DATASET, papers: PaperCache | None = None, seed: int = SEED) -> tuple[list[dict], dict]:
    """Run the rules on every paper of `dataset` and write the blind packet into `out_dir`."""
    papers = papers or PaperCache(None)
    gold = gold_kinds(dataset)
    selections: list[dict] = []
    kinds: dict[str, str] = {}
    for n, (paper, item) in enumerate(gold.items(), 1):
        doc = load_item(item, papers)
        kind = detect_kind(doc).kind
        kinds[paper] = kind
        before = len(selections)
        for note in labellable_selections(doc, kind):
            selections.append({"paper": paper, "section_title": section_title(doc, note.citation.section_id),
                               "text": note.citation.quote, "predicted_kind": kind, "part": note.part})
        print(f"[{n}/{len(gold)}] {paper}: {len(selections) - before} selections", file=sys.stderr)
    random.Random(seed).shuffle(selections)
    to_label, key = [], {}
    for i, s in enumerate(selections, 1):
        sid = f"s{i:03d}"
        to_label.append({"id": sid, "paper": s["paper"], "section_title": s["section_title"], "text": s["text"]})
        key[sid] = {"paper": s["paper"], "predicted_kind": s["predicted_kind"], "part": s["part"]}
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    _write(out_dir / "to_label.json", {"instructions": INSTRUCTIONS, "roles": list(ROLES), "items": to_label})
    _write(out_dir / "key.json", key)
    _write(out_dir / "kinds.json", kinds)
    return to_label, key


def _write(path: Path, data) -> None:
    path.write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


@dataclass
class HeldoutScores:
    kind_right: Counter = field(default_factory=Counter)  # gold kind -> papers whose predicted kind is right
    kind_total: Counter = field(default_factory=Counter)  # gold kind -> papers
    confusions: Counter = field(default_factory=Counter)  # (gold, predicted) -> papers, wrong ones only
    selected: Counter = field(default_factory=Counter)  # predicted kind -> labelled selections
    correct: Counter = field(default_factory=Counter)
    unlabelled: int = 0
    mistakes: Counter = field(default_factory=Counter)  # (kind, part, labelled role) -> selections

    @property
    def kind_accuracy(self) -> float:
        return sum(self.kind_right.values()) / sum(self.kind_total.values()) if self.kind_total else 0.0

    @property
    def precision(self) -> float:
        return sum(self.correct.values()) / sum(self.selected.values()) if self.selected else 0.0


def score(dataset: Path, key: dict, labels: dict, kinds: dict | None = None) -> HeldoutScores:
    """Kind accuracy over the dataset's papers and role precision over the labelled selections of `key`."""
    gold = gold_kinds(dataset)
    bad = {sid: role for sid, role in labels.items() if role not in ROLES}
    if bad:
        sid, role = next(iter(bad.items()))
        raise BadInput(f"labels: {len(bad)} roles not in the vocabulary, e.g. {sid}: {role!r}")
    predicted = dict(kinds or {})
    for entry in key.values():
        predicted.setdefault(entry["paper"], entry["predicted_kind"])
    out = HeldoutScores()
    for paper, item in gold.items():
        out.kind_total[item["kind"]] += 1
        guess = predicted.get(paper)
        if guess == item["kind"]:
            out.kind_right[item["kind"]] += 1
        else:
            out.confusions[(item["kind"], guess or "(not run)")] += 1
    for sid, entry in key.items():
        role = labels.get(sid)
        if role is None:
            out.unlabelled += 1
            continue
        kind, part = entry["predicted_kind"], entry["part"]
        out.selected[kind] += 1
        spec = kind_spec(kind).part(part)
        if spec is not None and role in spec.roles:
            out.correct[kind] += 1
        else:
            out.mistakes[(kind, part, role)] += 1
    return out


def report(s: HeldoutScores) -> str:
    lines = [f"kind accuracy {sum(s.kind_right.values())}/{sum(s.kind_total.values())} = {s.kind_accuracy:.2f}"]
    lines.append("  per gold kind: " + ", ".join(f"{k} {s.kind_right[k]}/{s.kind_total[k]}" for k in KINDS if s.kind_total[k]))
    if s.confusions:
        lines.append("  confusions (gold -> predicted): "
                     + ", ".join(f"{g} -> {p} x{n}" for (g, p), n in s.confusions.most_common()))
    lines.append(f"selected-evidence role precision {sum(s.correct.values())}/{sum(s.selected.values())} = {s.precision:.2f}")
    lines.append("  per predicted kind: " + ", ".join(
        f"{k} {s.correct[k]}/{s.selected[k]} = {s.correct[k] / s.selected[k]:.2f}" for k in KINDS if s.selected[k]))
    if s.mistakes:
        lines.append("  wrong (kind, part, labelled role): "
                     + ", ".join(f"{k}/{p}/{r} x{n}" for (k, p, r), n in s.mistakes.most_common()))
    if s.unlabelled:
        lines.append(f"  selections without a label: {s.unlabelled}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m evals.kinds_heldout", description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("packet", help="run the rules on the batch and write to_label.json, key.json and kinds.json")
    p.add_argument("out_dir", type=Path)
    p.add_argument("--dataset", type=Path, default=DATASET, help="the kinds file (default: %(default)s)")
    p.add_argument("--seed", type=int, default=SEED, help="shuffle seed (default: %(default)s)")
    s = sub.add_parser("score", help="score labelled selections against the packet's key")
    s.add_argument("labels", type=Path, help="JSON object {id: role}")
    s.add_argument("--key", type=Path, help="the packet's key.json (default: key.json beside LABELS)")
    s.add_argument("--dataset", type=Path, default=DATASET, help="the kinds file (default: %(default)s)")
    args = parser.parse_args(argv)
    try:
        if args.command == "packet":
            items, _ = packet(args.out_dir, args.dataset, seed=args.seed)
            print(f"{len(items)} selections to label in {args.out_dir / 'to_label.json'}")
        else:
            key_path = args.key or args.labels.with_name("key.json")
            kinds_path = key_path.with_name("kinds.json")
            kinds = read_json(kinds_path) if kinds_path.exists() else None
            print(report(score(args.dataset, read_json(key_path), read_json(args.labels), kinds)))
    except BadInput as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
