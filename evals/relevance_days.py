"""Relevance on whole real announcement days (relevance-days-v1): lexical, semantic and library conditions.

Each condition runs the real judge node on a whole day, as a user meets the problem: a few relevant papers among
hundreds. The other two days play "recent announcements" (the background the semantic model learns from) and,
for the library condition, their relevant papers are the group's library, written as a BibTeX file and read
back through the library reader. The arxiv-sanity condition is the baseline the semantic stage must beat: the
same library against the day alone, ranked by a linear SVM, its top `daily_cap` papers shown.
P@10 reads each condition's ranking: what it selected, best first, then its nearest misses.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache
from pathlib import Path

from langgraph.runtime import Runtime
from pydantic import BaseModel

from agent.config import Keyword, Profile, SemanticSettings, load_profile
from agent.llm.registry import LLMRegistry
from agent.prompts import PromptLibrary
from agent.relevance.judge import judge_relevance
from agent.run.paper_run import one_paper_context
from agent.state import RelevanceVerdict
from evals import metrics
from evals.arxiv_sanity_baseline import baseline_ranking
from evals.harness import ItemResult, VariantResult
from tools.arxiv_ids import parse_arxiv_id
from tools.feeds import PaperMeta, parse_feed
from tools.paper_cache import PaperCache

REPO = Path(__file__).resolve().parents[1]
BASELINE = "arxiv-sanity"  # evals/arxiv_sanity_baseline.py: the library against the day, its top `daily_cap` shown
CONDITIONS = ("lexical", "lexical+semantic", "one-keyword", "one-keyword+library", BASELINE)
SHORT = {"lexical": "lex", "lexical+semantic": "lex+sem", "one-keyword": "1kw", "one-keyword+library": "1kw+lib", BASELINE: "sanity"}
RANKED = 50  # near misses asked of the judge, so that P@10 reads the whole ranking, not only what was selected


class DayLabel(BaseModel):
    label: bool
    why: str
    near_miss: bool = False


class DayItem(BaseModel):
    id: str  # arXiv id without version
    day: str
    title: str
    labels: dict[str, DayLabel]


class DaySpec(BaseModel):
    feed_dir: str
    split: str  # "dev" or "heldout"


class RelevanceDaysDataset(BaseModel):
    kind: str = "relevance-days"
    name: str
    version: int
    description: str = ""
    days: dict[str, DaySpec]
    profiles: dict[str, str]  # profile name -> well-keyworded profile file
    one_keyword: dict[str, str]  # profile name -> the one keyword of the sparse profile
    items: list[DayItem]

    def without_held_out(self) -> RelevanceDaysDataset:
        """The dev days alone: the held-out day is then neither a candidate day nor library nor background, as
        settings must be chosen."""
        return self.model_copy(update={"days": {d: s for d, s in self.days.items() if s.split != "heldout"}})

    def entries(self, day: str) -> list[PaperMeta]:
        return list(_day_entries(self.days[day].feed_dir))

    def relevant(self, profile: str, day: str) -> set[str]:
        return {i.id for i in self.items if i.day == day and i.labels[profile].label}


@lru_cache(maxsize=8)
def _day_entries(feed_dir: str) -> tuple[PaperMeta, ...]:
    """A day's feeds parsed once per process: every condition, profile and background reads the same days."""
    feeds = sorted((REPO / feed_dir).glob("*.xml"))
    return tuple(e for f in feeds for e in parse_feed(f.read_bytes(), f.name).entries)


@dataclass
class DayScore:
    profile: str
    day: str
    split: str
    condition: str
    precision: float
    recall: float
    f1: float
    precision_at_10: float
    selected: int
    relevant: int
    found: list[str]
    missed: list[str]
    false_positives: list[str]


def library_bibtex(papers: list[PaperMeta]) -> str:
    """The papers as arXiv's own BibTeX export writes them (with the abstract, as Zotero exports add it)."""
    def esc(text: str) -> str:
        return text.replace("{", "").replace("}", "")

    blocks = []
    for p in papers:
        blocks.append(
            f"@misc{{{p.arxiv_id.replace('/', '_')},\n"
            f"  title = {{{esc(p.title)}}},\n"
            f"  author = {{{esc(' and '.join(p.authors) or 'Unknown')}}},\n"
            f"  year = {{20{p.arxiv_id[:2]}}},\n"
            f"  eprint = {{{p.arxiv_id}}},\n"
            f"  archivePrefix = {{arXiv}},\n"
            f"  primaryClass = {{{p.primary_category}}},\n"
            f"  url = {{https://arxiv.org/abs/{p.arxiv_id}}},\n"
            f"  abstract = {{{esc(p.abstract)}}}\n}}\n"
        )
    return "\n".join(blocks)


def library_for(dataset: RelevanceDaysDataset, profile: str, day: str) -> list[PaperMeta]:
    """The profile's relevant papers of the other days: the library a group would have built by then."""
    library = []
    for other in dataset.days:
        if other != day:
            relevant = dataset.relevant(profile, other)
            library += [e for e in dataset.entries(other) if e.arxiv_id in relevant]
    return library


def condition_profile(base: Profile, condition: str, one_keyword: str, library: Path | None, data_dir: Path) -> Profile:
    update: dict = {"data_dir": data_dir, "max_papers": 200}
    if condition.startswith("one-keyword"):
        update["keywords"] = [Keyword(term=one_keyword)]
    update["semantic"] = SemanticSettings(enabled=condition != "lexical" and condition != "one-keyword", daily_cap=base.semantic.daily_cap,
                                          library_recall=base.semantic.library_recall, near_misses=RANKED)
    update["library"] = [library] if condition.endswith("+library") and library else []
    return base.model_copy(update=update)


def judge_day(profile: Profile, registry: LLMRegistry, prompts: PromptLibrary, day: date,
              candidates: list[PaperMeta], background: list[PaperMeta]) -> tuple[list[RelevanceVerdict], list[str]]:
    """The day's verdicts and the judge's ranking: the selected papers in its own order (best first), then the
    near misses (by the semantic model when there is one)."""
    ctx = one_paper_context(profile, registry, prompts, source=None, papers=PaperCache(None))
    try:
        ctx.ledger.observe(profile.name, background, day - timedelta(days=1))
        ctx.ledger.observe(profile.name, candidates, day)
        out = judge_relevance({"candidates": candidates, "day": day.isoformat()}, Runtime(context=ctx))
        return out["verdicts"], [p.arxiv_id for p in out["selected"]] + [e.paper.arxiv_id for e in out["near_misses"]]
    finally:
        ctx.ledger.close()


def score_day(verdicts: list[RelevanceVerdict], ranked: list[str], gold: set[str]) -> tuple[float, float, float, float, list[str], list[str], list[str]]:
    base = {parse_arxiv_id(v.arxiv_id).base: v for v in verdicts}
    predicted = {i: v.relevant for i, v in base.items()}
    p, r, f1 = metrics.precision_recall_f1(predicted, {i: i in gold for i in base})
    p_at_10 = sum(1 for i in ranked[:10] if i in gold) / 10  # ten slots: a ranking shorter than ten loses the rest
    found = sorted(i for i, yes in predicted.items() if yes and i in gold)
    missed = sorted(gold - set(found))
    false_pos = sorted(i for i, yes in predicted.items() if yes and i not in gold)
    return p, r, f1, p_at_10, found, missed, false_pos


def baseline_day(library: list[PaperMeta], candidates: list[PaperMeta], cap: int) -> tuple[list[RelevanceVerdict], list[str]]:
    """The arxiv-sanity baseline as verdicts: its top `cap` papers are the ones it shows."""
    ranked = baseline_ranking(library, candidates)
    shown = set(ranked[:cap])
    verdicts = [RelevanceVerdict(arxiv_id=p.versioned_id, score=0, relevant=p.arxiv_id in shown, reason=BASELINE) for p in candidates]
    return verdicts, ranked


def evaluate_days(dataset: RelevanceDaysDataset, make_registry, prompts: PromptLibrary, *,
                  conditions: tuple[str, ...] = CONDITIONS, days: tuple[str, ...] | None = None,
                  progress=lambda msg: None) -> list[DayScore]:
    scores = []
    with tempfile.TemporaryDirectory(prefix="relevance-days-") as tmp:
        for name, profile_file in dataset.profiles.items():
            base = load_profile(REPO / profile_file)
            for day, spec in dataset.days.items():
                if days is not None and day not in days:
                    continue
                # As `run` sees a day: only papers listed in one of the profile's categories (cross-lists included).
                followed = set(base.categories)
                candidates = [e for e in dataset.entries(day) if followed & set(e.categories)]
                background = [e for other in dataset.days if other != day for e in dataset.entries(other) if followed & set(e.categories)]
                library_file = Path(tmp) / f"{name}-{day}.bib"
                library_file.write_text(library_bibtex(library_for(dataset, name, day)), encoding="utf-8")
                gold = dataset.relevant(name, day)
                for condition in conditions:
                    progress(f"{name} {day} ({spec.split}): {condition}")
                    if condition == BASELINE:
                        verdicts, ranked = baseline_day(library_for(dataset, name, day), candidates, base.semantic.daily_cap)
                        scores.append(_scored(name, day, spec.split, condition, verdicts, ranked, gold))
                        continue
                    data_dir = Path(tmp) / f"{name}-{day}-{condition.replace('+', '_')}"
                    profile = condition_profile(base, condition, dataset.one_keyword[name], library_file, data_dir)
                    verdicts, ranked = judge_day(profile, make_registry(), prompts, date.fromisoformat(day), candidates, background)
                    scores.append(_scored(name, day, spec.split, condition, verdicts, ranked, gold))
    return scores


def _scored(profile: str, day: str, split: str, condition: str, verdicts: list[RelevanceVerdict], ranked: list[str], gold: set[str]) -> DayScore:
    p, r, f1, p10, found, missed, false_pos = score_day(verdicts, ranked, gold)
    return DayScore(profile, day, split, condition, p, r, f1, p10, len(found) + len(false_pos), len(gold), found, missed, false_pos)


def scores_table(scores: list[DayScore]) -> str:
    lines = ["| profile | day | split | condition | selected | P | R | F1 | P@10 |", "|---|---|---|---|---:|---:|---:|---:|---:|"]
    for s in scores:
        lines.append(f"| {s.profile} | {s.day} | {s.split} | {s.condition} | {s.selected} | {s.precision:.2f} | {s.recall:.2f} "
                     f"| {s.f1:.2f} | {s.precision_at_10:.1f} |")
    return "\n".join(lines)


def baseline_comparison(scores: list[DayScore], condition: str = "one-keyword+library") -> str:
    """The semantic stage (one keyword + library) against the arxiv-sanity baseline, per profile and day:
    P@10 of each ranking, and P and R of what each selects (the baseline: its top `daily_cap`)."""
    by = {(s.profile, s.day, s.condition): s for s in scores}
    lines = ["| profile | day | split | P@10 semantic | P@10 baseline | semantic P / R (selected) | baseline P / R (at cap) |",
             "|---|---|---|---:|---:|---|---|"]
    for (profile, day, cond), s in by.items():
        base = by.get((profile, day, BASELINE))
        if cond != condition or base is None:
            continue
        lines.append(f"| {profile} | {day} | {s.split} | {s.precision_at_10:.1f} | {base.precision_at_10:.1f} "
                     f"| {s.precision:.2f} / {s.recall:.2f} ({s.selected}) | {base.precision:.2f} / {base.recall:.2f} ({base.selected}) |")
    return "\n".join(lines)


def run_relevance_days(dataset: RelevanceDaysDataset, variant: str, setup) -> VariantResult:
    """The eval harness's view: one item per (profile, day, condition, paper), P/R/F1/P@10 per row in the summary."""
    scores = evaluate_days(dataset, setup.make_registry, setup.prompts(variant))
    result = VariantResult(variant, dataset.name, [])
    for s in scores:
        chosen = set(s.found) | set(s.false_positives)
        for item in dataset.items:
            if item.day == s.day:
                result.items.append(ItemResult(f"{s.profile}/{s.day}/{s.condition}/{item.id}",
                                               {"correct": float((item.id in chosen) == item.labels[s.profile].label)}))
        # Short keys (the terminal table is narrow): "3d-reconstruction 10-24H 1kw+lib R"; H marks the held-out day.
        row = f"{s.profile} {s.day[5:]}{'H' if s.split == 'heldout' else ''} {SHORT[s.condition]}"
        result.summary.update({f"{row} P": s.precision, f"{row} R": s.recall, f"{row} F1": s.f1, f"{row} P@10": s.precision_at_10})
    return result
