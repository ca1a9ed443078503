"""Route a question about a paper by its type before searching: where in a paper such answers stand.

"What problem does this paper address?" is answered in the abstract and the
introduction, "How is it evaluated?" in the experiments, "What are its
limitations?" in the limitations and conclusion. Chinese questions are routed by
their own words (问题、方法、实验、局限 ...), then searched through the glossary.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from agent.evidence_reader import Candidate, classified_sentences, section_types
from tools.paper_model import PaperDocument
from tools.search_index import term_groups

QUESTION_TYPES: dict[str, dict] = {
    "problem": {
        "patterns": [r"\bproblems?\b", r"\bmotivat", r"\bwhy\b", r"\baddress", r"\bchalleng", r"\bgoal\b", r"\baims?\b", r"\bgap\b",
                     r"问题", r"动机", r"为什么", r"解决", r"挑战", r"目标", r"背景"],
        "sections": ("abstract", "introduction"), "roles": ("motivation", "contribution"),
    },
    "contribution": {
        "patterns": [r"\bcontribut", r"\bnovel", r"\bnew\b", r"\bpropose", r"贡献", r"创新", r"提出"],
        "sections": ("abstract", "introduction", "conclusion"), "roles": ("contribution",),
    },
    "method": {
        "patterns": [r"\bmethods?\b", r"\bapproach", r"\bhow (does|do|is|are) (it|the|they|this)\b(?!.*evaluat)", r"\barchitecture", r"\balgorithm",
                     r"\bwork(s)?\?$", r"方法", r"如何实现", r"怎么做", r"原理", r"架构", r"算法", r"模型结构"],
        "sections": ("method",), "roles": ("method",),
    },
    "evaluation": {
        "patterns": [r"\bevaluat", r"\bexperiment", r"\bresults?\b", r"\bdatasets?\b", r"\bbenchmark", r"\bmetrics?\b", r"\bperform",
                     r"\baccura", r"\bbaselines?\b", r"\btested\b", r"评估", r"评价", r"实验", r"结果", r"数据", r"基准", r"指标", r"性能", r"效果"],
        "sections": ("experiments", "abstract"), "roles": ("result", "method"),
        # Where no section is called an evaluation (claims as titles, a theory paper), these words mark one.
        "words": r"\b(evaluat\w*|benchmark\w*|accuracy|metrics?|baselines?|test set|held-out|we (test|measure|compare)\w*)\b",
    },
    "limitation": {
        "patterns": [r"\blimitation", r"\bweakness", r"\bfuture\b", r"\bdrawback", r"\bfail", r"\bshortcoming", r"局限", r"不足", r"限制", r"缺点", r"未来"],
        "sections": ("limitations", "conclusion"), "roles": ("limitation",),
    },
}
_COMPILED = {name: [re.compile(p, re.I) for p in spec["patterns"]] for name, spec in QUESTION_TYPES.items()}
_WORDS = {name: re.compile(spec["words"], re.I) for name, spec in QUESTION_TYPES.items() if "words" in spec}
_OPENING = ("introduction", "related", "abstract")  # sections that frame a paper rather than report it
# Words that only say what kind of question it is: a question made of nothing else is generic.
_TYPE_WORDS = set(
    """what which how why does do is are the this paper papers work address addresses addressed problem problems solve method methods approach
    evaluate evaluated evaluation experiment experiments result results limitation limitations contribution contributions propose proposed main
    key use used it they its their authors author study studies tackle aim aims goal motivation future weakness weaknesses""".split()
)


_TYPE_STEMS = {w for g in term_groups(" ".join(_TYPE_WORDS)) for w in g}


@dataclass
class Route:
    types: list[str]  # in the order the question asks them
    generic: bool  # nothing to search for beyond the type of question

    @property
    def section_types(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(t for name in self.types for t in QUESTION_TYPES[name]["sections"]))


def route_question(question: str) -> Route:
    low = question.lower()
    found = []
    for name, patterns in _COMPILED.items():
        hits = [m.start() for p in patterns if (m := p.search(low))]
        if hits:
            found.append((min(hits), name))
    types = [name for _, name in sorted(found)]
    if "evaluation" in types and "method" in types:
        types.remove("method")  # "How is the method evaluated?" asks about the evaluation
    content = [g for g in term_groups(question) if not g & _TYPE_STEMS]
    return Route(types=types, generic=bool(types) and not content)


def routed_sections(doc: PaperDocument, route: Route) -> set[str]:
    """Ids of the sections (and their subsections) where answers of this type stand."""
    wanted = set(route.section_types)
    return {sid for sid, kind in section_types(doc).items() if kind in wanted}


def _place(spec: dict, c: Candidate) -> int:
    """0: the type's own kind of section; 1: elsewhere in the body; 2: the other listed sections (the abstract); 3: appendices."""
    if c.where == spec["sections"][0]:
        return 0
    if c.where in spec["sections"]:
        return 2
    return 3 if c.where == "appendix" else 1


def typed_evidence(doc: PaperDocument, route: Route, per_type: int = 2) -> list[Candidate]:
    """For a generic question: sentences whose role answers each asked type, from the sections such answers stand in.

    Within those sections the nearer kind of section comes first ("How is it evaluated?"
    is answered from the experiments before the abstract). A paper without the
    type's main role there (a theory paper has no "Experiments") falls back to that
    role's sentences anywhere but the opening sections; a problem question with
    no motivation found falls back to the opening sentences of the abstract and
    introduction, which state the problem whatever their cue words.
    """
    candidates = classified_sentences(doc)
    chosen: list[Candidate] = []
    for name in route.types:
        spec = QUESTION_TYPES[name]
        fitting = [c for c in candidates if c.role in spec["roles"] and c not in chosen]
        placed = [c for c in fitting if c.where in spec["sections"]]
        if not any(c.where == spec["sections"][0] for c in placed) and not set(spec["sections"]) <= set(_OPENING):
            words = _WORDS.get(name)
            placed += [c for c in fitting if c.where not in _OPENING and c.where not in spec["sections"]
                       and (c.role == spec["roles"][0] or (words is not None and words.search(c.sentence.text)))]
        if not placed and name == "problem":
            placed = [c for c in candidates if c.where in spec["sections"] and c not in chosen][:per_type]
        placed.sort(key=lambda c: (_place(spec, c), spec["roles"].index(c.role) if c.role in spec["roles"] else 9, -c.score, c.order))
        chosen += placed[:per_type]
    return chosen
