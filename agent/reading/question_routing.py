"""Route a question about a paper by its type before searching: where in a paper such answers stand.

"What problem does this paper address?" is answered in the abstract and the
introduction, "How is it evaluated?" in the experiments, "What are its
limitations?" in the limitations and conclusion. Chinese questions are routed by
their own words (问题、方法、实验、局限 ...), then searched through the glossary.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from agent.reading.evidence_reader import LIMITATION_TITLE, Candidate, classified_sentences, section_types
from tools.paper_model import PaperDocument
from tools.rhetoric import never_evidence
from tools.search_index import term_groups

QUESTION_TYPES: dict[str, dict] = {
    "problem": {
        "patterns": [r"\bproblems?\b", r"\bmotivat", r"\bwhy\b", r"\baddress", r"\bchalleng", r"\bgoal\b", r"\baims?\b", r"\bgap\b",
                     r"\bissues? (is|are|does|do)\b", r"\btackl", r"\bresearch questions?\b", r"\bpurpose\b", r"\btrying to solve\b",
                     r"\b(shortcomings?|limitations?|weakness\w*) of (prior|existing|previous|current)\b",
                     r"问题", r"动机", r"为什么", r"解决", r"挑战", r"目标", r"背景"],
        "sections": ("abstract", "introduction"), "roles": ("motivation", "contribution"),
    },
    "contribution": {
        "patterns": [r"\bcontribut", r"\bnovel", r"\bnew\b", r"\bpropose(?! ?d)", r"贡献", r"创新", r"提出"],
        "sections": ("abstract", "introduction", "conclusion"), "roles": ("contribution",),
    },
    "method": {
        "patterns": [r"\bmethods?\b", r"\bapproach", r"\bhow (does|do|did|is|are|was|were) (it|the|they|this|their)\b", r"\barchitecture", r"\balgorithm",
                     r"\btechniques?\b", r"\bpipeline\b", r"\bprocedure\b", r"\bmechanism\b", r"\bbuil[dt]\b", r"\bimplement",
                     r"\bwork(s)?\?$", r"\boperates?\b", r"\bproofs?\b", r"证明思路", r"方法", r"如何实现", r"怎么做", r"原理", r"架构", r"算法", r"模型结构", r"技术"],
        "sections": ("method",), "roles": ("method",),
    },
    # How something is evaluated: the set-up (data, metrics, baselines) is answered before the results.
    "setup": {
        "patterns": [r"\bevaluat", r"\bexperimental (setup|set-up|settings?|design|protocol)\b", r"\bsetup\b|\bset-up\b", r"\bprotocol\b",
                     r"\bhow (is|are|was|were|do|does|did) .*\b(test|tested|assess|assessed|validat\w*|measur\w*|benchmark\w*)\b",
                     r"\bmetrics?\b", r"\bmeasures?\b", r"实验.*设置", r"设置", r"评估", r"评价", r"指标", r"怎么测"],
        "sections": ("experiments",), "roles": ("method", "other", "result"), "then": "results",
        "words": r"\b(evaluat\w*|metrics?|measur\w*|datasets?|benchmarks?|baselines?|compar\w*|test(ed|ing)?|train(ed|ing)?|splits?|settings?|"
                 r"configur\w*|participants?|tasks?|we (use|run|ran|conduct|perform|report)\w*)\b",
    },
    "datasets": {
        "patterns": [r"\bdatasets?\b", r"\bdata\b", r"\bcorp(us|ora)\b", r"\bbenchmarks?\b", r"\btest sets?\b", r"数据"],
        "sections": ("experiments",), "roles": ("method", "other", "result"),
        "words": r"\b(datasets?|data|corp(us|ora)|benchmarks?|test sets?|collections?|questions|examples|samples|instances|splits?)\b",
    },
    "baselines": {
        "patterns": [r"\bbaselines?\b", r"\bcompar", r"\bagainst\b", r"\bcompeting\b", r"\balternatives?\b", r"\bversus\b|\bvs\.?\b",
                     r"对比", r"比较", r"基线"],
        "sections": ("experiments",), "roles": ("method", "other", "result"),
        "words": r"\b(baselines?|compar\w*|against|versus|vs\.?|state[- ]of[- ]the[- ]art|prior (work|methods?|systems?)|competing|outperform\w*)\b",
    },
    "results": {
        "patterns": [r"\bresults?\b", r"\bperform", r"\bhow (well|good)\b", r"\bfind(ings?)?\b|\bfound\b", r"\boutcomes?\b", r"\baccura",
                     r"\boutperform", r"\bnumbers\b", r"\bachiev", r"效果", r"结果", r"表现", r"性能"],
        "sections": ("experiments", "abstract"), "roles": ("result", "method"),
        # Where no section is called an evaluation (claims as titles, a theory paper), these words mark one.
        "words": r"\b(evaluat\w*|benchmark\w*|accuracy|metrics?|baselines?|test set|held-out|we (test|measure|compare)\w*)\b",
    },
    "limitation": {
        "patterns": [r"\blimitation(?!s? of (prior|existing|previous|current))", r"\bweakness(?!\w* of (prior|existing|previous|current))", r"\bfuture\b",
                     r"\bdrawback", r"\bfail", r"\bfall short\b", r"\bshortcoming(?!s? of (prior|existing|previous|current))", r"\bcaveats?\b",
                     r"\bnot (handle|address|cover|support)\b", r"\bopen (issues?|problems?|questions?)\b", r"局限", r"不足", r"限制", r"缺点", r"未来"],
        "sections": ("limitations", "conclusion"), "roles": ("limitation",),
    },
    # A theory paper's theorems: answered from its 主要结果 (agent/reading/paper_kinds.toml) when the paper is one.
    "theorem": {
        "patterns": [r"\btheorems?\b", r"\blemmas?\b", r"\bpropositions?\b", r"\bwhat (do|does|did) (they|the authors?|this paper|the paper|it) (prove|show)\b",
                     r"定理", r"证明了什么"],
        "sections": ("method", "other", "introduction", "abstract", "conclusion"), "roles": ("contribution", "result"),
    },
    # How the paper's own data was made (a dataset paper's 数据来源/标注), as against which datasets the experiments use.
    "collection": {
        "patterns": [r"\b(collect|annotat|label|gather|crawl|curat|construct|creat|buil[dt]|sourc)\w*\b[^?]*\b(data|dataset|corpus|benchmark)|"
                     r"\b(data|dataset|corpus|benchmark)\b[^?]*\b(collect|annotat|label|gather|crawl|curat|construct|creat|buil[dt]|sourc)\w*",
                     r"数据.*(收集|采集|标注|构建|来源)|(收集|采集|标注|构建).*数据"],
        "sections": ("method", "experiments", "other", "appendix", "introduction"), "roles": ("method",),
        "words": r"\b(annotat\w*|label(l)?ed|label(l)?ing|crowd\w*|inter-annotator|agreement|manually|collected|crawled|gathered|sourced|"
                 r"we (collect|construct|build|create|curate|gather|generate|select)\w*|(consists?|comprises?|contains?) (of )?\d)\b",
    },
    # A theory paper's key assumptions: sentences that assume, wherever the derivation stands.
    "assumption": {
        "patterns": [r"\bassum", r"\bpremises?\b", r"\bpreconditions?\b", r"假设|前提"],
        "sections": ("method", "other", "introduction", "abstract", "experiments"), "roles": ("method",),
        "words": r"\b(we|they|one) (also |further |will |shall )?(assume|suppose)\b|\bassum(e|es|ed|ing|ptions?)\b|\bunder the (\w+ )?(assumptions?|conditions?|hypothes[ie]s)\b",
    },
}
# Question kinds answered by a sentence chosen by its words rather than its role.
_BY_WORDS = ("setup", "datasets", "baselines", "assumption", "collection")
_COMPILED = {name: [re.compile(p, re.I) for p in spec["patterns"]] for name, spec in QUESTION_TYPES.items()}
_WORDS = {name: re.compile(spec["words"], re.I) for name, spec in QUESTION_TYPES.items() if "words" in spec}
_OPENING = ("introduction", "related", "abstract")  # sections that frame a paper rather than report it
# Words that only say what kind of question it is: a question made of nothing else is generic.
_TYPE_WORDS = set(
    """what which how why does do did is are was were the this paper papers work address addresses addressed problem problems solve method methods approach
    evaluate evaluated evaluation experiment experiments experimental result results limitation limitations contribution contributions propose proposed main
    key use used it they its their authors author study studies tackle tackling aim aims goal motivation future weakness weaknesses
    data dataset datasets benchmark benchmarks benchmarked corpus baseline baselines compare compared comparison against which on and with in of
    metric metrics measure measures setup set up protocol test tested testing assess assessed system perform performance well good find found findings
    outcome outcomes accuracy achieve outperform prior numbers describe explain technique techniques pipeline algorithm architecture build built
    drawback drawbacks shortcoming shortcomings caveat caveats fall short issue issues challenge challenges gap motivates research question
    there any reported report get mention mentioned remain open handle according core consist consists operate operates can you me tell about
    collect collected collection annotate annotated annotation annotations label labeled labelled labels gather gathered construct constructed
    create created curated sourced assumption assumptions assume make theorem theorems lemma lemmas proposition propositions
    prove proves proved proof proofs idea studied examined considered employed employ analyzed analysed uses using
    analyze analyse analyzes analyses examine examines consider considers adopt adopted""".split()
)


_TYPE_STEMS = {w for g in term_groups(" ".join(_TYPE_WORDS)) for w in g}


@dataclass
class Route:
    types: list[str]  # in the order the question asks them
    generic: bool  # nothing to search for beyond the type of question
    # The question asks for future work or open issues too: then every sentence of a future-directions section
    # answers it; "What are the limitations?" takes from such a section only what states a limitation or future work.
    future: bool = True

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
    types = [name for _, name in sorted(found, key=lambda f: (f[0], list(QUESTION_TYPES).index(f[1])))]
    if "method" in types and set(types) - {"method", "contribution"}:
        types.remove("method")  # "How is the method evaluated?" asks about the evaluation, "its drawbacks" about limitations
    if "collection" in types and "datasets" in types:
        types.remove("datasets")  # "How was the data annotated?" asks how the data was made, not which data was used
    if "theorem" in types and _ASKS_PROOF.search(low):
        types = [t for t in types if t != "theorem"] or ["method"]  # "How do they prove Theorem 2?" asks for the proof idea
    elif "theorem" in types:
        types = [t for t in types if t not in ("method", "results")]  # "What is the main theorem?" asks for the result
    if "limitation" in types and "problem" in types and types.index("problem") < types.index("limitation"):
        types.remove("limitation")  # "What shortcoming of prior approaches ..." is the problem, not this paper's limitation
    for name in [t for t in types if "then" in QUESTION_TYPES[t]]:
        if QUESTION_TYPES[name]["then"] not in types:
            types.insert(types.index(name) + 1, QUESTION_TYPES[name]["then"])  # the set-up, then the results it gave
    content = [g for g in term_groups(question) if not g & _TYPE_STEMS]
    return Route(types=types, generic=bool(types) and not content, future=bool(_ASKS_FUTURE.search(low)))


_ASKS_PROOF = re.compile(r"\bhow\b.*\bprove|\bproofs?\b|\bproved? (by|using|via)\b|如何证明|怎么证明|证明思路|证明方法")
_ASKS_FUTURE = re.compile(r"\bfuture\b|\bopen (issues?|problems?|questions?)\b|\bnext steps?\b|\bdirections?\b|\bremain|未来|后续|展望|方向")



def routed_sections(doc: PaperDocument, route: Route) -> set[str]:
    """Ids of the sections (and their subsections) where answers of this type stand."""
    wanted = set(route.section_types)
    return {sid for sid, kind in section_types(doc).items() if kind in wanted}


def _place(spec: dict, c: Candidate) -> int:
    """0: the type's own kind of section; 1: elsewhere in the body; 2: the other listed sections (the abstract); 3: appendices."""
    if c.where == spec["sections"][0]:
        return 0
    if c.where in spec["sections"]:
        return 2 if c.where in _OPENING else 0  # a limitation stated in the conclusion comes before one met in the experiments
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
        if name in _BY_WORDS:
            chosen += _by_words(candidates, name, chosen, per_type)
            continue
        if name == "limitation" and (stated := [c for c in candidates if c.where == "limitations" and c not in chosen and not never_evidence(c.sentence.text)
                                                and (route.future or LIMITATION_TITLE.search(c.section.title) or c.role == "limitation")]):
            stated.sort(key=lambda c: c.role != "limitation")  # its stated limitations before its framing ("The objective of this work ...")
            chosen += stated[:per_type]  # a limitations section is about nothing else, whatever its sentences' cue words
            continue
        fitting = [c for c in candidates if c.role in spec["roles"] and c not in chosen]
        placed = [c for c in fitting if c.where in spec["sections"]]
        if not any(c.where == spec["sections"][0] for c in placed) and not set(spec["sections"]) <= set(_OPENING):
            words = _WORDS.get(name)
            placed += [c for c in fitting if c.where not in _OPENING and c.where not in spec["sections"]
                       and (c.role == spec["roles"][0] or (words is not None and words.search(c.sentence.text)))]
        if not placed and name == "limitation":
            # No conclusion or limitations section states one (a vignette, a report): the authors' own caveat in the abstract
            # or introduction ("The document is still incomplete and does not cover ...") still answers.
            placed = [c for c in fitting if c.where in ("abstract", "introduction")]
        if not placed and name == "problem":
            placed = [c for c in candidates if c.where in spec["sections"] and c not in chosen][:per_type]
            # No abstract or introduction (a manual, a report): its first body sentences say what it is for.
            placed = placed or [c for c in candidates if c.where not in ("appendix", "references") and c not in chosen
                                and not never_evidence(c.sentence.text)][:per_type]
        placed.sort(key=lambda c: (_place(spec, c), spec["roles"].index(c.role) if c.role in spec["roles"] else 9, -c.score, c.order))
        chosen += placed[:per_type]
    return chosen


# Narrower words for the data and the alternatives of a paper without experiments, where any "data" would do otherwise.
_BEYOND_EXPERIMENTS = {
    "datasets": re.compile(r"\b(data ?sets?|corp(us|ora)|test (data|sets?)|(gauge )?ensembles?|samples? of \d|\d+ (subjects|patients|participants|configurations))\b", re.I),
    "baselines": re.compile(r"\b(unlike|compared (to|with)|in contrast to|(primary |main )?alternatives?|instead of|versus|vs\.)\b", re.I),
}


def _by_words(candidates: list[Candidate], name: str, chosen: list[Candidate], per_type: int) -> list[Candidate]:
    """Experiments sentences that state the set-up, the data or the baselines (by their words), set-up before results.

    A paper with no experiments section has no set-up to give: its results answer instead (the next type).
    """
    spec, words = QUESTION_TYPES[name], _WORDS[name]
    fitting = [c for c in candidates if c.where in spec["sections"] and c not in chosen and words.search(c.sentence.text)
               and not never_evidence(c.sentence.text)]
    if not fitting and name in _BEYOND_EXPERIMENTS and not any(c.where == "experiments" for c in candidates):
        # No experiments section (a theory note, a report, a vignette): the data its worked examples use and the
        # alternatives it compares itself with stand in the body.
        strict = _BEYOND_EXPERIMENTS[name]
        fitting = [c for c in candidates if c.where not in ("abstract", "appendix") and c not in chosen
                   and strict.search(c.sentence.text) and not never_evidence(c.sentence.text)]
    if name == "datasets":
        # "we obtained a total of 9 benchmarks: MXEVAL, CODEREVAL, ...": the list of the data, often in the method's
        # study design rather than the experiments, is the answer before any sentence that only mentions data.
        fitting += [c for c in candidates if c.where == "method" and c not in chosen and c not in fitting
                    and _LISTS_DATA.search(c.sentence.text) and not never_evidence(c.sentence.text)]
    # A section that names itself the set-up ("5 Experimental Setup") states it before the tasks and results do.
    fitting.sort(key=lambda c: (c.where in _OPENING, not (name == "setup" and _SETUP_TITLE.search(c.section.title)),
                                not (name == "datasets" and _LISTS_DATA.search(c.sentence.text)),
                                c.role == "result", -len(words.findall(c.sentence.text)), c.order))
    return fitting[:per_type]


_SETUP_TITLE = re.compile(r"\b(set-?up|settings?|protocol|implementation details|evaluation details|experimental design)\b", re.I)
# A sentence that names the data it lists: "9 benchmarks: MXEVAL, CODEREVAL, ..." or "three datasets, namely A, B and C".
_LISTS_DATA = re.compile(r"\b(datasets?|benchmarks?|corp(us|ora)|test sets?)\b(:| \(| ?, (namely|including|i\.e\.,?|such as)\b| (namely|including|such as)\b)"
                         r"\s*[A-Z][\w-]*[^.]{0,80}?,\s*[A-Z][\w-]*")
