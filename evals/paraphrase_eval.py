"""Does offline `investigate` answer a question whatever its wording? The `paraphrase` dataset, scored per split.

Each phrasing of a category is asked of every paper of the set that has a section of the category's kind; an
answer counts when it is found and its first quote stands in one of the category's sections. Evaluation
questions must also give the set-up (an experiments sentence that is not a result) before any result.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from agent.investigate import retrieval_turn
from agent.reading.evidence_reader import classified_sentences, section_types
from tools.paper_cache import PaperCache

REPO = Path(__file__).resolve().parents[1]
DATASET = REPO / "evals" / "datasets" / "paraphrase-v1.json"


@dataclass
class ParaphraseScores:
    split: str
    asked: Counter = field(default_factory=Counter)  # category -> questions asked
    right: Counter = field(default_factory=Counter)  # category -> answered from a right section
    not_found: list[tuple[str, str]] = field(default_factory=list)
    wrong: list[tuple[str, str, str]] = field(default_factory=list)
    setup_first: Counter = field(default_factory=Counter)  # "yes"/"no" for setup questions answered

    @property
    def rate(self) -> float:
        return sum(self.right.values()) / sum(self.asked.values()) if self.asked else 0.0


def load() -> dict:
    return json.loads(DATASET.read_text(encoding="utf-8"))


def score(split: str, papers: PaperCache | None = None) -> ParaphraseScores:
    data = load()
    papers = papers or PaperCache(None)
    out = ParaphraseScores(split)
    for p in data["papers"]:
        doc = papers.load(REPO / p["pdf_dir"] / f"{p['paper']}.pdf", p["paper"])
        kinds = section_types(doc)
        roles = {c.sentence.id: c.role for c in classified_sentences(doc)}
        present = set(kinds.values())
        for category, phrasings in data["phrasings"].items():
            allowed = set(data["sections"][category])
            if not (allowed - {"abstract"}) & present:
                continue  # the paper has no such section: nothing to answer from
            for s, question in phrasings:
                if s != split:
                    continue
                out.asked[category] += 1
                turn = retrieval_turn(doc, question)
                if category in data.get("no_answer", {}).get(p["paper"], []):
                    if turn.found:
                        out.wrong.append((p["paper"], question, "answered, but the paper says nothing"))
                    else:
                        out.right[category] += 1
                    continue
                if not turn.found or not turn.citations:
                    out.not_found.append((p["paper"], question))
                    continue
                first = kinds.get(turn.citations[0].section_id, "other")
                elsewhere = data.get("stated_elsewhere", {}).get(p["paper"], {}).get(category, [])
                if first in allowed or turn.citations[0].section_id in elsewhere:
                    out.right[category] += 1
                else:
                    out.wrong.append((p["paper"], question, first))
                if category == "setup":
                    first_role = roles.get(turn.citations[0].sentence_ids[0], "other") if turn.citations[0].sentence_ids else "other"
                    out.setup_first["yes" if first_role != "result" else "no"] += 1
    return out


def main() -> None:  # python -m evals.paraphrase_eval
    for split in ("dev", "heldout"):
        s = score(split)
        per = ", ".join(f"{c} {s.right[c]}/{s.asked[c]}" for c in s.asked)
        print(f"{split}: {sum(s.right.values())}/{sum(s.asked.values())} = {s.rate:.2f} ({per}); set-up first {s.setup_first['yes']}/{sum(s.setup_first.values())}")
        for paper, q in s.not_found:
            print(f"  not found: {paper}: {q}")
        for paper, q, where in s.wrong:
            print(f"  wrong section ({where}): {paper}: {q}")


if __name__ == "__main__":
    main()
