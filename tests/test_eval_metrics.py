"""Each metric moves when the output is made worse on purpose; if a metric is broken, its test fails."""

import pytest

from evals import metrics
from tests.conftest import SAMPLE_DIR
from tools.paper_model import Citation
from tools.pdf_parse import parse_pdf

# The paragraph's run-in head "Pre-training" is its head, not part of its first sentence.
GOOD = Citation(section_id="4.3", page=7, quote="We pre-train for 200k steps on 64 Google Cloud TPUs, with a batch size of 512 and a learning rate of 3e-5, using BERT’s default optimizer.")


@pytest.fixture(scope="module")
def doc():
    return parse_pdf(SAMPLE_DIR / "2002.08909v1.pdf")


def test_precision_recall_f1_drop_with_wrong_predictions():
    gold = {"a": True, "b": True, "c": False, "d": False}
    assert metrics.precision_recall_f1(dict(gold), gold) == (1.0, 1.0, 1.0)
    false_positive = metrics.precision_recall_f1({**gold, "c": True}, gold)
    false_negative = metrics.precision_recall_f1({**gold, "a": False}, gold)
    assert false_positive[0] < 1.0 and false_positive[2] < 1.0
    assert false_negative[1] < 1.0 and false_negative[2] < 1.0
    assert metrics.precision_recall_f1({k: False for k in gold}, gold) == (0.0, 0.0, 0.0)


def test_citation_validity_drops_for_missing_sections_and_pages(doc):
    assert metrics.citation_validity([GOOD], doc) == 1.0
    assert metrics.citation_validity([GOOD, GOOD.model_copy(update={"section_id": "9.9"})], doc) == 0.5
    assert metrics.citation_validity([GOOD.model_copy(update={"page": 1})], doc) == 0.0  # 4.3 is not on page 1
    assert metrics.citation_validity([], doc) == 0.0


def test_quote_grounding_drops_for_paraphrases(doc):
    assert metrics.quote_grounding([GOOD], doc) == 1.0
    paraphrase = GOOD.model_copy(update={"quote": "They pre-trained for 200k steps on 64 TPUs."})
    wrong_section = GOOD.model_copy(update={"section_id": "3.3"})
    assert metrics.quote_grounding([GOOD, paraphrase], doc) == 0.5
    assert metrics.quote_grounding([wrong_section], doc) == 0.0


def test_marker_validity_drops_for_invented_sections(doc):
    assert metrics.marker_validity("预训练 200k 步（见第4.3节, 第7页）。", doc) == 1.0
    assert metrics.marker_validity("预训练 200k 步（见第4.3节, 第7页），另见（见第12.4节, 第3页）。", doc) == 0.5


def test_fact_recall_drops_for_missing_facts():
    facts = [["200k"], ["64"], ["512"]]
    assert metrics.fact_recall("200k steps, 64 TPUs, batch 512", facts) == 1.0
    assert metrics.fact_recall("200k steps on TPUs", facts) == pytest.approx(1 / 3)
    assert metrics.fact_recall("60 minutes", [["60-minute", "60 minutes"]]) == 1.0


def test_section_recall_drops_when_gold_sections_are_not_cited():
    assert metrics.section_recall([GOOD], ["4.3"]) == 1.0
    assert metrics.section_recall([GOOD.model_copy(update={"section_id": "3.2"})], ["3"]) == 1.0  # a subsection counts
    assert metrics.section_recall([GOOD], ["3.3", "4.3"]) == 0.5
    assert metrics.section_recall([], ["4.3"]) == 0.0


def test_structure_compliance_drops_for_missing_and_indented_headings():
    good = "\n".join(h + "\n\ntext\n" for h in metrics.REQUIRED_HEADINGS)
    assert metrics.structure_compliance(good) == 1.0
    missing = good.replace("#### 实验说明\n", "")
    assert metrics.structure_compliance(missing) < 1.0
    reordered = good.replace("#### 论文概要", "#### TMP").replace("#### 研究动机", "#### 论文概要").replace("#### TMP", "#### 研究动机")
    assert metrics.structure_compliance(reordered) < 1.0
    assert metrics.structure_compliance(good.replace("### 原文摘要", "            ### 原文摘要")) == 0.0  # the seed report's bug


def test_chinese_share_drops_for_english_prose():
    assert metrics.chinese_share("本文提出一种检索增强的预训练方法。") == 1.0
    assert metrics.chinese_share("本文提出：“We propose a retriever.”") == 1.0  # quotes do not count
    assert metrics.chinese_share("This paper proposes a method for retrieval.") == 0.0
    assert 0 < metrics.chinese_share("本文提出 a new retriever for pre-training") < 1


def test_cost_and_sign_test():
    assert metrics.cost(1_000_000, 0, 0.27, 1.1) == pytest.approx(0.27)
    assert metrics.cost(1000, 2000, 0.27, 1.1) > metrics.cost(1000, 1000, 0.27, 1.1)
    assert metrics.sign_test(10, 0) < 0.01
    assert metrics.sign_test(5, 5) == 1.0
    assert metrics.sign_test(0, 0) == 1.0
    assert metrics.sign_test(3, 0) == pytest.approx(0.25)
