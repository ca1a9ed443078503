"""Paper kinds: one schema of kinds and parts, a rule detector with evidence, and prompts that depend on the kind."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from agent.config import load_profile
from agent.reading.kind_schema import KINDS, kind_spec, load_schema
from agent.reading.paper_kind import detect_kind
from agent.run.monitor_run import run_monitor
from agent.state import PART_TITLES
from agent.writing.writer import template_analysis
from evals.scripted_agents import scripted_registry
from tools.pdf_parse import parse_pdf
from tools.sources import OfflineSource

REPO = Path(__file__).resolve().parents[1]
SAMPLE_DIR = REPO / "samples" / "offline"
PAPERS = REPO / "tests" / "fixtures" / "papers"
DAY = date(2026, 11, 20)
# A heading each kind has and no other kind has (method and other share the seed's parts).
OWN_HEADING = {"method": "方法概述", "survey": "综述范围与方法", "dataset": "数据来源与构成", "theory": "证明思路",
               "position": "核心主张", "system": "设计目标", "other": "方法概述"}


def test_the_schema_describes_every_kind_and_method_papers_keep_the_seed_parts():
    schema = load_schema()
    assert tuple(schema.kinds) == KINDS
    assert kind_spec("method").titles("zh") == PART_TITLES["zh"]
    assert [p.zh for p in kind_spec("survey").parts] == ["综述范围与方法", "分类框架", "主要结论", "开放问题"]
    assert [p.zh for p in kind_spec("dataset").parts][:4] == ["数据来源与构成", "标注与质量控制", "评测协议", "基线结果"]
    assert [p.zh for p in kind_spec("theory").parts][:3] == ["主要结果", "关键假设", "证明思路"]
    assert [p.zh for p in kind_spec("position").parts][:3] == ["核心主张", "论据", "反方观点与回应"]
    assert [p.zh for p in kind_spec("system").parts][:3] == ["设计目标", "架构", "评测"]
    # A review has no method or experiments of its own.
    assert kind_spec("survey").part("method").zh == "分类框架" and kind_spec("survey").part("experiments") is None


@pytest.mark.parametrize(("pdf", "kind"), [
    (SAMPLE_DIR / "2304.02623v1.pdf", "position"), (SAMPLE_DIR / "2302.07302v1.pdf", "system"), (SAMPLE_DIR / "2002.08909v1.pdf", "method"),
    (PAPERS / "2201.07525v1.pdf", "survey"), (PAPERS / "2402.17753v1.pdf", "dataset"), (PAPERS / "1704.01689v1.pdf", "theory"),
    (PAPERS / "jss-zoo.pdf", "system"),
    (PAPERS / "jss-lme4.pdf", "system"),  # "the lme4 package for R" and its modules
    (PAPERS / "1906.08632v2.pdf", "theory"),  # "prove that ..."; its experiments are in the appendix
    (PAPERS / "2203.02155v1.pdf", "method"),  # "we collect a dataset ..., which we use to fine-tune": a means, not the contribution
], ids=lambda x: getattr(x, "stem", x))
def test_rules_tell_the_kind_with_evidence(pdf, kind):
    verdict = detect_kind(parse_pdf(pdf))
    assert verdict.kind == kind and verdict.decided_by == "rules"
    assert verdict.evidence and all(isinstance(e, str) and e for e in verdict.evidence)


def test_a_review_gets_no_method_or_experiments_of_its_own_offline():
    doc = parse_pdf(PAPERS / "2006.11371.pdf")  # the chemistry review whose encoder and BioPlanner quotes filled 方法 and 实验
    from agent.reading.evidence_reader import role_notes
    assert detect_kind(doc).kind == "survey"
    notes = role_notes(doc, kind="survey")
    assert {n.part for n in notes} <= {"summary", "motivation", "method", "contributions", "future"}
    analysis = template_analysis(notes, doc, "zh", "survey")
    assert analysis.experiments.absent and not analysis.experiments.evidence
    assert all("BioPlanner" not in n.citation.quote and "original Transformer" not in n.citation.quote for n in notes)


@pytest.fixture
def profile(tmp_path):
    p = load_profile(REPO / "profiles" / "sample.toml")
    return p.model_copy(update={"data_dir": tmp_path / "data", "output_dir": tmp_path / "reports", "max_papers": 1})


@pytest.mark.parametrize("kind", KINDS)
def test_the_prompts_used_depend_on_the_kind(kind, profile):
    """With scripted models, the kind the model gives decides the reader's, writer's and critic's prompts and the report's parts."""
    registry, models = scripted_registry(reader={"KindVerdict": lambda m, k: {"kind": kind, "evidence": ["脚本化判断"]}})
    result = run_monitor(profile, registry=registry, source=OfflineSource(SAMPLE_DIR), day=DAY)
    assert result.status == "completed"
    prompts = {role: [(k, "\n".join(str(x.content) for x in msgs)) for k, msgs in m.calls] for role, m in models.items()}
    spec = kind_spec(kind)
    kind_prompt = next(text for k, text in prompts["reader"] if k == "KindVerdict")
    assert "Rules found these cues" in kind_prompt and "survey" in kind_prompt  # the model chooses among all kinds
    assert "; categories: cs." in kind_prompt  # the feed's arXiv categories reach the model (primary first)
    explore = next(text for k, text in prompts["reader"] if k == "tools")
    writer = next(text for k, text in prompts["writer"] if k == "PaperAnalysis")
    critic = next(text for k, text in prompts["critic"] if k == "SupportReview")
    for text in (explore, writer, critic):
        assert f"This is a {spec.en} ({spec.zh})" in text
    for part in spec.parts:
        assert f"{part.slot}: {part.zh}" in writer  # the parts to write, with this kind's titles
    others = {OWN_HEADING[k] for k in KINDS} - {OWN_HEADING[kind]}
    assert not any(f": {h}" in writer for h in others)
    report = json.loads(result.paths["json"].read_text(encoding="utf-8"))
    paper = report["papers"][0]
    assert paper["kind"] == kind and paper["kind_decided_by"] == "model"
    assert [p["zh"] for p in paper["parts"]] == [p.zh for p in spec.parts]
    md = result.paths["md"].read_text(encoding="utf-8")
    assert f"#### {OWN_HEADING[kind]}" in md
    for slot in ("motivation", "method", "experiments"):
        if spec.part(slot) is None:  # what the scripted writer put into a slot this kind lacks is not reported
            assert paper["analysis"][slot]["absent"] and not paper["analysis"][slot]["citations"]


# --- measured figures (README): guards at what was measured, so a change that loses them fails ---------------


def test_kind_accuracy_on_the_labelled_papers():
    """kinds-v1: rules written on the sample day (dev), measured once on the other papers (21/25), which were then
    tuned on too (all dev now, a regression set): 34/35, the 'other' paper (an analysis matrix for smart cities) read as a method paper."""
    data = json.loads((REPO / "evals" / "datasets" / "kinds-v1.json").read_text(encoding="utf-8"))
    wrong = [item["paper"] for item in data["items"]
             if detect_kind(parse_pdf(REPO / item["pdf_dir"] / f"{item['paper']}.pdf")).kind != item["kind"]]
    # With the text classifier the lattice-QCD paper 0905.2465 reads as theory: the classifier's labellers split
    # computational physics between theory and method, and the rules alone keep it a method paper.
    assert wrong == ["0905.2465v3", "futureinternet-2014-6-61"]
    by_rules = [item["paper"] for item in data["items"]
                if detect_kind(parse_pdf(REPO / item["pdf_dir"] / f"{item['paper']}.pdf"), classifier=None).kind != item["kind"]]
    assert by_rules == ["futureinternet-2014-6-61"]


def test_selected_evidence_per_kind_is_measured():
    """support-kinds-v1 (all dev now): 0.74 when measured once, 0.84 after tuning on it."""
    from evals.support_kinds_eval import score
    s = score()
    # Since citation and footnote numbers left PDF sentences, two picks are sentences nobody labelled
    # ("recall accuracies⁷" no longer states a number); since a system's design goals come only from its abstract
    # and introduction, a third (jss-zoo); since "suffers from" states a limitation, two limitations nobody labelled
    # (2201.09329's "still suffers from imperfections" with its list, LoCoMo's "Our evaluation framework suffers from
    # the same challenges"); since a limitations section's own sentences fill 局限 whatever their cue words, four more
    # (LoCoMo's "Our dataset is sourced primarily from text generated by LLMs.", jner's monopolar recordings, its
    # incomplete finger extensions, and its future studies line); since stated theorems lead a theory paper's 主要结果,
    # three theorem statements of math0405482 (Theorems 3, 5, 7); the rest still match their labels.
    assert s.unlabelled <= 12 and sum(s.selected.values()) >= 87 and s.precision >= 0.83


def _doc(title: str, abstract: str, sections: list[str]):
    from tools.paper_model import PaperDocument, Section
    return PaperDocument(source="test", title=title, abstract=abstract, page_count=1, structure_source="layout",
                         sections=[Section(id=str(i), title=t, level=1, page_start=1, page_end=1) for i, t in enumerate(sections)])


_EMPIRICAL = ["Introduction", "Related Work", "Method", "Experiments", "Conclusion"]


@pytest.mark.parametrize(("title", "abstract", "sections", "kind"), [
    # Method papers, the most common kind in a daily run, with wording that once made a false call.
    ("Sparse Routing for Long Videos", "Existing models attend to every frame. We argue that most frames are redundant and propose "
     "a sparse routing method. Experiments on three benchmarks show that our method outperforms dense attention.", _EMPIRICAL, "method"),
    ("Graph Priors: A Contrastive Framework for Molecule Retrieval", "We propose a contrastive framework for molecule retrieval. "
     "Code is available at https://github.com/example/graph-priors.", _EMPIRICAL, "method"),
    ("Debiasing Visual Question Answering", "We find shortcuts in existing models. To test our hypothesis, we curate a dataset of "
     "counterfactual questions. Experiments demonstrate the effectiveness of our debiasing method.", _EMPIRICAL, "method"),
    # The other kinds, each from a few strong cues.
    ("Against Leaderboards", "In this position paper we argue that leaderboards reward the wrong things.", ["Introduction", "Implications"], "position"),
    ("Mixed Models in Practice", "Estimates are computed with the fit function in the mm package for R. We describe the classes it defines.",
     ["Introduction", "Formula module", "Output module"], "system"),
    ("Graph Neural Networks: A Survey", "This survey reviews graph neural networks and organises them into a taxonomy.",
     ["Introduction", "Taxonomy", "Open problems"], "survey"),
    ("LongQA: A Benchmark for Reading Whole Books", "We introduce LongQA, a benchmark of 5,000 questions about whole books, "
     "annotated by crowd workers.", ["Introduction", "Data collection", "Annotation", "Baselines"], "dataset"),
    ("Comment on \"Criticality in Bethe Lattices\"", "We comment on the derivation of a recent paper and correct its second equation.",
     ["Introduction", "Discussion"], "other"),
], ids=["we-argue-method", "framework-and-code-link", "dataset-to-test-the-method", "position", "r-package", "survey", "dataset", "comment"])
def test_a_few_strong_cues_decide_the_kind(title, abstract, sections, kind):
    assert detect_kind(_doc(title, abstract, sections)).kind == kind


# --- own work apart from others', limitations ------------------------------------------------------------------


@pytest.mark.parametrize(("sentence", "others"), [
    ("BioPlanner significantly improves the success rate of generated protocols.", True),
    ("The encoder consists of six layers in the original Transformer.", True),
    ("ORQA (Lee et al., 2019) formulates open-domain QA as retrieval.", True),
    ("We use BERT as our encoder.", False),
    ("PaSa can autonomously make a series of decisions.", False),  # the paper's own system, named in its abstract
])
def test_another_systems_work_is_not_the_papers_own(sentence, others):
    from tools.rhetoric import about_others, classify_sentence
    assert about_others(sentence, ("PaSa",)) is others
    if others:
        assert classify_sentence(sentence, "method", ("PaSa",))[0] not in ("method", "result", "contribution")


def test_a_limitations_topic_sentence_brings_the_limitations_it_announces():
    from agent.reading.evidence_reader import Candidate, with_listed_limitations
    from tools.paper_model import Paragraph, Section, Sentence
    texts = ["Multi-LexSum is not without its limitations.", "First, the summaries cover only civil rights cases.",
             "Second, the annotators were law students.", "We release the data."]
    sents = [Sentence(id=f"S{i}", text=t, page=1, evidence=True) for i, t in enumerate(texts)]
    para = Paragraph(text=" ".join(texts), sentences=sents, page=1)
    section = Section(id="7", title="Limitations", level=1, page_start=1, page_end=1, paragraphs=[para])
    got = with_listed_limitations(Candidate(section, para, sents[0], "limitations", "limitation", 1.0, 0))
    assert [s.id for s in got] == ["S0", "S1", "S2"]  # at most three sentences in one quote
    alone = with_listed_limitations(Candidate(section, para, sents[1], "limitations", "limitation", 1.0, 1))
    assert [s.id for s in alone] == ["S1"]


def test_future_work_is_told_from_a_limitation():
    from tools.rhetoric import is_future_work
    assert is_future_work("We plan to extend the Transformer to problems involving other modalities.")
    assert not is_future_work("A limitation of our study is that it does not handle images, which we leave to future work.")


# --- investigate, whatever the wording ---------------------------------------------------------------------------


def test_investigate_answers_held_out_paraphrases_from_the_right_sections():
    """paraphrase-v1: the held-out phrasings were written before the routing changed and measured once (215/228)."""
    from evals.paraphrase_eval import score
    s = score("heldout")
    assert s.rate >= 0.9 and s.setup_first["no"] == 0


def test_an_evaluation_question_gives_the_set_up_before_the_results():
    from agent.investigate import retrieval_turn
    doc = parse_pdf(PAPERS / "2501.10120v1.pdf")
    turn = retrieval_turn(doc, "How is the proposed method evaluated, and on which data?")  # was 论文中未找到
    assert turn.found and len(turn.citations) >= 2
    from agent.reading.evidence_reader import classified_sentences
    roles = {c.sentence.id: c.role for c in classified_sentences(doc)}
    first_roles = [roles.get(c.sentence_ids[0]) for c in turn.citations]
    assert first_roles[0] != "result" and "result" in first_roles


def test_a_dataset_papers_report_describes_its_data_and_evaluation_protocol():
    from agent.reading.evidence_reader import role_notes
    doc = parse_pdf(PAPERS / "2402.17753v1.pdf")
    notes = role_notes(doc, kind="dataset")
    analysis = template_analysis(notes, doc, "zh", "dataset")
    assert not analysis.method.absent and analysis.method.evidence  # 数据来源与构成
    assert not analysis.motivation.absent and analysis.motivation.evidence  # 评测协议
    data = " ".join(n.citation.quote for n in notes if n.part == "method").lower()
    protocol = " ".join(n.citation.quote for n in notes if n.part == "motivation").lower()
    assert any(w in data for w in ("conversation", "dialog", "sessions", "turns"))
    assert any(w in protocol for w in ("evaluat", "task", "metric", "question answering", "f1"))


def test_related_work_is_never_a_source_of_contributions():
    from agent.reading.evidence_reader import role_notes, section_types
    doc = parse_pdf(SAMPLE_DIR / "2002.08909v1.pdf")  # REALM: its "Discussion and Related Work" compared REALM with others
    types = section_types(doc)
    assert types[next(s.id for s in doc.sections if s.title == "Discussion and Related Work")] == "related"
    contributions = [n for n in role_notes(doc) if n.part == "contributions"]
    assert contributions and all(types[n.citation.section_id] != "related" for n in contributions)


def test_what_a_feature_does_in_the_future_is_not_future_work():
    from agent.reading.evidence_reader import role_notes
    from tools.rhetoric import is_future_work
    assert not is_future_work("In the paper cards, users could click on remove highlight to prevent it from being highlighted in the future.")
    assert is_future_work("In the above examples, we used one distance, although this should be explored in the future.")
    doc = parse_pdf(SAMPLE_DIR / "2302.07302v1.pdf")  # CiteSee
    future = [n.citation.quote for n in role_notes(doc, kind="system") if n.part == "future"]
    assert future and not any("remove highlight" in q for q in future)


@pytest.mark.parametrize(("pdf", "question", "found"), [
    (PAPERS / "math0405482v2.pdf", "What are the limitations?", False),  # states none; its last section looks at connections
    (PAPERS / "math0405482v2.pdf", "这篇论文有哪些局限？", False),
    (SAMPLE_DIR / "2002.08909v1.pdf", "What are the limitations?", True),  # REALM states future work it would do
    (PAPERS / "math0405482v2.pdf", "What future directions does the paper discuss?", True),
])
def test_a_limitations_question_is_answered_only_by_what_the_paper_states(pdf, question, found):
    from agent.investigate import retrieval_turn
    turn = retrieval_turn(parse_pdf(pdf), question)
    assert turn.found is found
    if not found:
        assert "论文中未找到" in turn.answer and not turn.citations


def test_an_assumptions_question_gets_the_sentences_that_assume():
    from agent.investigate import retrieval_turn
    turn = retrieval_turn(parse_pdf(PAPERS / "1704.01689v1.pdf"), "What assumptions does the paper make?")  # was 论文中未找到
    assert turn.found and turn.citations
    assert all("assume" in c.quote.lower() for c in turn.citations)


@pytest.mark.parametrize(("pdf", "question", "words"), [
    (PAPERS / "2402.17753v1.pdf", "How was the data annotated?", ("annotat",)),
    (PAPERS / "2201.09329v1.pdf", "数据是如何标注的？", ("annotat",)),
    (PAPERS / "2203.02155v1.pdf", "How was the data collected?", ("collect", "label")),
])
def test_a_question_on_how_the_data_was_made_gets_the_papers_own_data_sentences(pdf, question, words):
    from agent.investigate import retrieval_turn
    from agent.reading.question_routing import route_question
    assert route_question(question).types == ["collection"]  # not "which datasets do the experiments use"
    turn = retrieval_turn(parse_pdf(pdf), question)
    assert turn.found and any(w in turn.citations[0].quote.lower() for w in words)


def test_a_results_question_on_a_review_without_experiments_is_not_answered_with_others_results():
    from agent.investigate import retrieval_turn
    turn = retrieval_turn(parse_pdf(PAPERS / "2006.11371.pdf"), "这篇论文的实验结果如何？")  # once: "significantly" sentences of other papers
    assert not turn.found and "综述" in turn.answer and not turn.citations


def test_a_session_decides_the_kind_once_for_all_its_evaluation_questions(tmp_path, monkeypatch):
    import agent.investigate as investigate
    from agent.config import parse_profile
    from agent.llm.registry import offline_registry
    from agent.prompts import PromptLibrary
    from agent.run.investigate_session import InvestigateSession, PaperRef

    pdf = PAPERS / "2006.11371.pdf"
    doc = parse_pdf(pdf)
    calls = []
    real = investigate.detect_kind
    monkeypatch.setattr(investigate, "detect_kind", lambda d, *a, **k: calls.append(d) or real(d, *a, **k))
    profile = parse_profile({"name": "t", "categories": ["cs.CL"], "keywords": ["review"], "data_dir": str(tmp_path / "data")})
    session = InvestigateSession(doc, PaperRef(source=str(pdf), arxiv_id=None, title=doc.title), profile=profile,
                                 registry=offline_registry("test"), prompts=PromptLibrary(), session="k1", data_dir=profile.data_dir)
    answers = [session.ask(q) for q in ("这篇论文的实验结果如何？", "Which datasets are used?", "What baselines are compared?")]
    session.close()
    assert all(not a.found and ("综述" in a.answer or "review" in a.answer) for a in answers)
    assert len(calls) == 1  # once per session, not once per question


def test_a_system_papers_design_goals_come_from_its_design_goals_section():
    """CiteSee's §3.3 DESIGN GOALS (under a formative-study section) once lost to introduction problem sentences."""
    from agent.reading.evidence_reader import role_notes
    doc = parse_pdf(SAMPLE_DIR / "2302.07302v1.pdf")
    goals = [n for n in role_notes(doc, kind="system") if n.part == "motivation"]
    assert goals and goals[0].citation.section_id == "3.3" and doc.section("3.3").title == "DESIGN GOALS"
    assert kind_spec("system").part("motivation").holds("3.3 Design Goals") and not kind_spec("method").part("motivation").holds("Design Goals")


@pytest.mark.parametrize("question", ["What is the main result?", "What theorem do the authors prove?", "这篇论文的主要定理是什么？"])
def test_a_theory_papers_main_results_are_its_stated_theorems(question):
    """math0405482's Theorems 3, 5 and 7 are set as "Theorem 5." heads with their statements; every wording once missed
    them (a §5.2 aside, proof steps, the paper's publication history)."""
    from agent.investigate import retrieval_turn
    turn = retrieval_turn(parse_pdf(PAPERS / "math0405482v2.pdf"), question)
    quotes = [c.quote for c in turn.citations]
    assert turn.found and any(q.startswith("Any two minimal triple point diagrams with the same matching") for q in quotes)
    assert not any("first version of this paper" in q for q in quotes)


def test_the_summary_says_what_the_paper_does_not_only_its_background():
    """论文概要 was always the abstract's first two sentences, most often background ("Citations are ...")."""
    from agent.reading.evidence_reader import role_notes
    from tools.rhetoric import speaks_of_own_work
    for name in ("1512.03385v1", "2002.08909v1", "2301.11305v2", "2304.02623v1"):
        doc = parse_pdf(SAMPLE_DIR / f"{name}.pdf")
        notes = role_notes(doc)
        summary = [n for n in notes if n.part == "summary"]
        assert notes[0].part == "summary" and [n.id for n in notes] == [f"E{i}" for i in range(1, len(notes) + 1)]
        assert summary and all(n.citation.section_id == "abstract" for n in summary)
        assert any(speaks_of_own_work(n.citation.quote) for n in summary), name
        others = {n.citation.quote for n in notes if n.part != "summary"}
        assert not any(n.citation.quote in others for n in summary)  # never a part's quote again


@pytest.mark.parametrize("question", ["How is the method evaluated?", "实验是怎么评估的？用了哪些指标？"])
def test_an_evaluation_question_quotes_the_experimental_setup_section_first(question):
    """LoCoMo's §5 "Experimental Setup" was never quoted: its task descriptions (§4.2, §4.3) came first."""
    from agent.investigate import retrieval_turn
    turn = retrieval_turn(parse_pdf(PAPERS / "2402.17753v1.pdf"), question)
    assert turn.found and turn.citations[0].section_id == "5"


@pytest.mark.parametrize("question", ["Which benchmarks are studied?", "What benchmarks were analyzed?",
                                      "Which benchmarks do the authors analyze?", "用了哪些数据集？"])
def test_a_data_question_quotes_the_list_of_the_data_wherever_it_stands(question):
    """2404.10155 lists its 9 benchmarks in the method's study design (§III.A), not in an experiments section: data
    questions quoted 'the studied benchmarks have an average of 516 prompts' and a sampling step instead."""
    from agent.investigate import retrieval_turn
    turn = retrieval_turn(parse_pdf(PAPERS / "2404.10155v3.pdf"), question)
    assert turn.found and turn.citations[0].section_id == "III.A"
    assert "9 benchmarks: MXEVAL, CODEREVAL" in turn.citations[0].quote
