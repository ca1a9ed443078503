"""Compare two variants: metric by metric, with a paired sign test and the items where they differ most."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

from evals.harness import LOWER_IS_BETTER, PAIRED_ON, RESOURCES, VariantResult
from evals.metrics import sign_test
from tools.paper_cache import atomic_write_text

ALPHA = 0.05
RESOURCE_TOLERANCE = 0.05
LATENCY_NOISE = 0.05  # seconds: scheduler jitter, not a faster prompt


@dataclass
class MetricRow:
    metric: str
    a: float
    b: float
    diff: float
    wins_b: int  # items where B did better on the paired item metric
    wins_a: int
    p_value: float
    better: str  # variant name, or "" when neither

    @property
    def significant(self) -> bool:
        return self.p_value < ALPHA


@dataclass
class Comparison:
    dataset: str
    a: str
    b: str
    rows: list[MetricRow]
    disagreements: list[dict] = field(default_factory=list)
    pairwise: dict | None = None
    cache: dict | None = None

    def as_dict(self) -> dict:
        data = asdict(self)
        for row, raw in zip(self.rows, data["rows"], strict=True):
            raw["significant"] = row.significant
        return data


def _paired(a: VariantResult, b: VariantResult, key: str) -> tuple[int, int]:
    b_items = {i.item_id: i for i in b.items}
    wins_a = wins_b = 0
    sign = -1 if key in LOWER_IS_BETTER else 1
    for ia in a.items:
        ib = b_items.get(ia.item_id)
        if ib is None:
            continue
        va = getattr(ia, key) if key in RESOURCES else ia.metrics.get(key)
        vb = getattr(ib, key) if key in RESOURCES else ib.metrics.get(key)
        if va is None or vb is None or abs(va - vb) < 1e-9:
            continue
        if key in RESOURCES and abs(va - vb) <= RESOURCE_TOLERANCE * max(abs(va), abs(vb)):
            continue  # a few percent of latency or tokens is noise, not a difference
        if key == "seconds" and abs(va - vb) < LATENCY_NOISE:
            continue
        if sign * (vb - va) > 0:
            wins_b += 1
        else:
            wins_a += 1
    return wins_a, wins_b


def compare(a: VariantResult, b: VariantResult, top: int = 5) -> Comparison:
    rows = []
    for metric in sorted(set(a.summary) | set(b.summary)):
        va, vb = a.summary.get(metric, 0.0), b.summary.get(metric, 0.0)
        wins_a, wins_b = _paired(a, b, PAIRED_ON.get(metric, metric))
        p = sign_test(wins_b, wins_a)
        diff = vb - va
        good = -diff if metric in LOWER_IS_BETTER else diff
        # A difference the sign test cannot tell from chance names no winner.
        better = (b.variant if good > 0 else a.variant) if abs(diff) > 1e-9 and p < ALPHA else ""
        rows.append(MetricRow(metric, va, vb, diff, wins_b, wins_a, p, better))
    b_items = {i.item_id: i for i in b.items}
    spread = []
    for ia in a.items:
        ib = b_items.get(ia.item_id)
        if ib is None:
            continue
        keys = set(ia.metrics) & set(ib.metrics)
        gap = sum(abs(ia.metrics[k] - ib.metrics[k]) for k in keys)
        if gap > 1e-9:
            spread.append({"item": ia.item_id, "gap": round(gap, 3), a.variant: ia.output, b.variant: ib.output,
                           "metrics": {k: [ia.metrics[k], ib.metrics[k]] for k in sorted(keys) if ia.metrics[k] != ib.metrics[k]}})
    spread.sort(key=lambda d: -d["gap"])
    return Comparison(dataset=a.dataset, a=a.variant, b=b.variant, rows=rows, disagreements=spread[:top])


def _fmt(metric: str, value: float) -> str:
    if metric in ("input_tokens", "output_tokens"):
        return f"{value:.0f}"
    if metric == "seconds":
        return f"{value:.2f}s"
    if metric == "cost":
        return f"{value:.5f}"
    return f"{value:.3f}"


def to_markdown(comparisons: list[Comparison]) -> str:
    lines = ["# Prompt variant comparison", ""]
    for c in comparisons:
        lines += [f"## {c.dataset}: {c.a} vs {c.b}", "", f"| metric | {c.a} | {c.b} | Δ ({c.b} − {c.a}) | items {c.b}/{c.a} better | p (sign test) | better |", "|---|---:|---:|---:|---:|---:|---|"]
        for r in c.rows:
            mark = " *" if r.significant else ""
            lines.append(f"| {r.metric} | {_fmt(r.metric, r.a)} | {_fmt(r.metric, r.b)} | {r.diff:+.3f} | {r.wins_b}/{r.wins_a} | {r.p_value:.3f}{mark} | {r.better or '–'} |")
        lines += ["", f"\\* significant at p < {ALPHA}. Aggregates (precision, recall, F1, accuracy) are paired on per-item correctness.", ""]
        if c.pairwise:
            pw = c.pairwise
            lines += [f"Pairwise judge ({pw['judge']}), both orders: {c.b} preferred {pw['wins_b']}, {c.a} preferred {pw['wins_a']}, "
                      f"inconsistent or tied {pw['ties']}; p = {pw['p_value']:.3f}", ""]
        if c.disagreements:
            lines += ["Items where the variants differ most:", ""]
            for d in c.disagreements:
                lines.append(f"- `{d['item']}` (gap {d['gap']}): {json.dumps(d['metrics'], ensure_ascii=False)}")
            lines.append("")
    return "\n".join(lines)


def write_results(comparisons: list[Comparison], out_dir: Path, stem: str) -> tuple[Path, Path]:
    md, js = out_dir / f"{stem}.md", out_dir / f"{stem}.json"
    atomic_write_text(js, json.dumps([c.as_dict() for c in comparisons], ensure_ascii=False, indent=1) + "\n")
    atomic_write_text(md, to_markdown(comparisons))
    return md, js
