"""Training and prediction cost of the paper-kind classifier: `python -m benchmarks.kind_classifier`.

The classifier is trained the first time a kind is asked for and kept in the user's cache, so its training time is
paid once per machine (and again when its labels, code or scikit-learn change); a later process pays the load;
prediction is paid per paper.
"""

from __future__ import annotations

import pickle
import time
import tracemalloc

from agent.reading import kind_classifier as kc


def main() -> None:
    rows = kc.training_rows()
    t = time.perf_counter()
    model = kc.train(rows)
    trained = time.perf_counter() - t
    tracemalloc.start()  # a second training, traced: tracing slows it, so the time above is untraced
    kc.train(rows)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    stored = pickle.dumps(model)
    t = time.perf_counter()
    pickle.loads(stored)
    loaded = time.perf_counter() - t
    sample = rows[:200]
    t = time.perf_counter()
    for r in sample:
        model.best_other_kind(r["title"], r["abstract"], r.get("category", ""))
    per_paper = (time.perf_counter() - t) / len(sample)
    print(f"kind classifier: trained on {len(rows)} papers in {trained:.2f} s (peak {peak / 2**20:.0f} MiB traced); "
          f"loaded from the cache in {loaded * 1000:.0f} ms ({len(stored) / 2**20:.1f} MiB); {per_paper * 1000:.2f} ms per paper")


if __name__ == "__main__":
    main()
