"""What kind of paper this is (method, survey, dataset, theory, position, system, other), and why.

Offline, rules weigh cues from the title, the abstract, the section titles and the body (theorems and
proofs, an evaluation section, "we argue"); each cue that fires is kept as evidence, so the report can
say why it analysed a paper as a review. With a model, the model decides from the same material
(structured output, prompts/kind/); a failed call falls back to the rules.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

from langchain_core.messages import HumanMessage

from agent.llm.structured import call_structured
from agent.reading.kind_classifier import METHOD_SCORE_PENALTY, MIN_PROBABILITY, KindClassifier, kind_classifier
from agent.reading.kind_schema import KINDS, kind_spec, load_schema
from agent.state import KindVerdict
from tools.paper_model import PaperDocument


@dataclass
class _Cue:
    kind: str
    where: str  # title, abstract, sections, body
    pattern: re.Pattern
    weight: float
    why: str


def _cue(kind: str, where: str, pattern: str, weight: float, why: str) -> _Cue:
    return _Cue(kind, where, re.compile(pattern, re.I), weight, why)


# Weights: a title or abstract that says what the paper is counts most; section titles and body counts
# add up. A method paper is the default, so it needs no cue to win a tie.
CUES: tuple[_Cue, ...] = (
    _cue("survey", "title", r"\b(survey|review|overview|tutorial|state of the art|state-of-the-art results|primer|a perspective on|systematic literature)\b", 3, "标题表明为综述"),
    _cue("survey", "abstract", r"\b(we|this paper|this article) (review|survey|summari[sz]e|overview)\b|\b(this|a|our) (survey|review)\b|\bwe propose a survey\b|\b(provides?|presents?|offers?|gives?) an? (concise |brief |broad )?(yet )?(comprehensive|systematic|structured) (review|overview|survey)\b|\bliterature review\b", 3, "摘要称本文回顾/综述已有工作"),
    _cue("survey", "sections", r"\b(taxonomy|open (problems|challenges|questions)|future directions|state of the art)\b", 1, "章节含分类框架/开放问题"),
    _cue("dataset", "title", r"\b(datasets?(?! (distillation|condensation|pruning|selection|shift|bias))|data sets?|corpus|benchmark(s|ing)?)\b", 2, "标题表明为数据集/基准"),
    _cue("dataset", "abstract", r"\bwe (introduce|present|release|construct|build|create|collect|curate|propose)\w* (a|an|the)?\s*(new |novel |large[- ]scale |high[- ]quality |comprehensive |first )*([\w-]+ ){0,3}(dataset|data set|corpus|benchmark)s?\b|\b(dataset|corpus|benchmark),? (called|named|dubbed)\b|\b(manually|human)[- ](labell?ed|annotated) (dataset|corpus)\b", 3, "摘要称构建/发布了数据集或基准"),
    _cue("dataset", "abstract", r"\b(we also|additionally,? we|to (support|facilitate|enable|test|assess|evaluate|validate|measure) [^.]{0,50}?,? we(?: also)?) (contribute|introduce|present|release|construct|build|create|collect|curate|develop)\w*|\bbenchmarks? (showcasing|showing|demonstrating)\b|\b(data ?set|corpus|demonstrations|comparisons|annotations)\b[^.]{0,80}\b(which|that) we (then )?use to (train|fine-tune)", -1.5, ""),  # a dataset on the side, or one made to train the paper's model
    # arXiv's way of naming a resource: "UWBench: A ... Benchmark for ...", "DSI-Bench: ...", "ManzaiSet: A Multimodal Dataset ...".
    _cue("dataset", "title", r"^[^:]{1,60}(bench|set|qa)\b[^:]{0,10}:|^[^:]{1,60}: (a|an|the) ([\w'-]+ ){0,8}(dataset|data set|corpus|benchmark|test suite|testbed)\b", 1.5, "标题以资源命名"),
    _cue("dataset", "abstract", r"\bwe (introduce|present|propose|release|construct|build|create|curate|develop|collect)\w* [^,;]{1,60}?, (a|an|the) (first |new |novel )?([\w'-]+ ){0,7}(dataset|data set|corpus|benchmark|test suite|testbed)s?\b(?! (distillation|condensation|pruning|selection|generation|synthesis|framework|method|approach))|\b(dataset|corpus|benchmark) (comprises|consists of|contains|includes|features|covers) (over |nearly |about |more than )?\d", 3, "摘要称构建/发布了数据集或基准"),
    _cue("dataset", "sections", r"\b(dataset|data collection|annotation|corpus|benchmark construction|data statistics)\b", 1, "章节描述数据收集与标注"),
    _cue("theory", "abstract", r"\bwe (prove|derive)\b|\b(and|then) prove that\b|\b(it is|is|are) (then )?(proven|proved)\b|\btheorem\b|\banalytical(ly)? (study|solution|result|expression|derivation|bound|formula|model|treatment|calculation|solvable|derived|tractable)|\bwe (calculate|compute) (the )?(critical|exact|leading)|\b(positive|negative|impossibility|expressivity|hardness|complexity|convergence|no-go|lower[- ]bound|upper[- ]bound) results?\b|\b(formali[sz]ation|axiomati[sz]\w*|derivation)\b|\bclosed[- ]form\b|\b(one|two)-loop\b|\bexact(ly)? (solution|solvable|when)\b|\bwe show exactly\b|\basymptotic\b", 2, "摘要给出证明/解析推导"),
    _cue("theory", "title", r"\b(foundations?|semantics|expressiv\w*|axiomati\w*|theorem|theoretical|theory of|a (geometric|formal|unified|categorical|probabilistic) (approach|theory|account|view|perspective)|on the (\w+ )?(convergence|complexity|expressivity|limits|impossibility|existence))\b", 1.5, "标题表明为理论工作"),
    _cue("theory", "sections", r"\b(proof|theorem|lemma|derivation|analytic|asymptotic|effective theory|calculation)\b", 1, "章节为证明/推导"),
    _cue("position", "title", r"\b(is the new|the case for|the case against|a call (for|to)|manifesto|rethinking|towards? a (new )?(vision|agenda)|why we need|should we|beyond \w+:|essay|commentary|viewpoint|opinion)\b", 2.5, "标题为主张式"),
    _cue("position", "title", r"\?$", 1, "标题为问句"),
    _cue("position", "title", r"\b(require|requires|needs?|must|should)\b", 1.5, "标题为问句或主张"),
    _cue("position", "abstract", r"\b(this|our) (paper|essay|article|perspective|commentary) (argues|contends|advocates|calls|makes the case)\b|\bposition paper\b|\bin this (essay|perspective|commentary|position)\b", 3, "摘要表明为观点/立场论述"),
    # "we argue" alone is common in method papers (arguing for their design): it needs the title or the missing experiments.
    _cue("position", "abstract", r"\bwe (argue|contend|advocate|call for|make the case|envision|posit)\b|\bwe (discuss|reflect on) (the )?(implications|opportunities|challenges)\b|\bdesign (space|opportunities|directions)\b", 1.5, "摘要表明为论述式主张"),
    _cue("position", "sections", r"\b(implications|opportunities|vision|call to action|concluding remarks|case study)\b", 0.5, "章节为论述式"),
    _cue("system", "title", r"\b(toolkit|(software|python|open[- ]source|code|c\+\+|javascript|julia|rust) library|library for|package|(distributed|software|programming|open[- ]source|computing|serving) framework|platform|software|an? (\w+ )?(system|tool|toolkit|platform) for|infrastructure|in r\b|engine|interface)\b|^[\w.-]+: an? [\w -]*(system|toolkit|library|tool|package|class)\b", 2, "标题表明为软件/系统"),
    _cue("system", "abstract", r"\b(open[- ]source (software|library|toolkit|package|system|implementation)|r package|python package|software package|toolkit|(software|python|open[- ]source|code|c\+\+|javascript|julia|rust) library|library for|the (\w+ )?package\b|package for (r|python|julia|matlab|stata)\b)|\binteractive (interface|system|tool|reading)\b|\b(we|this (paper|work)) (present|introduce|describe|build|develop)\w* [\w-]+,? an? (novel |new )?(\w+ ){0,3}(system|framework|tool|interface|platform|library|toolkit)\b", 2, "摘要表明为软件/系统"),
    _cue("system", "abstract", r"\b(we|this (paper|work|article)) (present|introduce|describe|build|develop|propose|design|deploy)\w* [^,;]{1,60}?, (a|an) ([\w'-]+ ){0,6}(platform|tool|toolkit|software library|ecosystem|application|app|dashboard|software|call cent(er|re)|web service)\b", 3, "摘要表明为部署的系统/工具"),
    _cue("system", "abstract", r"\b(is|has been|was|are|were) (now )?deployed (in|at|across|to)\b|\bin production use\b|\bpilot deployment\b|\bfield (deployment|trial)s?\b", 1, "摘要称系统已部署"),
    _cue("system", "sections", r"\b(architecture|system design|implementation|software|design goals|api|usability|user interface|deployment|package|modules?)\b", 1, "章节描述系统设计与实现"),
    _cue("method", "abstract", r"\b(experiments|empirical results|our results|results) ([^.]{0,40} )?(show|demonstrate|indicate|confirm)\b|\bour (proposed )?([\w-]+ ){0,2}(method|approach|model|algorithm|adaptations?)s?\b", 1, "摘要报告本文方法的实验结果"),
    _cue("method", "sections", r"\b(experiments?|evaluation|results|ablation|empirical)\b", 1, "章节含实验/评测"),
    # Registry-style papers: JSS articles and package papers say "implements" and where the code is.
    _cue("system", "abstract", r"\bjournal of statistical software\b|\b[\w.-]+ implements\b|\bis implemented in\b|\b(available|released) (from|on|at|via) (cran|github|pypi|bioconductor|conda)\b", 1.5, "摘要表明为软件论文"),
    _cue("dataset", "title", r"\b(the|an?|r|our) ([\w-]+ ){0,2}data( set| package| user'?s guide)?\b|\bdata (user'?s guide|package|description)\b", 1.5, "标题以数据为对象"),
    _cue("dataset", "abstract", r"\b(this|the) (data )?package (contains|provides|holds|includes) (the )?(\w+ ){0,3}data\b|\bthe data (are|were|is|was) (collected|obtained|gathered|recorded|measured)\b|\bwe describe the (creation|construction|collection|preparation) of\b", 1.5, "摘要描述数据的来源与整理"),
    _cue("theory", "title", r"\b(formulas?|formulae|enumeration|identities|\w+ theory$|closed[- ]form|accurately computing|exact (computation|calculation|solution)s?)\b", 1.5, "标题表明为公式/推导"),
    _cue("other", "title", r"\b(accepted manuscript|final report|investigation report|incident report|accident report|white paper|meeting minutes|errata|conformance report|accessibility report)\b", 4, "标题表明为报告/手稿封面等"),
    _cue("other", "abstract", r"\breproduces? (almost )?(all )?(the )?(figures|tables|analys[ie]s|results|examples)\b", 3, "摘要表明为复现他人结果的文档"),
    # Mathematics, theoretical computer science and physics state results as bounds, complexities and theories.
    _cue("theory", "abstract", r"\b(lower|upper|tight|optimal) bounds?\b|\b(sample|query|communication|time|space) complexity\b|\bnp-(hard|complete)\w*|\bpolynomial[- ]time\b|\b(chernoff|error|critical|scaling) exponents?\b|\bwe (present|develop|give) (the|a) (\w+ )?theory\b|\b(critical|effective|field) theory\b|\bphase (diagram|transition)s?\b|\bscaling (law|form|function|behaviou?r)s?\b|\b(infinite|combinatorial) (classes|constructions?|structures?)\b|\bwe (characteri[sz]e|establish|determine) (the|a|an|exactly)\b", 1.5, "摘要给出界、复杂度或理论结果"),
    _cue("method", "abstract", r"\b(quantum )?monte carlo\b|\bwe (perform|carry out|run|use) [^.]{0,40}\bsimulations?\b|\bnumerical(ly)? (simulations?|experiments?|results?|study)\b|\bexperimental(ly)? (results?|data|study|evaluation)\b", 1.5, "摘要报告模拟/实验"),
    # Theoretical physics and modelling: calculations within a model, approximations, formulations.
    _cue("theory", "abstract", r"\bwe (compute|calculate|derive|obtain|present|develop) (the |an? )?(complete |alternative |exact |analytic\w* )?(\w+ ){0,3}(corrections?|formulation|amplitudes?|cross[- ]sections?|wave ?functions?|partition functions?|hamiltonian|lagrangian|action)\b|\b(tight[- ]binding|mean[- ]field|self[- ]consistent field theory|perturbation theory|perturbative(ly)?|effective field theory|eikonal approximation|renormali[sz]ation group|green'?s functions?|heuristic theory|rank conditions?)\b|\bit is argued\b|\bbounds on\b", 1.5, "摘要为模型计算/理论推导"),
    _cue("method", "abstract", r"\b(lattice (qcd|simulations?|gauge theory)|first[- ]principles|density functional theory|ab initio|molecular dynamics|interatomic potentials?|we (simulate|measure|fabricate|observe)\w*|fabricated|experimentally (measured|observed|demonstrated))\b", 2, "摘要报告计算/实验测量"),
    _cue("position", "abstract", r"\b(this|our) (perspective|viewpoint|commentary|essay|opinion)\b|\bin this (perspective|viewpoint)\b|\bturning point\b|\bwe (posit|propose that|suggest that|call on)\b", 2, "摘要为观点/展望"),
    _cue("survey", "abstract", r"^(i|we) (review|summari[sz]e|overview)\b|\b(i|we) (review|summari[sz]e) (the|some|recent|current|existing)\b|\bstatus quo\b|\bi will (highlight|review|discuss)\b", 2.5, "摘要为回顾/综述"),
    _cue("other", "abstract", r"\bthese (notes|lectures) (summari[sz]e|present|cover|give)\b|\blectures? (given|delivered) at\b", 3, "摘要表明为讲义"),
    _cue("system", "abstract", r"\b(we|this (paper|work)) (present|introduce|describe|build|develop|propose|design|deploy)\w* [^,;]{1,60}?, an? ([\w'-]+ ){0,6}(assistant|registry|portal|database|web server|workflow|lab platform)\b", 2.5, "摘要表明为部署的系统/工具"),
    _cue("survey", "title", r"\b(a (brief )?history|history of|mapping study|secondary study|systematic (mapping|review)|study paper)\b", 2.5, "标题表明为综述/历史回顾"),
    _cue("survey", "abstract", r"\bwe (perform|conduct|present) a (systematic )?(mapping|secondary|tertiary) (study|review)\b|\bsystematic mapping\b|\b(this|the) paper presents the (core |basic |main )?principles\b", 2.5, "摘要表明为系统性文献研究"),
    _cue("system", "title", r"\b(test(ing)?|automation|analysis|simulation|visuali[sz]ation|development|interoperability|integration) (tool|framework|toolkit|platform|environment|engine)s?\b", 2, "标题表明为工具/平台"),
    _cue("system", "abstract", r"\b(an? )?(automated |open[- ]source |new )?(tool|plugin|plug-in|ide extension) (called|named)\b|\bframework that aims to provide\b|\bdomain[- ]specific language\b", 2, "摘要表明为工具"),
    _cue("other", "title", r"\btool competition\b|\bshared task\b[^:]*\b(overview|findings|report)\b|^overview of the\b|\bchallenge\b[^:]*:.*\b(report|overview|results)\b", 3, "标题表明为竞赛/评测活动报告"),
    _cue("other", "abstract", r"\bexperience report\b|\bwe share (our )?experiences?\b|\blessons learn(ed|t)\b", 2, "摘要表明为经验报告"),
    # Writings that are not research papers of any of the kinds above: comments, replies, errata, editorials, reports.
    _cue("other", "title", r"^\s*(comments? on|reply to|response to|rejoinder|erratum|corrigendum|addendum|retraction|editorial|preface|foreword|"
         r"in memoriam|obituary|book review|lecture notes|proceedings of|report (on|of|from) the)\b|\b(erratum|corrigendum)\b", 4, "标题表明为评论/勘误/编者按/会议报告等"),
    _cue("other", "abstract", r"\b(this|the present) (comment|reply|erratum|corrigendum|editorial)\b|\bwe (comment on|reply to|correct an error)\b|\bin this (comment|reply|erratum|editorial)\b", 3, "摘要表明为评论/答复/勘误"),
    _cue("method", "abstract", r"\b(outperform\w*|(achiev\w*|obtain\w*|set\w*|establish\w*|reach\w*|new|surpass\w*) (a )?(new )?state[- ]of[- ]the[- ]art|we propose\b[^.]{0,60}?\b(method|approach|algorithm|framework|technique|objective|loss|adaptations?|strategy)s?)\b", 1.5, "摘要称提出新方法并比较"),
)
# Counted in the body: many theorem/lemma/proof statements make a theory paper; experiments argue against it.
_THEOREMS = re.compile(r"(?m)^\s*(theorem|lemma|proposition|corollary|proof)\b[\s\d.:(]", re.I)
_EXPERIMENT_TITLE = re.compile(r"\b(experiment|evaluation|empirical|ablation|simulation)", re.I)
_RESULT_TITLE = re.compile(r"\bresults?\b", re.I)


@dataclass
class KindScores:
    scores: dict[str, float] = field(default_factory=lambda: {k: 0.0 for k in KINDS})
    evidence: dict[str, list[str]] = field(default_factory=lambda: {k: [] for k in KINDS})

    def add(self, kind: str, weight: float, why: str) -> None:
        self.scores[kind] += weight
        if why not in self.evidence[kind]:
            self.evidence[kind].append(why)


def _section_titles(doc: PaperDocument) -> list[str]:
    return [s.title for s in doc.sections if s.kind not in ("front", "abstract", "references")]


# A printed contents list or a copyright notice read as the abstract says nothing of what the paper is.
_NOT_PROSE = re.compile(r"(\. ){3}|\.{4}|^\s*(copyright|©|\(c\))", re.I)
# Mathematical symbols per 1000 characters of body text: derivation-heavy papers print many.
_MATH = re.compile(r"[=≤≥≈∑∫∂√∞±×→⇒∈⊂αβγδεθλμνπρσφψωΣΠΔΩ]")


def _abstract(doc: PaperDocument) -> str:
    return doc.abstract if doc.abstract and not _NOT_PROSE.search(doc.abstract) else _opening(doc)


def _math_density(doc: PaperDocument) -> float:
    paragraphs = [p.text for s in doc.sections if s.kind not in ("front", "references") for p in s.paragraphs]
    chars = sum(len(t) for t in paragraphs)
    return 1000 * sum(len(_MATH.findall(t)) for t in paragraphs) / chars if chars >= 2000 else 0.0


def _opening(doc: PaperDocument, chars: int = 1200) -> str:
    """What stands in for a missing abstract (vignettes, reports, manuals): the first body paragraphs."""
    text = ""
    for s in doc.sections:
        if s.kind in ("front", "references", "appendix", "contents"):
            continue
        for p in s.paragraphs:
            if _NOT_PROSE.search(p.text):
                continue
            text += p.text + " "
            if len(text) >= chars:
                return text[:chars]
    return text


def kind_scores(doc: PaperDocument) -> KindScores:
    out = KindScores()
    titles = _section_titles(doc)
    # Experiments in an appendix (a theory paper's numerical checks) do not make the paper empirical.
    main_titles = [s.title for s in doc.sections if s.kind not in ("front", "abstract", "references", "appendix")]
    texts = {"title": doc.title or "", "abstract": _abstract(doc), "sections": " | ".join(titles),
             "main_sections": " | ".join(main_titles)}
    for cue in CUES:
        where = "main_sections" if cue.kind == "method" and cue.where == "sections" else cue.where
        m = cue.pattern.search(texts[where])
        if m and cue.weight < 0:
            out.scores[cue.kind] += cue.weight
        elif m:
            out.add(cue.kind, cue.weight, f"{cue.why}：“{m.group(0).strip()}”")
    body = "\n".join(p.text for s in doc.sections if s.kind not in ("references",) for p in s.paragraphs)
    theorems = len(_THEOREMS.findall(body))
    if theorems >= 3:
        out.add("theory", min(3.0, theorems / 3), f"正文含 {theorems} 处定理/引理/证明")
    density = _math_density(doc)
    if density >= 10:
        out.add("theory", 1.5, f"正文公式密集（每千字符 {density:.0f} 个数学符号）")
    elif density >= 7:
        out.add("theory", 1.0, f"正文公式较多（每千字符 {density:.0f} 个数学符号）")
    has_experiments = any(_EXPERIMENT_TITLE.search(t) for t in main_titles)
    if has_experiments and out.scores["theory"] > 0:
        out.scores["theory"] -= 1.5  # derivations checked by experiments are usually a method paper's
    if main_titles and not has_experiments and not any(_RESULT_TITLE.search(t) for t in main_titles):
        for kind in ("theory", "position", "survey", "dataset"):
            if out.scores[kind] > 0:
                out.add(kind, 1.0, "没有实验/结果章节")
    return out


# arXiv categories whose papers are mostly theorems, bounds and analytical theory (a prior, not a verdict).
_THEORY_CATEGORY = re.compile(r"^(math\.(?!NA|OC|HO)|stat\.TH|math-ph|hep-th|gr-qc|nlin\.|cs\.(IT|DS|CC|DM|CG|LO|FL|GT)$)")
# Mixed fields: a prior only where the paper already shows a theory cue.
_THEORY_LEANING = re.compile(r"^(cond-mat\.(str-el|stat-mech|supr-con|quant-gas|mes-hall|soft|dis-nn)|quant-ph|stat\.ME|hep-ph|nucl-th|astro-ph\.(HE|CO)|"
                             r"physics\.(atom-ph|class-ph|flu-dyn|plasm-ph|optics)|q-bio\.PE|eess\.SY|math\.NA)$")
# Inline TeX math in an abstract ("$\ell_1$", "$O(n \log n)$").
_TEX_MATH = re.compile(r"\$[^$]{1,80}\$")


def detect_kind(doc: PaperDocument, categories: tuple[str, ...] = (),
                classifier: KindClassifier | Literal["trained"] | None = "trained") -> KindVerdict:
    """The kind offline: the rules' highest score wins when it beats the method default by a margin; where the
    rules find no other kind, the text classifier (kind_classifier.py) may still name one.

    `categories` are the paper's arXiv categories, primary first, when known (from the feed). `classifier` is
    the one trained on the bundled labels ("trained"), another one (an eval's fold), or None for the rules alone.
    """
    s = kind_scores(doc)
    primary = categories[0] if categories else ""
    theory_field = bool(_THEORY_CATEGORY.match(primary))
    if theory_field or (_THEORY_LEANING.match(primary) and s.scores["theory"] > 0):
        s.add("theory", 1.5 if theory_field else 1.0, f"arXiv 主分类 {primary} 以理论工作为主")
        if len(_TEX_MATH.findall(doc.abstract or "")) >= 2:
            s.add("theory", 1.0, "摘要含数学公式")
    best = max((k for k in KINDS if k != "method"), key=lambda k: s.scores[k])
    # A clear margin: method papers are most of a daily run, and a false review/dataset call hides their method.
    # A paper that shows nothing of a method paper (no experiments cue at all) needs less to be read as another kind.
    needed = 2.5 if s.scores["method"] <= 0 else 3.0
    if s.scores[best] >= needed and s.scores[best] >= s.scores["method"] + 1.0:
        return KindVerdict(kind=best, evidence=s.evidence[best][:4], decided_by="rules")  # type: ignore[arg-type]
    if classifier == "trained":
        classifier = kind_classifier()
    if classifier is not None:
        other, p = classifier.best_other_kind(doc.title or "", _abstract(doc), primary)
        # The more the rules see of a method paper (experiments, results), the surer the classifier must be.
        if p >= MIN_PROBABILITY + METHOD_SCORE_PENALTY * max(0.0, s.scores["method"]):
            why = f"文本分类器判为{kind_spec(other).zh}（概率 {p:.2f}；以 {classifier.trained_on} 篇人工标注的 arXiv 摘要训练）"
            return KindVerdict(kind=other, evidence=[why, *s.evidence[other][:3]], decided_by="classifier")  # type: ignore[arg-type]
    evidence = s.evidence["method"][:3] or ["未见综述、数据集、理论、观点或系统论文的线索，按方法论文分析"]
    return KindVerdict(kind="method", evidence=evidence, decided_by="rules")


def decide_kind(ctx, doc: PaperDocument, paper_id: str, categories: tuple[str, ...] = ()) -> tuple[KindVerdict, dict | None]:
    """The kind: by the reader's model when there is one (the rules' cues as a hint), else by the rules.

    Returns the verdict and, when the model call failed and the rules stood in, the degradation record.
    """
    by_rules = detect_kind(doc, categories)
    if ctx.llm.is_offline("reader"):
        return by_rules, None
    schema = load_schema()
    prompt = ctx.prompts.render(
        "kind", paper={"title": doc.title, "arxiv_id": paper_id, "abstract": doc.abstract}, sections=_section_titles(doc),
        kinds=[{"name": name, "description": spec.description} for name, spec in schema.kinds.items()],
        suggested=by_rules.model_dump(), language=ctx.language, categories=list(categories),
    )
    verdict, failed = call_structured(ctx.llm, "reader", KindVerdict, [HumanMessage(prompt)], paper=paper_id)
    if failed or verdict is None:
        return by_rules, failed
    return verdict.model_copy(update={"decided_by": "model"}), None
