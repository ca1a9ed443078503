"""Many profiles on one offline day: one shared run against a separate run per profile.

    python -m benchmarks.lab_profiles [LATENCY_SECONDS]

The sample day (samples/offline/) with 1, 3 and 10 profiles, cycled from profiles/lab/ under
new names (so 10 profiles ask for the same few papers many times, as a lab's members do). Every
role has a scripted model (evals/scripted_agents.py) that waits LATENCY seconds per call
(default 0.1) to stand in for a hosted model. Separate runs share one data directory, as
profiles on one machine do today, so the parse cache already spares them parsing a PDF twice;
what they repeat is each paper's reading, writing and checking. Printed per setting: wall
time, model calls (all roles), PDFs parsed and paper analyses made.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

import tools.paper_cache
from agent.config import load_profile
from agent.prompts import PromptLibrary
from agent.run.lab_run import LabProfile, run_lab
from agent.run.monitor_run import run_monitor
from evals.scripted_agents import scripted_registry
from tools.sources import OfflineSource

REPO = Path(__file__).resolve().parents[1]
SAMPLE = REPO / "samples" / "offline"
LAB = sorted((REPO / "profiles" / "lab").glob("*.toml"))


def _slow_registry(latency: float):
    registry, models = scripted_registry()
    for model in models.values():
        model.handlers = {kind: _slow(fn, latency) for kind, fn in model.handlers.items()}
    return registry, models


def _slow(fn, latency: float):
    def slow(messages, kwargs):
        time.sleep(latency)
        return fn(messages, kwargs)

    return slow


def _profiles(n: int, root: Path):
    out = []
    for i in range(n):
        base = load_profile(LAB[i % len(LAB)])
        prof = base.model_copy(update={"name": f"{base.name}-{i}", "data_dir": root / "data", "output_dir": root / "reports"})
        registry, models = _slow_registry(_slow.latency)
        out.append((prof, registry, models))
    return out


class _ParseCounter:
    def __init__(self):
        self.count = 0
        self.real = tools.paper_cache.parse_pdf

    def __call__(self, pdf, arxiv_id=None):
        self.count += 1
        return self.real(pdf, arxiv_id=arxiv_id)


def measure(n: int, shared: bool) -> dict:
    counter = _ParseCounter()
    tools.paper_cache.parse_pdf = counter
    try:
        with tempfile.TemporaryDirectory() as tmp:
            profiles = _profiles(n, Path(tmp))
            started = time.perf_counter()
            if shared:
                outcome = run_lab([LabProfile(p, r, PromptLibrary(p.prompts)) for p, r, _ in profiles], source=OfflineSource(SAMPLE), worker="bench")
                analyses = outcome.summary.analysed_here
                reported = sum(o.report["counts"]["reported"] for o in outcome.outcomes.values())
            else:
                reported = analyses = 0
                for p, r, _ in profiles:
                    o = run_monitor(p, registry=r, source=OfflineSource(SAMPLE))
                    reported += o.report["counts"]["reported"]
                    analyses += o.report["counts"]["reported"] + o.report["counts"]["failures"]
            seconds = time.perf_counter() - started
            calls = sum(len(m.calls) for _, _, models in profiles for m in models.values())
    finally:
        tools.paper_cache.parse_pdf = counter.real
    return {"seconds": seconds, "calls": calls, "parsed": counter.count, "analyses": analyses, "reported": reported}


def main(argv: list[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    _slow.latency = float(argv[0]) if argv else 0.1
    print(f"sample day 2026-11-20, lab profiles cycled, scripted models at {_slow.latency:.2f} s per call")
    print(f"{'profiles':>8} {'run':<9} {'seconds':>8} {'model calls':>11} {'parsed':>6} {'analyses':>8} {'papers reported':>15}")
    for n in (1, 3, 10):
        for shared in (False, True):
            m = measure(n, shared)
            print(f"{n:>8} {'shared' if shared else 'separate':<9} {m['seconds']:>8.1f} {m['calls']:>11} {m['parsed']:>6} "
                  f"{m['analyses']:>8} {m['reported']:>15}")


if __name__ == "__main__":
    main()
