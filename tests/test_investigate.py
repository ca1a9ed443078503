import json
import re

import pytest
from typer.testing import CliRunner

from agent.cli import app
from agent.config import parse_profile
from agent.llm.registry import offline_registry
from agent.prompts import PromptLibrary
from agent.run.investigate_session import InvestigateSession, PaperRef
from evals.fake_models import text_of, unreachable_model_error
from evals.scripted_agents import reader_turns, scripted_registry
from tests.conftest import FIXTURES, SAMPLE_DIR
from tools.errors import ConfigError
from tools.paper_model import normalize_space
from tools.pdf_parse import parse_pdf

PDF = SAMPLE_DIR / "2002.08909v1.pdf"
PROFILE = {"name": "t", "categories": ["cs.CL"], "keywords": ["retrieval"]}


@pytest.fixture(scope="module")
def doc():
    return parse_pdf(PDF, arxiv_id="2002.08909v1")


def session(doc, tmp_path, registry=None, name="s1"):
    profile = parse_profile({**PROFILE, "data_dir": str(tmp_path / "data")})
    ref = PaperRef(source=str(PDF), arxiv_id="2002.08909v1", title=doc.title)
    return InvestigateSession(doc, ref, profile=profile, registry=registry or offline_registry("test"), prompts=PromptLibrary(),
                              session=name, data_dir=profile.data_dir)


def verbatim(doc, citation) -> bool:
    section = doc.section(citation.section_id)
    return section is not None and normalize_space(citation.quote) in normalize_space(section.text())


def answer_with(found=True, quotes=(), text="检索器与编码器联合预训练（见第3.2节, 第4页）。"):
    def handler(messages, kwargs):
        return {"found": found, "answer": text, "citations": [{"section_id": s, "page": p, "quote": q} for s, p, q in quotes], "looked_at": ["3.2"]}

    return handler


QUOTE = "The knowledge retriever and knowledge-augmented encoder are jointly pre-trained on the unsupervised language modeling task."


def test_cited_answer_with_tool_loop(doc, tmp_path):
    registry, models = scripted_registry(reader={
        "tools": reader_turns([("search_paper", {"query": "retriever pre-training"}), ("read_section", {"section_id": "3.2"})]),
        "Answer": answer_with(quotes=[("3.2", 4, QUOTE)]),
    })
    s = session(doc, tmp_path, registry)
    turn = s.ask("检索器是如何预训练的？")
    assert turn.found and turn.verified and turn.mode == "model"
    assert [(c.section_id, c.page) for c in turn.citations] == [("3.2", 4)]
    assert all(verbatim(doc, c) for c in turn.citations)
    assert models["reader"].kinds() == ["tools", "tools", "tools", "Answer"]
    # The tools' text reached the model before it answered.
    assert "[§3.2, p." in text_of(models["reader"].calls[-1][1])
    s.close()


def test_invented_quotes_are_dropped_and_said(doc, tmp_path):
    registry, _ = scripted_registry(reader={"Answer": answer_with(quotes=[("3.2", 4, QUOTE), ("9", 1, "A sentence this paper never wrote.")])})
    turn = session(doc, tmp_path, registry).ask("How is the retriever trained?")
    assert len(turn.citations) == 1 and turn.dropped_citations == 1 and not turn.verified
    assert "1 条引用未能在论文中核验" in turn.answer or "unverifiable" in turn.answer


def test_citation_repaired_to_where_the_quote_really_is(doc, tmp_path):
    registry, _ = scripted_registry(reader={"Answer": answer_with(quotes=[("1", 1, QUOTE)])})
    turn = session(doc, tmp_path, registry).ask("How is the retriever trained?")
    assert [(c.section_id, c.page) for c in turn.citations] == [("3.2", 4)]


def test_not_found_answer_says_so_and_where_it_looked(doc, tmp_path):
    registry, _ = scripted_registry(reader={"Answer": answer_with(found=False, text="")})
    turn = session(doc, tmp_path, registry).ask("论文用了多少块 GPU？")
    assert not turn.found and turn.answer.startswith("论文中未找到") and "3.2" in turn.answer
    assert turn.citations == []


def test_offline_answers_are_labelled_excerpts(doc, tmp_path):
    s = session(doc, tmp_path)
    turn = s.ask("Which datasets are used for Open-QA evaluation?")
    assert turn.mode == "retrieval" and turn.found and "检索摘录" not in turn.answer and "excerpts" in turn.answer
    assert turn.citations and all(verbatim(doc, c) for c in turn.citations)
    zh = s.ask("这篇论文用了哪些数据集？")
    assert "检索摘录" in zh.answer and zh.citations
    missing = s.ask("What is the boiling point of liquid nitrogen in Kelvin?")
    assert not missing.found and missing.answer.startswith("论文中未找到")


def test_the_session_survives_a_model_error(doc, tmp_path):
    def broken(messages, kwargs):
        raise unreachable_model_error()

    registry, _ = scripted_registry(reader={"tools": broken, "Answer": broken})
    s = session(doc, tmp_path, registry)
    turn = s.ask("How is the retriever trained?")
    assert turn.mode == "error" and "模型调用失败" not in turn.answer and "model call failed" in turn.answer
    assert s.ask("还能继续提问吗？").mode == "error"  # still answering, still explaining
    assert len(s.turns()) == 2


def test_empty_question_is_refused(doc, tmp_path):
    with pytest.raises(ConfigError, match="empty"):
        session(doc, tmp_path).ask("   ")


def test_commands(doc, tmp_path):
    s = session(doc, tmp_path)
    assert s.read("3.2").section_id == "3.2"
    assert s.find("masked language modeling").hits
    with pytest.raises(ConfigError):
        s.find("")
    s.ask("How is the retriever pre-trained?")
    saved = s.save(tmp_path / "notes.md").read_text(encoding="utf-8")
    assert saved.startswith(f"# {doc.title}") and "## 1. Q：How is the retriever pre-trained?" in saved
    assert re.search(r"- \[Section 3\.2, p\. (\d+)\]\(https://arxiv\.org/pdf/2002\.08909v1#page=\1\)：“", saved)  # opens at the page
    report = s.report()
    for heading in ("#### 论文概要", "#### 研究动机", "#### 核心贡献与创新点", "#### 方法概述", "#### 实验说明", "#### 改进建议和未来研究方向"):
        assert heading in report
    assert "离线：引文逐字核验" in report and "未做内容核验" in report


def test_report_command_with_models_runs_the_self_check(doc, tmp_path):
    registry, models = scripted_registry()
    report = session(doc, tmp_path, registry).report()
    assert "✅ 自检：引文逐字核验" in report and "内容支持（模型核验）6/6" in report and "推断：方法对检索质量较为敏感。" in report
    assert models["writer"].kinds() == ["PaperAnalysis"] and models["critic"].kinds() == ["SupportReview"]


def test_resume_by_session_keeps_the_memory(doc, tmp_path):
    registry, _ = scripted_registry(reader={"Answer": answer_with(quotes=[("3.2", 4, QUOTE)])})
    first = session(doc, tmp_path, registry, name="realm")
    first.ask("How is the retriever trained?")
    first.close()
    registry2, models2 = scripted_registry(reader={"Answer": answer_with(quotes=[("3.2", 4, QUOTE)])})
    again = session(doc, tmp_path, registry2, name="realm")
    assert [t.question for t in again.turns()] == ["How is the retriever trained?"]
    again.ask("And the encoder?")
    prompt = text_of(models2["reader"].calls[0][1])
    assert "Q: How is the retriever trained?" in prompt  # the earlier exchange is in the model's memory
    assert len(again.turns()) == 2
    assert InvestigateSession.stored_paper(tmp_path / "data", "realm")["arxiv_id"] == "2002.08909v1"


# --- CLI ------------------------------------------------------------------------------------------


def cli(*args):
    return CliRunner().invoke(app, ["investigate", *args])


def test_ask_json_quotes_are_verbatim(doc, tmp_path):
    result = cli("2002.08909v1", "--offline", "--ask", "How does REALM pre-train the retriever?", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert set(data) == {"answer", "citations"}
    assert data["citations"]
    for c in data["citations"]:
        assert set(c) == {"section_id", "page", "quote", "sentence_ids", "kind", "label", "anchor", "url"} and c["sentence_ids"]
        section = doc.section(c["section_id"])
        assert normalize_space(c["quote"]) in normalize_space(section.text())
        assert c["url"] == f"https://arxiv.org/pdf/2002.08909v1#page={c['page']}" and c["anchor"] is None  # read from the PDF


@pytest.mark.parametrize(
    "args, message",
    [
        (["2999.99999", "--offline", "--ask", "q"], "no HTML page or PDF in the offline directory"),
        (["not-an-id", "--offline", "--ask", "q"], "not an arXiv id"),
        (["2002.08909v1", "--offline", "--ask", ""], "the question is empty"),
        (["--session", "never-started"], "no saved session named 'never-started'"),
        ([], "give a paper"),
        (["2002.08909v1", "--json"], "--json goes with --ask"),
    ],
)
def test_bad_input_is_a_clear_message(tmp_path, args, message):
    result = cli(*args)
    assert result.exit_code != 0
    assert message in str(result.exception)


def test_broken_pdf_is_a_clear_message(tmp_path):
    bad = tmp_path / "2002.08909v1.pdf"
    bad.write_bytes(b"%PDF-1.4 broken")
    result = cli(str(bad), "--offline", "--ask", "q")
    assert result.exit_code != 0 and "corrupt" in str(result.exception)


def test_session_for_another_paper_is_refused(tmp_path):
    assert cli("2002.08909v1", "--offline", "--session", "x", "--ask", "What is REALM?").exit_code == 0
    other = cli("2007.01282v2", "--offline", "--session", "x", "--ask", "q")
    assert other.exit_code != 0 and "session 'x' is about" in str(other.exception)
    resumed = cli("--session", "x", "--offline", "--ask", "Which datasets?", "--json")
    assert resumed.exit_code == 0 and json.loads(resumed.stdout)["citations"]


def test_a_paper_parsed_before_opens_from_the_cache_offline(tmp_path):
    """The second time, the arXiv id is enough: no PDF in the offline directory, no network."""
    first = CliRunner().invoke(app, ["investigate", "2002.08909v1", "--offline", "--ask", "What problem does this paper address?", "--json"])
    assert first.exit_code == 0, first.output
    empty = tmp_path / "empty-day"
    empty.mkdir()
    again = CliRunner().invoke(app, ["investigate", "2002.08909", "--offline-dir", str(empty), "--ask", "How is the method evaluated?", "--json"])
    assert again.exit_code == 0, again.output
    data = json.loads(again.output)
    assert data["citations"] and {c["section_id"] for c in data["citations"]} <= {"4.3", "4.4", "4.5", "4.2", "4.1", "4"}


def test_report_shows_the_paper_details_and_says_nothing_was_judged(doc, tmp_path):
    ref = PaperRef(source=str(SAMPLE_DIR / "2002.08909v1.pdf"), arxiv_id="2002.08909v1", title=doc.title,
                   authors=["Kelvin Guu", "Kenton Lee"], categories=["cs.CL", "cs.LG"])
    s = InvestigateSession(doc, ref, profile=parse_profile({"name": "t", "categories": ["cs.CL"], "keywords": ["retrieval"], "data_dir": str(tmp_path)}),
                           registry=offline_registry("test"), prompts=PromptLibrary(), session=None, data_dir=tmp_path)
    report = s.report()
    assert "Kelvin Guu, Kenton Lee" in report and "cs.CL, cs.LG（主分类 cs.CL）" in report
    assert "用户指定" in report and "模型判断" not in report and "论文概要（原文摘录）" in report


def test_report_on_a_local_pdf_says_what_is_unknown_instead_of_empty_fields(doc, tmp_path):
    ref = PaperRef(source=str(PDF), arxiv_id=None, title=doc.title)
    s = InvestigateSession(doc, ref, profile=parse_profile({"name": "t", "categories": ["cs.CL"], "keywords": ["retrieval"], "data_dir": str(tmp_path)}),
                           registry=offline_registry("test"), prompts=PromptLibrary(), session=None, data_dir=tmp_path)
    report = s.report()
    details = report.split("### 基本信息", 1)[1].split("###", 1)[0]
    assert "作者**：未知（本地文件）" in details
    assert "主分类 ）" not in details and "**分类**" not in details  # once "• 分类：（主分类 ）"
    assert "arxiv.org" not in details and "本地文件，未关联 arXiv 编号" in details  # once a link to arxiv.org/abs/local-2002.08909v1v1


@pytest.mark.parametrize("pdf, question, section, words", [
    # "ResNet-152" meets "the 152-layer ResNet": a hyphenated word's parts match too.
    (SAMPLE_DIR / "1512.03385v1.pdf", "ResNet-152 的计算量（FLOPs）是多少？", "4.1", "152-layer ResNet (11.3 billion FLOPs)"),
    # The results sections' own sentences did not answer; the question's words are answered in §IV.C's paragraph.
    (FIXTURES / "papers" / "2404.10155v3.pdf", "How much did fixing the HumanEval prompts change Pass@1?", "IV.C", "increased a model’s pass@k"),
])
def test_a_specific_question_is_answered_where_its_words_stand(pdf, question, section, words):
    """Both were 论文中未找到 for a helper trying the tool, although the paper answers them plainly."""
    from agent.investigate import retrieval_turn
    turn = retrieval_turn(parse_pdf(pdf), question)
    assert turn.found and turn.citations[0].section_id == section and words in turn.citations[0].quote
