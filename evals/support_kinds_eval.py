"""Selected-evidence role precision per paper kind, on `support-kinds-v1` (the support-v4 batch): does each quote the offline reader selects for a
part of the paper's kind do what that part is about (agent/reading/paper_kinds.toml)?"""

from __future__ import annotations

import json
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from agent.reading.kind_schema import kind_spec
from agent.reading.paper_kind import detect_kind
from evals.sentence_match import SentenceIndex, labellable_selections, sentence_key
from tools.paper_cache import PaperCache

REPO = Path(__file__).resolve().parents[1]
DATASET = REPO / "evals" / "datasets" / "support-kinds-v1.json"  # the support-v4 batch


@dataclass
class KindSupportScores:
    selected: Counter = field(default_factory=Counter)  # kind -> selected sentences that carry a label
    correct: Counter = field(default_factory=Counter)
    unlabelled: int = 0
    mistakes: list[dict] = field(default_factory=list)

    @property
    def precision(self) -> float:
        return sum(self.correct.values()) / sum(self.selected.values()) if self.selected else 0.0


def score(papers: PaperCache | None = None, dataset: Path = DATASET) -> KindSupportScores:
    data = json.loads(Path(dataset).read_text(encoding="utf-8"))
    papers = papers or PaperCache(None)
    labels = {(i["paper"], sentence_key(i["text"])): i for i in data["items"]}
    out = KindSupportScores()
    for paper, pdf_dir in dict.fromkeys((i["paper"], i["pdf_dir"]) for i in data["items"]):
        doc = papers.load(REPO / pdf_dir / f"{paper}.pdf", paper)
        kind = detect_kind(doc).kind
        index = SentenceIndex(doc)  # labels name sentences by text, markers and run-in heads aside
        mine = {key: i for (p, key), i in labels.items() if p == paper}
        for note in labellable_selections(doc, kind):
            item = index.label(mine, note.citation.sentence_ids, note.citation.quote)
            if item is None:
                out.unlabelled += 1
                continue
            out.selected[kind] += 1
            if item["role"] in kind_spec(kind).part(note.part).roles:
                out.correct[kind] += 1
            else:
                out.mistakes.append({"paper": paper, "kind": kind, "part": note.part, "gold": item["role"], "text": item["text"][:120]})
    return out


def dataset_path(arg: str) -> Path | None:
    """A role batch named by path or by name ("support-kinds-v4"), or None."""
    for path in (Path(arg), REPO / "evals" / "datasets" / f"{arg}.json"):
        if path.is_file():
            return path
    return None


def main() -> int:  # python -m evals.support_kinds_eval [DATASET: a path or a name like support-kinds-v4]
    dataset = dataset_path(sys.argv[1]) if len(sys.argv) > 1 else DATASET
    if dataset is None:
        print(f"error: no role batch {sys.argv[1]!r} (a path, or a name like support-kinds-v4)", file=sys.stderr)
        return 2
    s = score(dataset=dataset)
    print(f"selected-evidence role precision {sum(s.correct.values())}/{sum(s.selected.values())} = {s.precision:.2f}"
          f" ({', '.join(f'{k} {s.correct[k]}/{n}' for k, n in s.selected.items())}); unlabelled selections: {s.unlabelled}")
    for m in s.mistakes:  # what to look at when the figure drops
        print(f"  {m['paper']} {m['kind']}.{m['part']} took a {m['gold']} sentence: {m['text']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
