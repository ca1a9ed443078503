"""Scripted answers that behave like a careful model: they quote only what they were shown."""

from __future__ import annotations

import re

from langchain_core.messages import AIMessage, ToolMessage

from agent.llm.registry import LLMRegistry
from evals.fake_models import ScriptedChatModel, text_of, tool_call

_TAGGED = re.compile(r"\[§(?P<sec>[^,\]]+)(?:, p\.(?P<page>\d+))?\](?: \[(?P<part>\w+)\])? (?P<quote>[^\n]+)")
_PAPER_ID = re.compile(r"^### (\S+)$", re.M)
# Notes as the writer prompts list them: the default layout, and the one-line layout of the concise variant.
_NOTE = re.compile(r"^- (?P<id>E\d+) \[(?P<part>\w+)\] .*\n  quote: \"(?P<quote>.*)\"\n  marker: (?P<marker>.*)$", re.M)
_NOTE_LINE = re.compile(r"^- (?P<id>E\d+) \[(?P<part>\w+)\] .*? \| \"(?P<quote>.*)\" \| (?P<marker>.*)$", re.M)


def judge_handler(relevant: dict[str, tuple[float, bool, str]] | None = None, default=(8.0, True, "与关注主题直接相关。")):
    """Verdicts for every paper in the prompt; `relevant` overrides by versioned id."""

    def answer(messages, kwargs):
        verdicts = []
        for pid in _PAPER_ID.findall(text_of(messages)):
            score, rel, reason = (relevant or {}).get(pid, default)
            verdicts.append({"arxiv_id": pid, "score": score, "relevant": rel, "matched_topics": [], "reason": reason})
        return {"verdicts": verdicts}

    return answer


def reader_turns(script: list | None = None):
    """Tool-calling turns: the given tool calls in order, then a plain answer (done)."""
    script = list(script or [])

    def answer(messages, kwargs):
        done = sum(1 for m in messages if isinstance(m, AIMessage) and m.tool_calls)
        if done < len(script):
            name, args = script[done]
            return tool_call(name, args)
        return AIMessage(content="I have read enough.")

    return answer


def notes_from_evidence(messages, kwargs):
    """Notes quoting the tagged evidence the reader saw (seed and tool results)."""
    notes = []
    parts = ["summary", "motivation", "contributions", "method", "experiments", "future"]
    seen = text_of(messages)
    for i, m in enumerate(_TAGGED.finditer(seen)):
        quote = m["quote"]
        if m["part"] is None and quote.startswith("("):
            quote = quote.split(") ", 1)[-1]  # search results carry "(section title) " first
        quote = quote.strip()[:200].rsplit(" ", 1)[0]
        notes.append({"part": m["part"] or parts[i % 6], "claim": "evidence", "section_id": m["sec"], "page": int(m["page"] or 1), "quote": quote})
    return {"notes": notes[:18]}


def analysis_from_notes(messages, kwargs, mutate=None):
    """A Chinese analysis citing the notes listed in the writer's prompt, with their markers."""
    prompt = text_of(messages)
    notes = [m.groupdict() for m in _NOTE.finditer(prompt)] or [m.groupdict() for m in _NOTE_LINE.finditer(prompt)]
    by_part = {}
    for n in notes:
        by_part.setdefault(n["part"], []).append(n)
    fallback = notes[:1]

    def cited(part, prefix):
        items = by_part.get(part) or fallback
        text = prefix + "".join(f"作者在此处说明了相关内容{n['marker']}" for n in items[:2])
        return {"text": text + "。这部分内容由原文证据直接支持，便于读者核对。", "evidence": [n["id"] for n in items[:2]]}

    analysis = {
        "summary": cited("summary", "本文提出了一种方法，"),
        "motivation": cited("motivation", "研究动机在于现有工作的不足，"),
        "contributions": [cited("contributions", "主要贡献是，")],
        "method": cited("method", "方法部分，"),
        "experiments": cited("experiments", "实验部分，"),
        "future": {"author_limitations": [cited("future", "作者承认，")], "inferred_limitations": ["推断：方法对检索质量较为敏感。"], "suggestions": ["建议在更多领域的数据上验证。"]},
    }
    return mutate(analysis) if mutate else analysis


_SUGGESTED_KIND = re.compile(r"^Rules found these cues: (\w+)", re.M)


def kind_from_prompt(messages, kwargs):
    """A model that agrees with the rules' suggestion in the kind prompt."""
    m = _SUGGESTED_KIND.search(text_of(messages))
    return {"kind": m.group(1) if m else "method", "evidence": ["脚本化判断：同意规则的线索"]}


_CLAIM_ID = re.compile(r"^\[(C\d+)\] (\w+)", re.M)


def claim_ids(messages) -> list[tuple[str, str]]:
    """(claim id, part) for every claim the critic prompt lists."""
    return _CLAIM_ID.findall(text_of(messages))


def all_supported(messages, kwargs):
    return {"verdicts": [{"claim": c, "verdict": "supported", "reason": "原文直接支持"} for c, _ in claim_ids(messages)]}


def critic_verdicts(by_part: dict[str, str], default: str = "supported"):
    """A critic that judges every claim of a part the same way: {"method": "unsupported"}."""

    def answer(messages, kwargs):
        return {"verdicts": [{"claim": c, "verdict": by_part.get(part, default), "reason": "脚本化评审"} for c, part in claim_ids(messages)]}

    return answer


def scripted_registry(**overrides) -> tuple[LLMRegistry, dict[str, ScriptedChatModel]]:
    """Four scripted role models; override any role's handlers by keyword (judge=..., reader=...)."""
    handlers = {
        "judge": {"VerdictBatch": judge_handler(), "KeywordExpansion": lambda m, k: {"keywords": []}},
        "reader": {"tools": reader_turns(), "NotesDraft": notes_from_evidence, "KindVerdict": kind_from_prompt,
                   "Answer": lambda m, k: {"found": False, "answer": "", "citations": [], "looked_at": []}},
        "writer": {"PaperAnalysis": analysis_from_notes},
        "critic": {"SupportReview": all_supported},
    }
    for role, h in overrides.items():
        handlers[role] = {**handlers[role], **h}
    models = {role: ScriptedChatModel(handlers=h) for role, h in handlers.items()}
    return LLMRegistry(models=models), models


def tool_messages(messages) -> list[ToolMessage]:
    return [m for m in messages if isinstance(m, ToolMessage)]
