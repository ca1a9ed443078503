"""A deterministic rhetorical-role classifier for a paper's sentences.

Without a model, the reader may only put a sentence under a heading that fits
what the sentence does: "we propose / our contributions are" is a contribution,
"however, existing methods ... remain challenging" is motivation, a comparison
with numbers is a result, "limitation / future work / we leave" is a limitation.
Cue phrases, the kind of section the sentence stands in and a few requirements
(a contribution speaks of the authors' own work; a result states a number or a
comparison; a limitation is not another paper's) decide. Roadmap sentences
("In Section 3.2, we describe ...") and pointers ("Figure 2 shows an example.")
are `other`: they fit no part.
"""

from __future__ import annotations

import re
from typing import Literal

Role = Literal["motivation", "contribution", "method", "result", "limitation", "other"]
ROLES: tuple[str, ...] = ("motivation", "contribution", "method", "result", "limitation", "other")
SectionType = Literal["abstract", "introduction", "related", "method", "experiments", "conclusion", "limitations", "appendix", "other"]

_SECTION_TYPES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("limitations", ("limitation", "future work", "future direction", "broader impact", "threats to validity")),
    ("conclusion", ("conclusion", "concluding", "summary and", "discussion", "outlook")),
    ("related", ("related work", "background", "prior work", "previous work", "literature", "preliminar")),
    ("introduction", ("introduction", "motivation", "overview")),
    ("experiments", ("experiment", "evaluation", "result", "empirical", "benchmark", "ablation", "analysis", "study", "findings",
                     "performance", "comparison", "user study", "case stud")),
    ("method", ("method", "approach", "model", "framework", "architecture", "design", "system", "implementation", "algorithm",
                "training", "formulation", "proposed", "technique", "pipeline", "learning", "retriev", "generat", "setup", "setting")),
)


def section_type(title: str, kind: str = "body", parent_title: str = "") -> SectionType:
    """What a section is for, from its title (and its parent's: "4.2 Datasets" under "4 Experiments")."""
    if kind == "abstract":
        return "abstract"
    if kind == "appendix":
        return "appendix"
    if _LIMITATIONS_TITLE.search(title.lower()):
        return "limitations"  # "5.1 Study 1 Limitations", "8.4 Limitations" under a discussion: limitations wherever they stand
    own, parent = _title_type(title), _title_type(parent_title)
    # "4.2 Approaches compared" under "4 Experiments" is part of the experiments.
    if parent in ("experiments", "related", "introduction", "conclusion", "limitations"):
        return parent  # type: ignore[return-value]
    return own if own != "other" else parent  # type: ignore[return-value]


_LIMITATIONS_TITLE = re.compile(r"\blimitations?\b|\bthreats? to validity\b")
_RELATED_TITLE = re.compile(r"\b(related|prior|previous) (work|research|studies|approaches)\b")


def _title_type(title: str) -> str:
    """The type whose word comes first in the title: "Methods and experimental details" is a method section.

    A title that names related work anywhere ("Discussion and Related Work") is related work: what it says of
    other systems is never this paper's contribution, method or result."""
    low = title.lower()
    if _RELATED_TITLE.search(low):
        return "related"
    found = [(low.find(h), rank, name) for rank, (name, hints) in enumerate(_SECTION_TYPES) for h in hints if h in low]
    return min(found)[2] if found else "other"


def _compile(patterns: list[str]) -> list[re.Pattern]:
    return [re.compile(p) for p in patterns]


CUES: dict[str, list[re.Pattern]] = {
    "contribution": _compile([
        r"\bwe (propose|present|introduce|contribute|develop|design|release|open-source|make (the following|three|two|several) contributions)\b",
        r"\b(this|our|the present) (paper|work|study|article|note) (proposes|presents|introduces|describes|contributes|develops|explores|investigates|studies|shows)\b",
        r"\bour (main |key |primary |major )?contributions?\b", r"\bcontributions? (of this|are|include)\b",
        r"\bto (the best of )?our knowledge,? (we|our|this (is|paper|work|study))\b", r"\bfor the first time\b", r"\bwe are the first\b", r"\bwe (explore|envision|argue)\b",
        r"\bour (key )?(insight|idea|approach|system|method|framework)\b.*\b(is|are)\b",
        r"\bin this (paper|work|article),? we\b",
    ]),
    "motivation": _compile([
        r"\bhowever\b", r"\bchalleng", r"\bdifficult", r"\bremains? (an? )?(open|unclear|unexplored|challenging|limited|unsolved)",
        r"\b(is|are|remain|be) (limited|costly|expensive|slow|impractical|prohibitive|laborious|time-consuming)\b",
        r"\black(s|ing)? (of|the)\b", r"\bbottleneck", r"\bsuffer", r"\bstruggle", r"\bnot straightforward\b", r"\bhard to\b",
        r"\bunclear\b", r"\bopen (problem|question)", r"\bproblem(atic)?\b", r"\b(gap|shortage|scarce|scarcity)\b(?!-)", r"\b(fail|fails|failing) to\b",
        r"\b(cannot|can not|unable to)\b", r"\b(inefficient|ineffective|insufficient|inadequate|error-prone|brittle)\b",
    ]),
    "method": _compile([
        r"\bwe (use|train|employ|adopt|apply|compute|define|model|formulate|parameteri[sz]e|encode|fine-?tune|pre-?train|optimi[sz]e|"
        r"initiali[sz]e|sample|represent|implement|follow|treat|build|construct|combine|concatenate|feed|learn|leverage|extract|"
        r"generate|retrieve|obtain|denote|refer|set|perform|instantiate|approximate|rely)\b",
        r"\b(is|are) (computed|defined|trained|implemented|parameteri[sz]ed|optimi[sz]ed|obtained|given by|modeled|modelled|encoded|"
        r"initiali[sz]ed|learned|fed|passed|concatenated|represented|generated|retrieved|selected|updated|used to)\b",
        r"\bconsists? of\b", r"\btakes? as input\b", r"\bour (model|method|approach|system|framework|architecture|encoder|retriever|objective|design)\b",
        r"\b(the|this) (model|encoder|decoder|retriever|generator|system|interface|module|component) (is|uses|takes|computes|produces|consists|learns|generates|retrieves|shows|displays)\b",
    ]),
    "result": _compile([
        r"\boutperform", r"\bimprov(e|es|ed|ement|ements)\b", r"(?<!to )(?<!can )\bachiev",  # "to achieve this" is a purpose, "we can achieve" a capability
        r"\b(higher|lower|better|worse|faster|slower|larger|smaller) than\b(?!\s*[\d∼~≈])",  # "objects larger than 0.5MB" is a setting
        r"\bstate[- ]of[- ]the[- ]art\b", r"\bsignificant(ly)?\b", r"\b(results?|performance|experiments?|findings) (show|suggest|indicate|demonstrate|reveal)",
        r"\bwe (also )?(find|found|observe|observed|see|note)\b", r"\b(gain|drop|increase|decrease|reduction|improvement)s? (of|in)\b",
        r"\bp ?[<=≤] ?0?\.\d", r"\bcompared (to|with)\b", r"\bbeats?\b", r"\bsurpass", r"\b(accuracy|f1|bleu|rouge|exact match|em score|recall|precision) of\b",
        r"\bpreferred\b", r"\brated\b", r"\bon average\b", r"\b(suggests?|indicates?|shows?|reveals?|demonstrates?) that\b", r"\bperforms? (best|better|worse|well)\b",
        r"\b(excellent|strong|competitive|superior|comparable) (results|performance|accuracy)\b", r"\bwe (obtain|achieve|won)\b",
        r"\bturns? out (to be|that)\b", r"\bparticipants? (said|reported|rated|agreed|used|preferred|found|tended|responded|felt|liked|were (more|less|able|significantly))\b", r"\bstudy results\b", r"\bfinding\b",
    ]),
    "limitation": _compile([
        r"\blimitations?\b", r"\bfuture work\b", r"\bin the future\b", r"\bwe leave\b", r"\bleft (for|to) future\b", r"\bwe plan to\b",
        r"\bdrawbacks?\b", r"\bshortcomings?\b", r"\bcaveats?\b", r"\bdownsides?\b", r"\bfuture (research|directions?|studies|investigation)\b",
        r"\b(does|do|did|can|could) not (handle|capture|address|scale|generali[sz]e|account|guarantee|support|model|cover)\b",
        r"\bfails? to\b", r"\b(is|are) (limited|restricted) to\b", r"\bwould be (interesting|fruitful|valuable|worthwhile)\b",
        r"\bit (may|might) be (fruitful|interesting|worthwhile)\b", r"\bnot (yet )?(explored|addressed|evaluated|studied)\b",
        r"\bwe did not (evaluate|test|consider|explore|study|address|investigate|include|examine|compare|measure|collect|control|account|model|have)\b", r"\bone (weakness|downside)\b", r"\bone could (also )?(extend|explore|investigate|study|combine|apply|try|consider|improve|develop)\b", r"\bmore (work|research|studies|study) (is |are )?needed\b", r"\bremains? to be\b", r"\b(potential|another|promising) directions?\b",
        r"\boptimistic about\b", r"\bcomes? at the (price|cost) of\b", r"\bwe are (currently |actively )?(considering|exploring|working on)\b", r"\bgenerali[sz]ations? of (this|our) work\b", r"\b(is|are) (still )?(required|needed) to\b",
        r"\bour work (focused|focuses) on\b", r"\bcould also (benefit|be applied|be extended|help)\b",
        r"\bsuffers? from\b", r"\bimperfect(ions?)?\b", r"\b(is|are) (still )?(incomplete|imperfect|preliminary)\b",
        r"\b(constrained|confined) to\b", r"\bnot (directly )?applicable\b", r"\b(not clear|unclear) (how|whether|if)\b",
        r"\b(may|might) not (be )?(generali[sz]ed?|hold|apply|transfer|extend)\b", r"\bthreats? to (the )?validity\b", r"\bvalidity threats?\b", r"\b(potential|possible) risks?\b",
        r"\bimpractical\b", r"\b(may|might) only\b", r"\b(might|may|could) have (have |been )?(skewed|biased|inflated|influenced|affected)\b", r"\bskew(ed|s)?\b", r"\b(may|might|can|could) be (wrong|inaccurate|misleading)\b",
        r"\b(performance|accuracy|quality) (can|may|might|could|will) (\w+ )?(drop|degrade|decrease|suffer)\b",
        r"\b(poses?|presents?) (some |several |additional |further )*(technical )?challenges\b",
        r"\b(don[’']t|doesn[’']t|do not|does not|cannot|can[’']t) (stretch|scale|work|apply|extend)\b", r"\bwe (have to |must )?resort to\b",
    ]),
}
_ROADMAP = re.compile(
    r"\bthe (first|second|third|next|following|last|final) (part|section|subsection|paragraph)s? (describes?|presents?|details?|discuss\w*|introduces?|covers?)\b|"
    r"\b((then |finally, )?in sections? ([\divx]+|[a-h]\b)|in (the )?(next|following|this) section|the rest of (this|the) paper|(is|are) organi[sz]ed as follows|"
    r"section ([\divx]+|[a-h])(\.\d+)* (describes|presents|discusses|introduces|details|reviews|concludes))"
)
# "We refer to Hsu (1996), Chapter 7, for further discussions": a reading pointer, not the paper's content.
# ("We refer to this model as Inception" names a thing: not a pointer.)
_REFER = re.compile(r"^(we|the reader is) (refer(red)?|point(ed)?) (the (interested )?reader |readers )?to\b(?![^.]*\bas\b)|^(for|see) (further|more) (details|discussion|information)\b|^(interested )?readers? (may|can|should) (consult|refer)\b")
_POINTER = re.compile(r"^(see )?(figure|fig\.|table|tab\.|algorithm|appendix|section)\s*[A-Z]?\d+(\.\d+)?\s+(shows|illustrates|gives|lists|presents|depicts|summari[sz]es|contains)\s+(an?|the)\s+\w+(\s+\w+)?\.$")
_SHOWN_IN = re.compile(r"\b(see|in|shown in|depicted in|illustrated in|summari[sz]ed in|presented in|reported in|listed in|given in|details? (on|in))\s+"
                       r"(the )?(figure|fig\.|table|tab\.|appendix|section|sec\.|algorithm|alg\.)\s*[A-Z]?\d*")
# The authors addressing the reader about their own work: a caveat of theirs, though it names neither "we" nor the paper.
_CAVEAT = re.compile(r"\b(it is (important|worth) (to note|noting)|it should be (noted|recognized|recognised|stressed|emphasi[sz]ed|kept in mind)|"
                     r"the reader should (also )?(note|be aware)|(keep|bear) in mind|in the current (implementation|version))\b")
# A report, vignette or manual speaks of itself as "this document" / "The document is still incomplete".
_OWN_WORK = re.compile(r"\b(we|our|us|this (paper|work|study|article|document|report|note|vignette|manual|tutorial|thesis)|the proposed|present work)\b|"
                       r"^(the|this) (document|report|note|vignette|manual|tutorial)\b")
_REFERENCE_NUMBER = re.compile(r"(?<=[a-z.)])\d{1,3}(?:[,–-]\d{1,3})*(?=[\s,.;:]|$)|\b(figure|fig\.|table|tab\.|section|sec\.|eq\.|equation|appendix|algorithm|step|chapter)\s*\(?[A-Z]?\d+(\.\d+)*\)?|\[\d+(,\s*\d+)*\]|\(\d{4}[a-z]?\)|\b(19|20)\d\d\b")
_NUMBER = re.compile(r"\d")
_STRONG_RESULT = re.compile(r"\b(outperform\w*|significantly|state[- ]of[- ]the[- ]art|surpass\w*|beats?|better than|worse than|excellent|won|participants?|performs? best)\b")
# The subject is cited: "Kernel PCA (Schölkopf, Smola, and Müller 1998) performs ...", "ORQA [24] retrieves ...".
_OTHERS_WORK = re.compile(r"^\W*([A-Z][\w\-+]*\s+){0,4}(\(([^()]{0,80}?[A-Z][^()]{0,80}?,? )?(1[89]|20)\d{2}[a-z]?\)|\[\d+(,\s*\d+)*\]|et al\.)")
# Words of a technical description: a method section's sentence without them is framing, not method.
_TECHNICAL = re.compile(r"\b(model|network|layer|encoder|decoder|retriev\w*|train\w*|loss|objective|input|output|parameter\w*|algorithm|"
                        r"function|vector|embedding|matrix|index|token\w*|sampl\w*|comput\w*|estimat\w*|optimi[sz]\w*|gradient|"
                        r"interface|module|component|feature|score|query|passages?|dataset|prompt\w*|\(\d+\))\b")
# What the field generally does or what a term means, said of no one in particular: background, not this paper's method.
_GENERIC = re.compile(r"^(generally|typically|usually|in general|traditionally|conventionally),|\b(is|are) (one|ones|those) (that|which|whose)\b|"
                      r"\b(is|are) defined as\b|\brefers? to\b")
# Overcoming others' limitations is what this paper offers, not one of its limitations.
_OVERCOMES = re.compile(r"\b(overcom|address|alleviat|mitigat|remov|avoid|resolv|tackl)\w* (the |these |those |such |potential |existing |several |many )*"
                        r"(limitations?|drawbacks?|shortcomings?)\b")
# A significance threshold is how the analysis was done, not a finding.
_THRESHOLD = re.compile(r"\b(considered|deemed|regarded as|set as|taken as) (statistically )?significant\b|\bsignificance (level|threshold)\b")
# The authors' own finding ("we also find ..."), which is a result even where it mentions a difficulty.
_OWN_FINDING = re.compile(r"\bwe (also )?(find|found|observe|observed|show|showed|demonstrate|demonstrated)\b")
# "In this paper we highlight the challenges ...": a sentence about the paper itself is not the problem it responds to.
_ABOUT_THIS_PAPER = re.compile(r"^(in this (paper|work|article|study),? we|this (paper|work|article|study) (proposes|presents|introduces|highlights|examines|studies|describes))\b")
# What the authors did not do is not what they contribute.
_NOT_DONE = re.compile(r"\bwe (have|had|did|do) not\b|\b(is|are|was|were|has|have) not (yet )?(been )?(explored|addressed|studied|evaluated|considered)\b")
# "In this paper we assume that ...": an assumption the work rests on, not what it contributes.
_ASSUMES = re.compile(r"\bwe (also |further )?(assume|suppose)\b")
_SCENARIO = re.compile(r"^(consider|imagine|suppose|for instance, imagine)\b")
# Asides that fit no part whatever their cue words: where to read more, transitions, naming, the group's earlier
# papers, release promises.
_ASIDE = re.compile(
    r"\bwe refer (the )?(interested )?readers? to\b|^(we|let us) now (study|turn|consider|discuss|describe|present|proceed|analy[sz]e|examine)\b|"
    r"\bbefore proceeding\b|\b(here ?and ?after|hereafter|henceforth),? we (will )?(refer to|call)\b|\bwe will (refer to|call) (this|it|them) as\b|\bremarks? (is|are) in order\b|\bwe use the (term|wording|notation|name|phrase|word|abbreviation)\b|"
    r"\bin (our )?refs?\. ?\[|\bour (previous|earlier|recent|prior|former) (work|report|paper|study|studies|analysis)\b|"
    r"\bas (demonstrated|shown|reported|discussed|found) in (our|refs?\b|\[)|"
    r"\b(our hope is|we hope)\b|^as [a-z][\w.\- ]{1,40} (said|says|put it|noted|wrote|argued)\b|\b(rightmost|leftmost|first|second|third|last) column\b|"
    r"\bwe will (make|release|open-source)\b.*\b(available|public)\b|\b(code|data|models?) (is|are|will be) (made )?(publicly )?available\b")
_ACTS = re.compile(r"\b(helps?|enables?|allows?|provides?|supports?|leverages?|connects?|augments?|surfaces?|lets?|makes?|uses?|combines?|learns?|detects?|generates?|retrieves?)\b")

# How much a kind of section makes a role likely.
SECTION_PRIORS: dict[str, dict[str, float]] = {
    "abstract": {"motivation": 0.5, "contribution": 0.5, "result": 0.5},
    "introduction": {"motivation": 0.7, "contribution": 0.5},
    "related": {"motivation": -0.5, "contribution": -1.0, "method": -1.0, "result": -1.0, "limitation": -9.0},
    "method": {"method": 1.2, "result": -0.5, "motivation": -0.5},
    "experiments": {"result": 0.8, "method": 0.3, "motivation": -0.7},
    "conclusion": {"limitation": 0.5, "contribution": 0.3, "motivation": -0.5},
    "limitations": {"limitation": 1.2, "motivation": -0.5},
    "appendix": {"method": 0.3, "result": 0.2},
    "other": {},
}


def _states_number(text: str) -> bool:
    """A number the sentence states, not one that points at a figure, a reference or a year."""
    return bool(_NUMBER.search(_REFERENCE_NUMBER.sub(" ", text)))


def _names_own_work(sentence: str, names: tuple[str, ...]) -> bool:
    """The sentence speaks of the paper's own system by name ("CiteSee connects ...")."""
    return any(re.search(rf"(^|\W){re.escape(n)}(\W|$)", sentence) for n in names if len(n) >= 3)


def role_scores(sentence: str, where: SectionType, names: tuple[str, ...] = ()) -> dict[str, float]:
    text = sentence.lower()
    cue_text = {role: _FEATURE_FUTURE.sub(" ", text) if role == "limitation" else text for role in CUES}
    scores = {role: min(3.0, float(sum(1 for p in patterns if p.search(cue_text[role])))) for role, patterns in CUES.items()}
    named = _names_own_work(sentence, names)
    own = bool(_OWN_WORK.search(text)) or named
    if named and _ACTS.search(text) and where in ("abstract", "introduction", "conclusion"):
        scores["contribution"] += 1.0  # "Paper Plain helps a reader ...": what the proposed system does
    for role, prior in SECTION_PRIORS.get(where, {}).items():
        if scores[role] > 0 or (role == "method" and where == "method" and (own or _TECHNICAL.search(text))):
            scores[role] += prior
    numbers = _states_number(text)
    if not own or _NOT_DONE.search(text) or _ASSUMES.search(text):
        scores["contribution"] = 0.0
    if _OWN_FINDING.search(text) or _ABOUT_THIS_PAPER.search(text):
        scores["motivation"] = 0.0
    if _OVERCOMES.search(text):
        scores["limitation"] = 0.0
    if _THRESHOLD.search(text):
        scores["result"], scores["method"] = 0.0, max(scores["method"], 1.0)
    if where in ("abstract", "introduction", "related", "other") and not (numbers or _STRONG_RESULT.search(text)):
        scores["result"] = 0.0
    if where in ("related", "introduction", "abstract") and not own:
        scores["result"] = 0.0
    if where in ("related",) or not (own or _CAVEAT.search(text) or where in ("conclusion", "limitations")):
        scores["limitation"] = 0.0
    elif scores["limitation"] and _CAVEAT.search(text):
        scores["limitation"] += 0.5  # "it should be recognized that ... becomes impractical": the caveat is the point
    if where == "related" and not own:
        scores["method"] = 0.0
    return scores


# Another named system's method or result ("BioPlanner significantly improves ...", "... in the original
# Transformer"): background, never this paper's method, result or contribution.
_ORIGINAL = re.compile(r"\b(in|of) the original\b|\b(proposed|introduced|developed|presented|published|released) (by|in) [A-Z\[(]")
_NAMED_SUBJECT = re.compile(r"^\W*(?:[Tt]he )?((?:[A-Z][a-z]*[A-Z0-9][\w\-+]*|[A-Z]{2,}[\w\-+]*)(?:\s+[A-Z][\w\-+]*)?)(\s*\([^)]*\)|\s*\[[^\]]*\])?\s+"
                            r"(is|are|was|were|has|have|uses?|used|consists?|achiev\w*|improv\w*|outperform\w*|significantly|proposes?|introduces?|"
                            r"relies|employs?|applies|applied|computes?|learns?|generates?|models?|shows?|showed|reached|reports?|obtain\w*|can|could|may|might|also|then|first)\b")


# "To the best of our knowledge, the only corpus ... was published by X": the formula does not make the rest the authors' own.
_FORMULA = re.compile(r"\bto (the best of )?our knowledge,?\s*|\bin our (view|opinion),?\s*", re.I)


def about_others(sentence: str, names: tuple[str, ...] = ()) -> bool:
    """The sentence reports another paper's or system's work, not this paper's own."""
    sentence = _FORMULA.sub("", sentence)
    low = sentence.lower()
    if _OWN_WORK.search(low) or _names_own_work(sentence, names):
        return False
    if _OTHERS_WORK.match(sentence) or _ORIGINAL.search(sentence):
        return True
    m = _NAMED_SUBJECT.match(sentence)
    return bool(m and m.group(1).split()[0] not in names)


def never_evidence(sentence: str) -> bool:
    """Roadmaps, pointers, scenarios and asides fit no part, whatever their cue words."""
    low = sentence.lower().strip()
    if _ROADMAP.search(low) or _POINTER.match(low) or _REFER.match(low) or _SCENARIO.match(low) or _ASIDE.search(low) or re.match(r"^(figure|fig\.|table)\s*\d", low):
        return True
    return bool(_SHOWN_IN.search(low) and not (_STRONG_RESULT.search(low) or _states_number(low)))


def is_generic(sentence: str) -> bool:
    """What the field generally does or what a term means ("In general, the kappa score evaluates ..."), said of no one in particular."""
    return bool(_GENERIC.search(sentence.lower().strip()))


def speaks_of_own_work(sentence: str, names: tuple[str, ...] = ()) -> bool:
    sentence = _FORMULA.sub("", sentence)
    return bool(_OWN_WORK.search(sentence.lower())) or _names_own_work(sentence, names)


# Future work, as against a limitation: the report puts it on its own line.
_FUTURE = re.compile(r"\bfuture (work|research|directions?|studies|investigation)\b|\bpotential solutions?\b|\bone way to (mitigate|address|overcome)\b|\bin the future\b|\bwe (plan|intend|hope) to\b|\bwe leave\b|\bleft (for|to) future\b|"
                     r"\bwould be (interesting|fruitful|valuable|worthwhile)\b|\bit (may|might) be (fruitful|interesting|worthwhile)\b|\bone could (also )?\w+\b|"
                     r"\b(potential|another|promising) directions?\b|\bcould also (benefit|be applied|be extended|help)\b|\bgenerali[sz]ations? of (this|our) work\b|\bwe are (currently |actively )?(considering|exploring|working on)\b")
_LIMITATION_WORD = re.compile(r"\b(limitations?|drawbacks?|shortcomings?|weakness(es)?|caveats?|downsides?|imperfections?|suffers? from|(does|do|did|can|could) not|fails? to|(is|are) (limited|restricted) to|we did not)\b")
# "X is not without its limitations.": a topic sentence, whose limitations are the sentences after it.
_TOPIC = re.compile(r"\bnot without (its |their )?(limitations|drawbacks|shortcomings|caveats)\b|\bsuffers? from (some |several |a few |certain )?(imperfections|limitations|drawbacks|shortcomings|weaknesses)\b|\b(has|have|there are) (several|some|a few|two|three|a number of|its|the following) "
                    r"(important )?(limitations|drawbacks|shortcomings|caveats)\b|\blimitations? (of (this|our) (work|study|approach|paper) )?(include|are|is)( as follows)?:?\s*$|:\s*$")


# "... click "remove highlight" to prevent it from being highlighted in the future": what a feature does, not future work.
_FEATURE_FUTURE = re.compile(r"\b(prevent|avoid|stop|keep)\w*\b[^.]{0,80}\bin the future\b")


def is_future_work(sentence: str) -> bool:
    """Future work rather than a limitation (a sentence that names a limitation first is one)."""
    low = sentence.lower()
    return bool(_FUTURE.search(_FEATURE_FUTURE.sub(" ", low))) and not _LIMITATION_WORD.search(low)


def is_limitation_topic(sentence: str) -> bool:
    """A sentence that announces limitations listed after it ("X is not without its limitations.")."""
    return bool(_TOPIC.search(sentence.lower().strip()))


# "However, we performed a peer review of our analyses ...": in a threats or limitations section, how the authors
# countered a threat, not a limitation they state.
_MITIGATION = re.compile(r"^(however|nevertheless|nonetheless|still),?\s+we\s+(also\s+)?(\w+ed|took|ran|made|did|chose|kept|built|wrote)\b|\bto (mitigate|address|alleviate|minimi[sz]e|reduce|counter|limit) (this|these|that|such|the)\b[^.]{0,40}\b(threats?|risks?|bias|effects?|issues?|concerns?)\b|"
                         r"\bwe (mitigated|addressed|alleviated|minimi[sz]ed|countered|reduced)\b|"
                         r"\b(resolved|mitigated|addressed|alleviated|minimi[sz]ed|countered) (the|these|this|such|any|all) (disagreements?|conflicts?|threats?|risks?|bias(es)?|concerns?)\b")


def is_mitigation(sentence: str) -> bool:
    """How the authors countered a threat they name, not a limitation (a sentence that also names a limitation is one)."""
    low = sentence.lower().strip()
    return bool(_MITIGATION.search(low)) and not _LIMITATION_WORD.search(low) and not re.search(r"\b(only|may not|might not|cannot)\b", low)


def classify_sentence(sentence: str, where: SectionType, names: tuple[str, ...] = ()) -> tuple[Role, float]:
    """The part of an analysis a sentence may back ("other" when none) and how strongly its cues say so.

    `names`: what the paper calls its own system or method (e.g. "CiteSee"), so a
    sentence about it counts as the authors' own work.
    """
    low = sentence.lower().strip()
    if _ROADMAP.search(low) or _POINTER.match(low) or _REFER.match(low) or _SCENARIO.match(low) or _ASIDE.search(low) or re.match(r"^(figure|fig\.|table)\s*\d", low):
        return "other", 0.0
    if _SHOWN_IN.search(low) and not (_STRONG_RESULT.search(low) or _states_number(low)):
        return "other", 0.0  # "An overview of the model is depicted in Figure 1.": where to look, not what it says
    if not (_OWN_WORK.search(low) or _names_own_work(sentence, names)):
        if _OTHERS_WORK.match(sentence):
            return "other", 0.0  # "ORQA (Lee et al., 2019) formulates ...": another paper's work
        if _GENERIC.search(low):
            return "other", 0.0  # "A self-explanatory model is one that ...": a definition, not this paper's doing
    scores = role_scores(sentence, where, names)
    if about_others(sentence, names):
        scores["method"] = scores["result"] = scores["contribution"] = 0.0
    role, best = max(scores.items(), key=lambda kv: (kv[1], -ROLES.index(kv[0])))
    return (role, best) if best >= 1.0 else ("other", 0.0)  # type: ignore[return-value]


def sentence_role(sentence: str, where: SectionType, names: tuple[str, ...] = ()) -> Role:
    """The part of an analysis a sentence may back, or "other"."""
    return classify_sentence(sentence, where, names)[0]


_INTRODUCED = re.compile(r"\b(?:we|this (?:paper|work|article)) (?:introduce|present|propose|describe|develop|build|release)s? (?:the )?([A-Z][\w\-+]*[A-Z0-9][\w\-+]*|[A-Z]{2,}[\w\-+]*)\b")


def own_names(title: str, abstract: str = "") -> tuple[str, ...]:
    """What a paper calls its own system: from a title like "CiteSee: Augmenting Citations ..." ("CiteSee"),
    or from the abstract's "We introduce PaSa, ..."."""
    head, sep, _ = title.partition(":")
    head = head.strip()
    names = [head] if sep and 1 <= len(head.split()) <= 3 else []
    names += [m.group(1) for m in _INTRODUCED.finditer(abstract) if m.group(1) not in names]
    return tuple(names)

