"""Dense similarity in the semantic stage through a real OpenAI-compatible /embeddings endpoint on loopback.

The stand-in endpoint embeds a text as hashed word counts (64 dimensions): similar wording, similar vectors.
"""

import base64
import json
import threading
import zlib
from datetime import date, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import numpy as np
import pytest
from langgraph.runtime import Runtime

from agent.config import Keyword, ModelSettings, load_profile, resolve_embeddings
from agent.context import Context, embedder_for
from agent.llm.registry import LLMRegistry, offline_registry
from agent.prompts import PromptLibrary
from agent.relevance.judge import judge_relevance
from evals.relevance_days import REPO, RelevanceDaysDataset, library_bibtex, library_for
from evals.scripted_agents import scripted_registry
from tools.ledger import Ledger
from tools.library import read_library
from tools.paper_cache import PaperCache

HELD_OUT = "2025-10-24"


def hashed_words(text: str, dim: int = 64) -> np.ndarray:
    v = np.zeros(dim, dtype=np.float32)
    for word in text.lower().split():
        v[zlib.crc32(word.strip(".,:;()").encode()) % dim] += 1
    return v


@pytest.fixture
def endpoint():
    seen: list[dict] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            seen.append(body)
            texts = body["input"] if isinstance(body["input"], list) else [body["input"]]
            data = []
            for k, t in enumerate(texts):
                v = hashed_words(t)
                emb = base64.b64encode(v.tobytes()).decode() if body.get("encoding_format") == "base64" else v.tolist()
                data.append({"object": "embedding", "index": k, "embedding": emb})
            out = json.dumps({"object": "list", "data": data, "model": body["model"], "usage": {"prompt_tokens": 1, "total_tokens": 1}}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(out)))
            self.end_headers()
            self.wfile.write(out)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/v1", seen
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def days() -> RelevanceDaysDataset:
    return RelevanceDaysDataset.model_validate(json.loads((REPO / "evals/datasets/relevance-days-v1.json").read_text(encoding="utf-8")))


def profile_with_embeddings(tmp_path, days, base_url):
    library = tmp_path / "lib.bib"
    library.write_text(library_bibtex(library_for(days, "3d-reconstruction", HELD_OUT)), encoding="utf-8")
    base = load_profile(REPO / "profiles" / "3d-reconstruction.toml")
    return base.model_copy(update={"keywords": [Keyword(term="Gaussian splatting")], "library": [library], "data_dir": tmp_path / "data",
                                   "max_papers": 50, "models": {"embeddings": ModelSettings(model="stand-in-embed", base_url=base_url)}})


def judge(profile, days, registry: LLMRegistry):
    day = date.fromisoformat(HELD_OUT)
    ledger = Ledger(profile.data_dir / "ledger.sqlite")
    candidates = days.entries(HELD_OUT)
    ledger.observe(profile.name, [e for d in days.days if d != HELD_OUT for e in days.entries(d)], day - timedelta(days=1))
    ledger.observe(profile.name, candidates, day)
    ctx = Context(profile=profile, llm=registry, source=None, ledger=ledger, papers=PaperCache(None), prompts=PromptLibrary(),
                  embedder=embedder_for(profile, registry))
    try:
        return judge_relevance({"candidates": candidates, "day": HELD_OUT}, Runtime(context=ctx)), ctx
    finally:
        ledger.close()


def test_embeddings_settings_resolve_with_fallbacks(tmp_path, days):
    profile = profile_with_embeddings(tmp_path, days, "http://127.0.0.1:9/v1")
    resolved = resolve_embeddings(profile, {"ARXIV_MONITOR_API_KEY": "sk-test"})
    assert resolved.model == "stand-in-embed" and resolved.api_key.get_secret_value() == "sk-test"
    assert resolve_embeddings(profile.model_copy(update={"models": {}}), {}) is None


def test_dense_similarity_is_fused_into_the_ranking_and_cached(tmp_path, days, endpoint):
    base_url, seen = endpoint
    profile = profile_with_embeddings(tmp_path, days, base_url)
    registry, models = scripted_registry()
    out, ctx = judge(profile, days, registry)
    assert seen and all(body["model"] == "stand-in-embed" for body in seen)
    assert out["semantic"]["embeddings"] is True
    # Papers the judge model did not see say their place by the fused ranking; those it saw had it in their prompt.
    reasons = [v.reason for v in out["verdicts"]]
    assert all("嵌入相似度融合" in v.reason for v in out["verdicts"] if v.stage != "llm")
    prompts = [m[0].content for kind, m in models["judge"].calls if kind == "VerdictBatch"]
    assert len(prompts) == 2 + profile.semantic.daily_cap and all("嵌入相似度融合" in p for p in prompts)
    details = out["near_miss_details"]
    library_titles = {p.title for p in read_library(profile.library)}
    assert details and all(d["nearest"] in library_titles | {""} for d in details.values())
    requests = len(seen)
    again, _ = judge(profile, days, registry)
    assert len(seen) == requests  # every vector came from the cache
    assert [v.reason for v in again["verdicts"]] == reasons


def test_offline_runs_never_call_the_embeddings_endpoint(tmp_path, days, endpoint):
    base_url, seen = endpoint
    profile = profile_with_embeddings(tmp_path, days, base_url)
    out, ctx = judge(profile, days, offline_registry("--offline was given"))
    assert ctx.embedder is None and seen == [] and out["semantic"]["embeddings"] is False


def test_without_a_chat_model_the_embeddings_endpoint_still_ranks_and_the_library_threshold_decides(tmp_path, days, endpoint):
    """No judge model configured (not --offline): the semantic stage fuses dense similarity and accepts offline."""
    base_url, seen = endpoint
    profile = profile_with_embeddings(tmp_path, days, base_url)
    out, ctx = judge(profile, days, offline_registry("no model endpoint is configured"))
    assert ctx.embedder is not None and seen and out["semantic"]["embeddings"] is True
    semantic = [v for v in out["verdicts"] if v.stage == "semantic"]
    assert semantic and all("嵌入相似度融合" in v.reason for v in semantic)
