"""Optional LLM-as-judge: which variant's analysis is better, asked in both orders."""

from __future__ import annotations

from typing import Literal

from langchain_core.messages import HumanMessage
from pydantic import BaseModel

from agent.llm.registry import LLMRegistry
from agent.llm.structured import call_structured
from agent.prompts import PromptLibrary
from agent.state import bounded
from evals.harness import VariantResult
from evals.metrics import sign_test


class PairwiseVerdict(BaseModel):
    winner: Literal["first", "second", "tie"]
    reason: str = bounded(max_length=200)


def _ask(llm: LLMRegistry, prompts: PromptLibrary, title: str, first: str, second: str, language: str) -> str:
    prompt = prompts.render("pairwise", paper={"title": title}, first=first, second=second, language=language)
    verdict, failed = call_structured(llm, "critic", PairwiseVerdict, [HumanMessage(prompt)], step="pairwise")
    return "tie" if failed else verdict.winner


def pairwise_judgement(a: VariantResult, b: VariantResult, llm: LLMRegistry, language: str = "zh") -> dict:
    """A win counts only when the judge prefers the same analysis in both orders (position bias cancels)."""
    prompts = PromptLibrary()
    wins_a = wins_b = ties = 0
    items = []
    for pid in sorted(set(a.reports) & set(b.reports)):
        first = _ask(llm, prompts, pid, a.reports[pid], b.reports[pid], language)  # A shown first
        second = _ask(llm, prompts, pid, b.reports[pid], a.reports[pid], language)  # B shown first
        if first == "first" and second == "second":
            wins_a += 1
            outcome = a.variant
        elif first == "second" and second == "first":
            wins_b += 1
            outcome = b.variant
        else:
            ties += 1
            outcome = "tie"
        items.append({"paper": pid, "a_first": first, "b_first": second, "preferred": outcome})
    return {"judge": llm.describe("critic"), "wins_a": wins_a, "wins_b": wins_b, "ties": ties,
            "p_value": sign_test(wins_b, wins_a), "items": items}
