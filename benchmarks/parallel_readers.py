"""Eight papers read in parallel against one, with a stub model of fixed latency.

    python -m benchmarks.parallel_readers [LATENCY_SECONDS]

Every model call sleeps LATENCY seconds (default 1.5), so the wall time shows how
well the per-paper subgraphs overlap. Parsed papers are cached first, so PDF
parsing (CPU-bound, 2 cores here) does not blur the picture. Also prints, per
paper, the tokens the reader pulled and sent to the model against the paper's
full text.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

from agent.config import Keyword, load_profile
from agent.run.monitor_run import run_monitor
from evals.scripted_agents import scripted_registry
from tools.paper_cache import PaperCache
from tools.sources import OfflineSource

REPO = Path(__file__).resolve().parents[1]
SAMPLE = REPO / "samples" / "offline"
# Broad terms so that eight of the sample's ten papers pass the lexical prefilter.
KEYWORDS = ["language model", "neural networks", "residual", "reading", "writing", "retrieval", "text detection", "citations"]


def _slow(handlers: dict, latency: float) -> dict:
    def wrap(fn):
        def slow(messages, kwargs):
            time.sleep(latency)
            return fn(messages, kwargs)

        return slow

    return {kind: wrap(fn) for kind, fn in handlers.items()}


def _registry(latency: float):
    registry, models = scripted_registry()
    for model in models.values():
        model.handlers = _slow(model.handlers, latency)
        model.count_tokens = True
    return registry, models


def _run(n_papers: int, latency: float, data_dir: Path) -> tuple[float, dict]:
    profile = load_profile(REPO / "profiles" / "sample.toml").model_copy(update={
        "keywords": [Keyword(term=k) for k in KEYWORDS], "negative_keywords": [], "max_papers": n_papers,
        "data_dir": data_dir / f"run{n_papers}", "output_dir": data_dir / "reports",
        "reader": load_profile(REPO / "profiles" / "sample.toml").reader.model_copy(update={"concurrency": 8}),
    })
    # Share the parsed-paper cache between runs.
    (profile.data_dir).mkdir(parents=True, exist_ok=True)
    (profile.data_dir / "papers").symlink_to(data_dir / "papers", target_is_directory=True)
    registry, _ = _registry(latency)
    started = time.perf_counter()
    outcome = run_monitor(profile, registry=registry, source=OfflineSource(SAMPLE))
    return time.perf_counter() - started, outcome.report


def main(argv: list[str]) -> None:
    latency = float(argv[0]) if argv else 1.5
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp)
        cache = PaperCache(data / "papers")
        for pdf in SAMPLE.glob("*.pdf"):
            cache.load(pdf, pdf.stem)
        one, _ = _run(1, latency, data)
        eight, report = _run(8, latency, data)
    print(f"stub latency {latency:.1f}s per call, concurrency 8")
    print(f"1 paper : {one:6.2f}s")
    print(f"8 papers: {eight:6.2f}s  ({eight / one:.2f}x the time of one; goal at most 1.3x)")
    usage = report["run"]["usage"]
    calls = sum(u["calls"] for u in usage.values())
    print(f"model calls for 8 papers: {calls}; input tokens per paper (reader+writer+critic): "
          f"{sum(usage[r]['input_tokens'] for r in ('reader', 'writer', 'critic')) // len(report['papers'])}")
    print(f"{'paper':<15}{'pulled':>8}{'full text':>11}{'share':>8}")
    for p in report["papers"]:
        r = p["reading"]
        print(f"{p['arxiv_id']:<15}{r['tokens_read']:>8}{r['full_text_tokens']:>11}{r['tokens_read'] / r['full_text_tokens']:>8.1%}")


if __name__ == "__main__":
    main(sys.argv[1:])
