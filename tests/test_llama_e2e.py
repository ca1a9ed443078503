"""The whole graph against a real OpenAI-compatible server (llama.cpp + SmolLM2-135M) on loopback.

The model is tiny: its text is poor. The point is the real HTTP path: requests,
tool schemas, grammar-constrained structured output, usage accounting, and a
self-check that catches what the model gets wrong.
"""

import json

import pytest

from agent.config import environment, load_profile, parse_profile, resolve_models
from agent.llm.registry import build_registry
from agent.run.monitor_run import run_monitor
from tests.conftest import REPO, SAMPLE_DIR
from tests.llama_server import MODEL_ALIAS, start_server, stop_server
from tools.paper_model import normalize_space
from tools.pdf_parse import parse_pdf
from tools.sources import OfflineSource

pytestmark = [pytest.mark.llama, pytest.mark.slow]


@pytest.fixture(scope="module")
def llama(tmp_path_factory):
    proc, base = start_server(tmp_path_factory.mktemp("llama") / "server.log")
    yield base
    stop_server(proc)


def tiny_profile(base_url: str, tmp_path):
    sample = load_profile(REPO / "profiles" / "sample.toml").model_dump(mode="json")
    sample.update(
        max_papers=1, data_dir=str(tmp_path / "data"), output_dir=str(tmp_path / "reports"),
        models={"default": {"model": MODEL_ALIAS, "base_url": base_url, "max_tokens": 2048, "timeout": 600, "max_retries": 0, "temperature": 0}},
        reader={"token_budget": 1000, "concurrency": 1, "max_tool_calls": 2},
        writer={"max_revisions": 1, "min_chars_per_part": 40, "max_chars_per_part": 1500},
    )
    return parse_profile(sample)


def test_monitor_graph_end_to_end_over_http(llama, tmp_path):
    profile = tiny_profile(llama, tmp_path)
    registry = build_registry(resolve_models(profile, environment(None)))
    assert not registry.offline_roles()
    outcome = run_monitor(profile, registry=registry, source=OfflineSource(SAMPLE_DIR))
    report = json.loads(outcome.paths["json"].read_text(encoding="utf-8"))

    # The run completed over real HTTP, every role called the server and tokens were counted.
    assert outcome.status == "completed" and outcome.paths["md"].exists()
    usage = report["run"]["usage"]
    for role in ("judge", "reader", "writer", "critic"):
        assert usage[role]["calls"] >= 1 and usage[role]["input_tokens"] > 0, (role, usage)
    assert report["mode"]["offline"] is False

    # Structured outputs parsed: no call fell back because its output could not be read.
    parse_failures = [d for d in report["run"]["degraded"] if d["error"].startswith(("ValidationError", "OutputParserException"))]
    assert parse_failures == [], parse_failures

    # The self-check flags what the tiny model gets wrong, and nothing unverified reaches the report.
    [paper] = report["papers"]
    check = paper["self_check"]
    not_supported = sum(1 for v in check["claims"] if v["verdict"] != "supported")
    flagged = paper["reading"]["notes_dropped"] + len(check["unresolved"]) + not_supported
    assert flagged > 0, check
    # The critic's verdicts came back per claim, over HTTP, through the grammar-constrained schema.
    assert check["critic_used"] and check["claims"] and all(v["claim"].startswith("C") for v in check["claims"])
    doc = parse_pdf(SAMPLE_DIR / f"{paper['arxiv_id']}.pdf")
    sentences = {t.id: t for _, _, t in doc.sentences()}
    for c in paper["citations"]:
        section = doc.section(c["section_id"])
        assert section is not None and normalize_space(c["quote"]) in normalize_space(section.text())
        # Whole sentences of body text, named by their ids.
        assert c["sentence_ids"] and all(sentences[i].evidence for i in c["sentence_ids"])
    md = outcome.paths["md"].read_text(encoding="utf-8")
    if paper["self_check"]["unresolved"]:
        assert "自检未通过的内容" in md
