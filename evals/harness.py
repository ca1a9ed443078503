"""Run prompt variants on frozen inputs and score them with the metrics.

Each variant sees the same inputs: the dataset's candidates, and papers parsed
once into a shared cache. Model answers are cached by a hash of model and
prompt, so a rerun costs no calls and gives the same numbers.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from langchain_core.caches import BaseCache
from langgraph.runtime import Runtime

from agent.config import Profile, load_profile
from agent.investigate import InvestigateContext
from agent.llm.registry import LLMRegistry
from agent.prompts import ROLE_VARIABLES, PromptLibrary
from agent.publish.render import render_paper_markdown
from agent.publish.report import paper_entry
from agent.relevance.judge import judge_relevance
from agent.run.investigate_session import answer_once
from agent.run.paper_run import one_paper_context, run_paper
from agent.state import RelevanceVerdict
from evals import metrics
from evals.datasets import ReadingDataset, RelevanceDataset, SupportDataset
from evals.support_eval import score_split
from tools.arxiv_ids import parse_arxiv_id
from tools.feeds import PaperMeta
from tools.paper_cache import PaperCache
from tools.paper_model import Citation
from tools.sources import OfflineSource, fetch_paper

REPO = Path(__file__).resolve().parents[1]
SAMPLE_DIR = REPO / "samples" / "offline"
RESOURCES = {"input_tokens", "output_tokens", "seconds", "cost"}  # measured per item as attributes, not metrics
LOWER_IS_BETTER = RESOURCES | {"evidence_misuse"}
# Aggregates that are not an average of per-item values are paired on this item metric.
PAIRED_ON = {"precision": "correct", "recall": "correct", "f1": "correct", "accuracy": "correct"}


@dataclass
class ItemResult:
    item_id: str
    metrics: dict[str, float]
    output: str = ""
    input_tokens: int = 0
    output_tokens: int = 0
    seconds: float = 0.0
    cost: float = 0.0


@dataclass
class VariantResult:
    variant: str
    dataset: str
    items: list[ItemResult]
    summary: dict[str, float] = field(default_factory=dict)
    reports: dict[str, str] = field(default_factory=dict)  # paper id -> analysis markdown (for pairwise judging)


@dataclass
class EvalSetup:
    """What a harness run needs; `make_registry` is called once per variant and must share `cache`."""

    make_registry: Callable[[], LLMRegistry]
    roles: list[str]
    data_dir: Path
    sample_dir: Path = SAMPLE_DIR
    cache: BaseCache | None = None
    price_in: float = 0.0  # per million tokens
    price_out: float = 0.0
    profile: Profile | None = None  # models and reading settings; the dataset's profile gives the topics

    def prompts(self, variant: str) -> PromptLibrary:
        library = PromptLibrary({role: variant for role in self.roles if role in ROLE_VARIABLES})
        library.validate()
        return library


def _usage_totals(registry: LLMRegistry) -> tuple[int, int]:
    usage = registry.usage.by_role().values()
    return sum(u.input_tokens for u in usage), sum(u.output_tokens for u in usage)


def _measured(registry: LLMRegistry, fn):
    before = _usage_totals(registry)
    started = time.perf_counter()
    value = fn()
    after = _usage_totals(registry)
    return value, after[0] - before[0], after[1] - before[1], time.perf_counter() - started


def _summarise(result: VariantResult, setup: EvalSetup) -> None:
    keys = sorted({k for item in result.items for k in item.metrics})
    for k in keys:
        values = [i.metrics[k] for i in result.items if k in i.metrics]
        result.summary[k] = sum(values) / len(values)
    for item in result.items:
        item.cost = metrics.cost(item.input_tokens, item.output_tokens, setup.price_in, setup.price_out)
    n = len(result.items) or 1
    inp = sum(i.input_tokens for i in result.items)
    out = sum(i.output_tokens for i in result.items)
    result.summary["input_tokens"] = inp / n
    result.summary["output_tokens"] = out / n
    result.summary["seconds"] = sum(i.seconds for i in result.items) / n
    result.summary["cost"] = metrics.cost(inp, out, setup.price_in, setup.price_out) / n


# --- relevance -------------------------------------------------------------------------------------


def run_relevance(dataset: RelevanceDataset, variant: str, setup: EvalSetup) -> VariantResult:
    topics = load_profile(REPO / dataset.profile)
    profile = topics.model_copy(update={"max_papers": 10_000, "data_dir": setup.data_dir})
    registry = setup.make_registry()
    candidates = [item.as_meta() for item in dataset.items]
    ctx = one_paper_context(profile, registry, setup.prompts(variant), source=None, papers=PaperCache(None))
    ctx.ledger.observe(profile.name, candidates, date.today())
    out, inp, outp, seconds = _measured(registry, lambda: judge_relevance({"candidates": candidates}, Runtime(context=ctx)))
    ctx.ledger.close()
    verdicts: dict[str, RelevanceVerdict] = {v.arxiv_id: v for v in out["verdicts"]}
    n = len(dataset.items)
    items = []
    for item in dataset.items:
        v = verdicts[item.id]
        items.append(ItemResult(
            item.id, {"correct": float(v.relevant == item.label)}, output=f"{'relevant' if v.relevant else 'excluded'} ({v.score:g}): {v.reason}",
            input_tokens=inp // n, output_tokens=outp // n, seconds=seconds / n,
        ))
    result = VariantResult(variant, dataset.name, items)
    _summarise(result, setup)
    p, r, f1 = metrics.precision_recall_f1({i: v.relevant for i, v in verdicts.items()}, {i.id: i.label for i in dataset.items})
    result.summary.update(precision=p, recall=r, f1=f1, accuracy=result.summary.pop("correct"))
    return result


# --- reading ------------------------------------------------------------------------------------------


def _paper_meta(pid: str) -> PaperMeta:
    parsed = parse_arxiv_id(pid)
    return PaperMeta(arxiv_id=parsed.base, version=parsed.version or 1, title=pid)


def draft_citations(paper) -> list[Citation]:
    """The citations of the writer's draft; an evidence id that names no note counts as a broken citation."""
    notes = {n.id: n for n in paper.notes}
    out = []
    for _, item in paper.draft.cited_texts():
        for e in item.evidence:
            out.append(notes[e].citation if e in notes else Citation(section_id=f"missing:{e}", page=1, quote=""))
    return out


def run_reading(dataset: ReadingDataset, variant: str, setup: EvalSetup) -> VariantResult:
    profile = (setup.profile or load_profile(REPO / "profiles" / "sample.toml")).model_copy(update={"data_dir": setup.data_dir})
    registry = setup.make_registry()
    prompts = setup.prompts(variant)
    source = OfflineSource(setup.sample_dir)
    papers = PaperCache(setup.data_dir / "papers")  # parsed once, shared by every variant
    metas = [_paper_meta(pid) for pid in dataset.papers]
    ctx = one_paper_context(profile, registry, prompts, source=source, papers=papers)
    result = VariantResult(variant, dataset.name, [])
    for meta in metas:
        doc = ctx.load_paper(meta)
        verdict = RelevanceVerdict(arxiv_id=meta.versioned_id, score=10, relevant=True, reason="eval", stage="llm")
        paper, inp, outp, seconds = _measured(registry, lambda meta=meta, verdict=verdict: run_paper(ctx, meta, verdict))
        if paper.status != "written":
            result.items.append(ItemResult(f"report:{meta.versioned_id}", {"self_check_passed": 0.0}, output=paper.failure or ""))
            continue
        entry = paper_entry(paper, doc)
        markdown = render_paper_markdown(entry, profile.language)
        result.reports[meta.versioned_id] = markdown
        citations = draft_citations(paper)
        texts = " ".join(c.text for _, c in paper.draft.cited_texts())
        notes = {n.id: n for n in paper.notes}
        cited = [(part, notes[e].citation) for part, item in paper.draft.cited_texts() for e in item.evidence if e in notes]
        verdicts = paper.check.verdicts if paper.check else []
        result.items.append(ItemResult(
            f"report:{meta.versioned_id}",
            {
                "citation_validity": metrics.citation_validity(citations, doc),
                "quote_grounding": metrics.quote_grounding(citations, doc),
                "marker_validity": metrics.marker_validity(texts, doc),
                "structure": metrics.structure_compliance(markdown),
                "chinese_ratio": metrics.chinese_share(texts, [n.citation.quote for n in paper.notes]),
                "whole_sentence_rate": metrics.whole_sentence_rate([c for _, c in cited], doc),
                "evidence_misuse": metrics.evidence_misuse(cited, doc),
                **({"claim_support_rate": sum(v.verdict == "supported" for v in verdicts) / len(verdicts)} if verdicts else {}),
                "self_check_passed": float(not paper.unresolved),
                # Passed the self-check without a revision: the writer got it right the first time.
                "clean_first_draft": float(paper.revisions == 0 and not paper.unresolved),
            },
            output=markdown[:400], input_tokens=inp, output_tokens=outp, seconds=seconds,
        ))
    for item in dataset.items:
        doc = ctx.load_paper(_paper_meta(item.paper))
        ictx = InvestigateContext(llm=registry, prompts=prompts, doc=doc, reader=profile.reader)
        paper_ref = {"source": str(doc.source), "arxiv_id": item.paper, "title": doc.title}
        turn, inp, outp, seconds = _measured(registry, lambda item=item, ictx=ictx, paper_ref=paper_ref: answer_once(ictx, item.question, paper_ref))
        answer_text = turn.answer + " " + " ".join(c.quote for c in turn.citations)
        # Score what the model cited, including the quotes the session rejected.
        raw = turn.citations + [Citation(section_id=c.section_id, page=max(1, c.page), quote=c.quote) for c in turn.rejected]
        result.items.append(ItemResult(
            f"question:{item.id}",
            {
                "fact_recall": metrics.fact_recall(answer_text, item.fact_alternatives()),
                "section_recall": metrics.section_recall(turn.citations, item.gold_sections),
                "answer_grounding": metrics.quote_grounding(raw, doc) if raw else float(not turn.found),
            },
            output=turn.answer[:300], input_tokens=inp, output_tokens=outp, seconds=seconds,
        ))
    ctx.ledger.close()
    _summarise(result, setup)
    return result


def freeze_inputs(dataset, setup: EvalSetup) -> None:
    """Parse every paper once before any variant runs: the same input for all, and no variant pays for parsing."""
    if isinstance(dataset, ReadingDataset):
        source, papers = OfflineSource(setup.sample_dir), PaperCache(setup.data_dir / "papers")
        for pid in dataset.papers:
            meta = _paper_meta(pid)
            papers.load(fetch_paper(source, meta.id), meta.versioned_id)


def run_support(dataset: SupportDataset, variant: str, setup: EvalSetup) -> VariantResult:
    """Evidence selection scored against labelled sentence roles (no model: the same for every variant)."""
    papers = PaperCache(setup.data_dir / "papers")
    result = VariantResult(variant, dataset.name, [])
    for split in dict.fromkeys(i.split for i in dataset.items):  # dev, diagnostic, heldout, unseen (v2)
        scores = score_split(dataset, split, papers)
        result.items += [ItemResult(f"{split}:selected:{k}", {f"selected_role_fit_{split}": 1.0}) for k in range(scores.selected_correct)]
        result.items += [ItemResult(f"{split}:mistake:{m['paper']}:{m['text'][:40]}", {f"selected_role_fit_{split}": 0.0}, output=str(m))
                         for m in scores.mistakes]
        result.summary.update({f"classifier_precision_{split}": scores.classifier_precision,
                               f"body_precision_{split}": scores.body_precision, f"body_recall_{split}": scores.body_recall})
    _summarise(result, setup)
    return result


def run_variant(dataset, variant: str, setup: EvalSetup) -> VariantResult:
    from evals.relevance_days import RelevanceDaysDataset, run_relevance_days  # it builds on this module

    if isinstance(dataset, RelevanceDaysDataset):
        return run_relevance_days(dataset, variant, setup)
    if isinstance(dataset, RelevanceDataset):
        return run_relevance(dataset, variant, setup)
    if isinstance(dataset, SupportDataset):
        return run_support(dataset, variant, setup)
    return run_reading(dataset, variant, setup)
