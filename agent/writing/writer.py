"""The writer: turns cited notes into the six-part analysis, in the report language.

With a model it writes prose under a fixed schema and revises from the
self-check's findings. Offline it is a template writer: the evidence itself,
quoted under the same headings, framed in Chinese.
"""

from __future__ import annotations

import logging

from langchain_core.messages import HumanMessage
from langgraph.runtime import Runtime

from agent.context import GraphContext, context_of
from agent.llm.structured import call_structured
from agent.reading.kind_schema import kind_spec, prompt_view
from agent.state import CitedText, FuturePart, Note, PaperAnalysis, PaperState
from agent.writing.validators import citation_label
from tools.paper_model import PaperDocument
from tools.rhetoric import is_future_work

log = logging.getLogger(__name__)

_FRAMES = {
    "zh": {
        "summary": "据摘要所述：",
        "motivation": "作者指出的问题与研究动机：",
        "contributions": "作者陈述的贡献：",
        "method": "方法要点（原文摘录）：",
        "experiments": "实验与结果（原文摘录）：",
        "future": "作者陈述的局限：",
        "future_work": "作者提出的未来工作：",
        "part": "原文：",
        "none": "未能可靠判断：离线模式未找到作用与此部分相符的原文句子，故不摘录（不以无关句子充数）。",
        "not_this_kind": "此类论文（{kind}）没有这一部分。",
        "no_suggestion": "离线模式不生成推断的局限与改进建议；联机运行时由模型给出并单独标注。",
    },
    "en": {
        "summary": "In the abstract's words:",
        "motivation": "The problem and motivation the authors state:",
        "contributions": "A contribution the authors claim:",
        "method": "Method (quoted):",
        "experiments": "Experiments and results (quoted):",
        "future": "A limitation the authors state:",
        "future_work": "Future work the authors propose:",
        "part": "In the paper's words:",
        "none": "Cannot be judged reliably: no sentence of the paper that does what this part is about was found offline, so none is quoted.",
        "not_this_kind": "A {kind} has no such part.",
        "no_suggestion": "Offline mode infers no limitations or suggestions; online runs add them, labelled.",
    },
}


def note_label(note: Note, doc: PaperDocument, language: str) -> str:
    section = doc.section(note.citation.section_id)
    return citation_label(section, note.citation.page, language) if section else ""


def caption_name(label: str | None, language: str) -> str:
    """"Table 2" -> "表2" (zh); a caption is quoted as what it is."""
    if not label:
        return ""
    kind, _, number = label.partition(" ")
    if language == "zh":
        return {"Figure": "图", "Table": "表", "Algorithm": "算法"}.get(kind, kind) + number
    return label


def _quoted(notes: list[Note], doc: PaperDocument, language: str) -> str:
    parts = []
    for n in notes:
        head = ""
        if n.citation.kind == "caption":
            head = f"{caption_name(n.citation.label, language)}标题：" if language == "zh" else f"{n.citation.label} caption: "
        parts.append(f"{head}“{n.citation.quote}”{note_label(n, doc, language)}")
    return " ".join(parts)


def template_analysis(notes: list[Note], doc: PaperDocument, language: str = "zh", kind: str = "method") -> PaperAnalysis:
    """The evidence quoted under the parts of the paper's kind; a part the kind does not have says so."""
    frames = _FRAMES[language]
    spec = kind_spec(kind)
    by_part: dict[str, list[Note]] = {}
    for n in notes:
        by_part.setdefault(n.part, []).append(n)

    def frame(part: str) -> str:
        if spec.name in ("method", "other") or part == "summary":
            return frames[part]
        return frames["part"]  # the heading already names the part

    def cited(part: str) -> CitedText:
        if part != "summary" and spec.part(part) is None:
            return CitedText(text=frames["not_this_kind"].format(kind=spec.zh if language == "zh" else spec.en), evidence=[], absent=True)
        items = by_part.get(part, [])
        if not items:
            return CitedText(text=frames["none"], evidence=[], absent=True)
        return CitedText(text=f"{frame(part)}{_quoted(items, doc, language)}", evidence=[n.id for n in items])

    contributions = [
        CitedText(text=f"{frame('contributions')}{_quoted([n], doc, language)}", evidence=[n.id]) for n in by_part.get("contributions", [])
    ] if spec.part("contributions") else []
    # Future work goes on its own line, apart from the limitations the authors state.
    future_notes = by_part.get("future", [])
    future = FuturePart(
        author_limitations=[CitedText(text=f"{frames['future']}{_quoted([n], doc, language)}", evidence=[n.id])
                            for n in future_notes if not is_future_work(n.citation.quote)],
        author_future_work=[CitedText(text=f"{frames['future_work']}{_quoted([n], doc, language)}", evidence=[n.id])
                            for n in future_notes if is_future_work(n.citation.quote)],
        suggestions=[frames["no_suggestion"]],
    )
    contributions = contributions or [cited("contributions")]
    return PaperAnalysis(
        summary=cited("summary"), motivation=cited("motivation"), contributions=contributions,
        method=cited("method"), experiments=cited("experiments"), future=future,
    )


def without_other_kinds_parts(analysis: PaperAnalysis, kind: str, language: str) -> PaperAnalysis:
    """A model's text in a slot this kind does not have is dropped: a review has no 方法 or 实验 of its own."""
    spec = kind_spec(kind)
    blank = CitedText(text=_FRAMES[language]["not_this_kind"].format(kind=spec.zh if language == "zh" else spec.en), evidence=[], absent=True)
    update = {slot: blank for slot in ("motivation", "method", "experiments") if spec.part(slot) is None}
    if spec.part("contributions") is None:
        update["contributions"] = [blank]
    return analysis.model_copy(update=update) if update else analysis


def notes_for_prompt(notes: list[Note], doc: PaperDocument, language: str) -> list[dict]:
    return [
        {"id": n.id, "part": n.part, "claim": n.text, "quote": n.citation.quote, "marker": note_label(n, doc, language)}
        for n in notes
    ]


def write_analysis(state: PaperState, runtime: Runtime[GraphContext]) -> dict:
    ctx = context_of(runtime)
    paper = state["paper"]
    doc = ctx.load_paper(paper)
    check = state.get("check")
    revisions = state.get("revisions", 0) + (1 if check is not None else 0)
    ctx.events("paper", {"id": paper.versioned_id, "step": "writing" if not revisions else f"revision {revisions}"})
    kind = state["kind"].kind if state.get("kind") else "method"
    if ctx.llm.is_offline("writer"):
        return {"analysis": template_analysis(state["notes"], doc, ctx.language, kind), "revisions": revisions, "writer_mode": "excerpts"}
    prompt = ctx.prompts.render(
        "writer",
        paper={"title": doc.title, "arxiv_id": paper.versioned_id, "abstract": doc.abstract},
        notes=notes_for_prompt(state["notes"], doc, ctx.language),
        parts=[{"key": k, "title": t} for k, t in kind_spec(kind).titles(ctx.language).items()],
        language=ctx.language, kind=prompt_view(kind),
        findings=[f.model_dump() for f in check.findings] if check else [],
        previous=state["analysis"].model_dump_json(indent=1) if check is not None and state.get("analysis") else "",
    )
    analysis, failed = call_structured(ctx.llm, "writer", PaperAnalysis, [HumanMessage(prompt)], paper=paper.versioned_id)
    if failed:
        # Keep the previous draft, or quote the evidence: the report marks the fallback.
        if state.get("analysis") is not None:
            return {"analysis": state["analysis"], "revisions": revisions, "degraded": [failed]}
        return {"analysis": template_analysis(state["notes"], doc, ctx.language, kind), "revisions": revisions, "degraded": [failed], "writer_mode": "excerpts"}
    return {"analysis": without_other_kinds_parts(analysis, kind, ctx.language), "revisions": revisions, "writer_mode": "model"}
