"""The support check: does each claim of an analysis say what its cited sentences say?

With a critic model, every claim (each cited text of the analysis, numbered C1,
C2, ... in `PaperAnalysis.cited_texts()` order) is judged against its evidence in
one batched structured call: supported, partly supported or unsupported.
Unsupported claims go back to the writer; what is still unsupported after the
last revision is removed from the report. Without a model nothing is judged,
and the report says so instead of implying it was.
"""

from __future__ import annotations

from typing import Literal

from langchain_core.messages import HumanMessage
from pydantic import BaseModel

from agent.llm.structured import call_structured
from agent.reading.kind_schema import kind_spec, prompt_view
from agent.state import CitedText, ClaimVerdict, Finding, Note, PaperAnalysis, bounded
from tools.paper_model import PaperDocument


class ClaimJudgement(BaseModel):
    claim: str = bounded(max_length=8, description="the claim's id, e.g. C3")
    verdict: Literal["supported", "partial", "unsupported"]
    reason: str = bounded(max_length=200, description="why, in one sentence")


class SupportReview(BaseModel):
    verdicts: list[ClaimJudgement] = bounded(max_items=16, default_factory=list)


REMOVED_TEXT = {
    "zh": "（该部分原有的陈述未得到所引原文的支持，经修订仍未通过内容核验，已删除。）",
    "en": "(This part's statement was not supported by the quotes it cited and was removed after revision.)",
}


def claims_for_prompt(analysis: PaperAnalysis, notes: list[Note], language: str, kind: str = "method") -> list[dict]:
    by_id = {n.id: n for n in notes}
    titles = kind_spec(kind).titles(language)
    return [
        {"id": f"C{i}", "part": part, "title": titles.get(part, part), "text": item.text,
         "evidence": [{"id": e, "quote": by_id[e].citation.quote, "caption": by_id[e].citation.label} for e in item.evidence if e in by_id]}
        for i, (part, item) in enumerate(analysis.cited_texts(), 1) if not item.absent  # a stated absence claims nothing
    ]


def review_support(ctx, analysis: PaperAnalysis, notes: list[Note], doc: PaperDocument, paper_id: str, kind: str = "method") -> tuple[list[ClaimVerdict], dict | None]:
    """One batched critic call: a verdict per claim. A claim the critic skipped counts as unsupported."""
    claims = claims_for_prompt(analysis, notes, ctx.language, kind)
    prompt = ctx.prompts.render("critic", paper={"title": doc.title, "arxiv_id": paper_id}, claims=claims, language=ctx.language, kind=prompt_view(kind))
    review, failed = call_structured(ctx.llm, "critic", SupportReview, [HumanMessage(prompt)], paper=paper_id)
    if failed:
        return [], failed
    given = {v.claim.strip().upper(): v for v in review.verdicts}
    verdicts = []
    for c in claims:
        v = given.get(c["id"])
        verdicts.append(ClaimVerdict(claim=c["id"], part=c["part"], verdict=v.verdict if v else "unsupported",
                                     reason=v.reason if v else "the critic gave no verdict for this claim"))
    return verdicts, None


def support_findings(verdicts: list[ClaimVerdict], analysis: PaperAnalysis) -> list[Finding]:
    texts = dict((f"C{i}", item.text) for i, (_, item) in enumerate(analysis.cited_texts(), 1))
    return [
        Finding(part=v.part, code="unsupported", message=f"{v.claim}「{texts.get(v.claim, '')[:60]}」— {v.reason}")
        for v in verdicts if v.verdict == "unsupported"
    ]


def remove_unsupported(analysis: PaperAnalysis, verdicts: list[ClaimVerdict], language: str) -> tuple[PaperAnalysis, list[ClaimVerdict]]:
    """Take out the claims still judged unsupported; single parts keep a note that their statement was removed."""
    bad = {v.claim for v in verdicts if v.verdict == "unsupported"}
    if not bad:
        return analysis, verdicts
    ids = {id(item): f"C{i}" for i, (_, item) in enumerate(analysis.cited_texts(), 1)}
    gone = lambda item: ids.get(id(item)) in bad  # noqa: E731
    blank = CitedText(text=REMOVED_TEXT[language], evidence=[], absent=True)
    kept = PaperAnalysis(
        summary=blank if gone(analysis.summary) else analysis.summary,
        motivation=blank if gone(analysis.motivation) else analysis.motivation,
        contributions=[c for c in analysis.contributions if not gone(c)] or [blank],
        method=blank if gone(analysis.method) else analysis.method,
        experiments=blank if gone(analysis.experiments) else analysis.experiments,
        future=analysis.future.model_copy(update={"author_limitations": [c for c in analysis.future.author_limitations if not gone(c)],
                                                  "author_future_work": [c for c in analysis.future.author_future_work if not gone(c)]}),
    )
    return kept, [v.model_copy(update={"removed": v.claim in bad}) for v in verdicts]
