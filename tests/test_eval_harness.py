"""The harness ranks variants correctly when fake models answer differently per variant, and reruns are free."""

import json
import re

import pytest
from typer.testing import CliRunner

from agent.cli import app
from agent.llm.registry import LLMRegistry
from evals.datasets import load_dataset
from evals.fake_models import ScriptedChatModel, text_of
from evals.harness import EvalSetup
from evals.llm_cache import SQLiteLLMCache
from evals.run import run_eval
from evals.scripted_agents import analysis_from_notes, judge_handler, scripted_registry
from tools.pdf_parse import parse_pdf
from tools.reader_tools import PaperIndex


def registry_factory(handlers: dict, cache):
    """Fresh registries (own usage counts) over the same scripted models' answers and one cache."""

    def make():
        models = {role: ScriptedChatModel(handlers=h, cache=cache) for role, h in handlers.items()}
        return LLMRegistry(models=models)

    return make


def base_handlers():
    _, models = scripted_registry()
    return {role: dict(m.handlers) for role, m in models.items()}


def gold_judge(dataset):
    gold = {i.id: i.label for i in dataset.items}

    def answer(messages, kwargs):
        strict = "Be strict" in text_of(messages)
        ids = re.findall(r"^### (\S+)$", text_of(messages), re.M)
        # The strict variant knows the answer; the default one turns everything down.
        return judge_handler({i: (9.0, True, "相关") if (strict and gold[i]) else (1.0, False, "无关") for i in ids})(messages, kwargs)

    return answer


def test_relevance_variants_are_ranked(tmp_path):
    dataset = load_dataset("relevance-vla")
    handlers = base_handlers()
    handlers["judge"]["VerdictBatch"] = gold_judge(dataset)
    cache = SQLiteLLMCache(tmp_path / "cache.sqlite")
    setup = EvalSetup(make_registry=registry_factory(handlers, cache), roles=["judge"], data_dir=tmp_path / "eval", cache=cache)
    [c] = run_eval(["relevance-vla"], ("default", "strict"), setup)
    rows = {r.metric: r for r in c.rows}
    assert rows["recall"].b > rows["recall"].a == 0.0
    assert rows["f1"].diff > 0
    assert rows["f1"].wins_b >= 4 and rows["f1"].wins_a == 0  # paired on per-item correctness
    # Five relevant items cannot make a sign test significant (p = 0.0625): no winner is named.
    assert rows["f1"].p_value >= 0.05 and rows["f1"].better == ""
    assert "2510.15446v1" in {d["item"] for d in c.disagreements}
    first_misses = cache.misses
    assert first_misses > 0

    # Same inputs, same prompts: every answer comes from the cache, and the numbers do not move.
    [again] = run_eval(["relevance-vla"], ("default", "strict"), setup)
    assert cache.misses == first_misses
    assert [(r.metric, r.a, r.b) for r in again.rows if r.metric not in ("seconds", "cost")] == [
        (r.metric, r.a, r.b) for r in c.rows if r.metric not in ("seconds", "cost")
    ]


def answer_from_gold(messages, kwargs):
    """Investigate answers: the concise variant finds the facts in the gold sections; the default one gives up."""
    system = text_of(messages)
    if "two sentences at most" not in system:
        return {"found": False, "answer": "", "citations": [], "looked_at": []}
    q = re.search(r"Question: (.*)", system).group(1)
    item = next(i for i in load_dataset("reading").items if i.question == q)
    doc = _DOCS[item.paper]
    section = doc.section(item.gold_sections[0])
    hit = PaperIndex(doc).search(" ".join(a[0] for a in item.fact_alternatives()), k=10).hits
    hit = next((h for h in hit if h.section_id == section.id), None)
    citations = [{"section_id": hit.section_id, "page": hit.page, "quote": hit.citation.quote}] if hit else []
    facts = "; ".join(a[0] for a in item.fact_alternatives())
    return {"found": True, "answer": f"答案：{facts}", "citations": citations, "looked_at": [section.id]}


_DOCS = {}


def bad_writer(messages, kwargs):
    prompt = text_of(messages)
    if "skim it in a minute" in prompt:  # the concise variant writes valid citations
        return analysis_from_notes(messages, kwargs)

    def invent(analysis):
        analysis["method"]["evidence"].append("E404")
        analysis["experiments"]["text"] += "（见第77节, 第2页）"
        return analysis

    return analysis_from_notes(messages, kwargs, mutate=invent)


def reading_setup(tmp_path, roles: list[str], **answers) -> EvalSetup:
    """Scripted models for the reading dataset; `answers` maps "role.kind" to a handler."""
    from tests.conftest import SAMPLE_DIR

    for pid in load_dataset("reading").papers:
        _DOCS.setdefault(pid, parse_pdf(SAMPLE_DIR / f"{pid}.pdf"))
    handlers = base_handlers()
    for key, handler in answers.items():
        role, kind = key.split("__")
        handlers[role][kind] = handler
    cache = SQLiteLLMCache(tmp_path / "cache.sqlite")
    return EvalSetup(make_registry=registry_factory(handlers, cache), roles=roles, data_dir=tmp_path / "eval", cache=cache)


@pytest.mark.slow
def test_reading_variants_are_ranked_with_significance(tmp_path):
    setup = reading_setup(tmp_path, ["writer", "investigate"], reader__Answer=answer_from_gold, writer__PaperAnalysis=bad_writer)
    [c] = run_eval(["reading"], ("default", "concise"), setup)
    rows = {r.metric: r for r in c.rows}
    assert rows["fact_recall"].better == "concise" and rows["fact_recall"].significant
    assert rows["fact_recall"].wins_b == 13 and rows["fact_recall"].wins_a == 0
    assert rows["section_recall"].better == "concise"
    assert rows["citation_validity"].better == "concise" and rows["citation_validity"].a < 1.0
    assert rows["clean_first_draft"].better == "concise" and rows["clean_first_draft"].a == 0.0
    assert rows["marker_validity"].a < rows["marker_validity"].b == 1.0
    assert c.disagreements and c.disagreements[0]["gap"] > 0


def test_eval_cli_runs_offline_and_writes_results(tmp_path):
    out = tmp_path / "results"
    profile = tmp_path / "p.toml"
    profile.write_text(f'categories = ["cs.CL"]\nkeywords = ["rag"]\ndata_dir = "{tmp_path / "data"}"\n')
    result = CliRunner().invoke(app, ["eval", "--variants", "default,strict", "--roles", "judge", "--dataset", "relevance-sample", "--offline", "--out", str(out), "-p", str(profile)])
    assert result.exit_code == 0, result.output
    assert "relevance-sample: default vs strict" in result.output and "f1" in result.output
    md = next(out.glob("*-default-vs-strict.md")).read_text(encoding="utf-8")
    assert "| f1 |" in md
    assert next(out.glob("*-default-vs-strict.json")).exists()


@pytest.mark.parametrize(
    "args, message",
    [
        (["--variants", "default"], "exactly two names"),
        (["--variants", "default,default", "--roles", "judge"], "two different variant names"),
        (["--variants", "default,nope", "--roles", "judge"], "no role among judge has both variants 'default' and 'nope'"),
        (["--variants", "default,strict", "--roles", "judge,cook"], "unknown role 'cook'"),
        (["--variants", "default,strict", "--roles", "judge", "--dataset", "imaginary"], "no dataset 'imaginary'"),
    ],
)
def test_eval_cli_bad_arguments(tmp_path, args, message):
    result = CliRunner().invoke(app, ["eval", *args, "--offline", "--out", str(tmp_path)])
    assert result.exit_code != 0 and message in str(result.exception)


def vague_writer(messages, kwargs):
    """The default variant pads every part with an empty phrase; the concise one does not."""
    if "skim it in a minute" in text_of(messages):
        return analysis_from_notes(messages, kwargs)

    def pad(analysis):
        for part in ("summary", "motivation", "method", "experiments"):
            analysis[part]["text"] += "总之意义重大。"
        return analysis

    return analysis_from_notes(messages, kwargs, mutate=pad)


def prefers_no_padding(messages, kwargs):
    prompt = text_of(messages)
    first, second = prompt.split("## Second analysis", 1)
    first_bad, second_bad = first.count("意义重大"), second.count("意义重大")
    if first_bad == second_bad:
        return {"winner": "tie", "reason": "相同"}
    return {"winner": "first" if first_bad < second_bad else "second", "reason": "引用更可靠"}


@pytest.mark.slow
@pytest.mark.parametrize("judge, expect_wins", [(prefers_no_padding, True), (lambda m, k: {"winner": "first", "reason": "位置偏好"}, False)])
def test_pairwise_judge_in_both_orders(tmp_path, judge, expect_wins):
    setup = reading_setup(tmp_path, ["writer"], writer__PaperAnalysis=vague_writer, critic__PairwiseVerdict=judge)
    [c] = run_eval(["reading"], ("default", "concise"), setup, pairwise=True)
    pw = c.pairwise
    papers = len(load_dataset("reading").papers)
    assert len(pw["items"]) == papers
    if expect_wins:
        # The concise variant's reports carry no empty phrases: preferred in both orders, every time.
        assert pw["wins_b"] == papers and pw["wins_a"] == 0 and pw["p_value"] < 0.05
    else:
        # A judge that always picks whatever is shown first never counts as a preference.
        assert pw["wins_a"] == pw["wins_b"] == 0 and pw["ties"] == papers and pw["p_value"] == 1.0


def test_better_is_named_only_when_significant():
    from evals.compare import compare
    from evals.harness import ItemResult, VariantResult

    def variant(name, scores):
        result = VariantResult(name, "d", [ItemResult(f"i{k}", {"m": v}) for k, v in enumerate(scores)])
        result.summary["m"] = sum(scores) / len(scores)
        return result

    a = variant("a", [0.0] * 10)
    clear = {r.metric: r for r in compare(a, variant("b", [1.0] * 8 + [0.0] * 2)).rows}["m"]
    assert clear.p_value < 0.05 and clear.better == "b"
    slight = {r.metric: r for r in compare(a, variant("b", [1.0] * 3 + [0.0] * 7)).rows}["m"]
    assert slight.diff > 0 and slight.p_value >= 0.05 and slight.better == ""


def test_eval_without_options_compares_every_variant_offline(tmp_path):
    """No flags: default against each other variant, role by role, each on the datasets its role needs."""
    result = CliRunner().invoke(app, ["eval", "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    for title in ("relevance-vla: default vs strict", "reading: default vs concise"):
        assert title in result.output
    md = next(tmp_path.glob("*-all-variants.md")).read_text(encoding="utf-8")
    # judge (strict), writer and investigate (concise): one comparison each per dataset of the role.
    assert md.count("## relevance-vla: default vs strict") == 1 and md.count("## reading: default vs concise") == 2
    # Offline the variants give identical answers, so no metric names a winner.
    data = json.loads(next(tmp_path.glob("*-all-variants.json")).read_text(encoding="utf-8"))
    assert len(data) == 4 and all(row["better"] == "" for c in data for row in c["rows"])


def test_eval_help_example_works(tmp_path):
    result = CliRunner().invoke(app, ["eval", "--variants", "default,concise", "--offline", "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert "writer, investigate" in result.output
