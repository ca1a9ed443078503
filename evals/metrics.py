"""Eval metrics: each a small function of an output and its gold data, tested to move when output gets worse."""

from __future__ import annotations

import re
from math import comb

from agent.writing.validators import CITATION_MARK, chinese_ratio
from agent.writing.validators import quote_in_section as _quote_in_section
from tools.evidence import citation_is_evidence
from tools.paper_model import Citation, PaperDocument

REQUIRED_HEADINGS = ("### 基本信息", "### 原文摘要", "### 相关性", "#### 论文概要", "#### 研究动机", "#### 核心贡献与创新点",
                     "#### 方法概述", "#### 实验说明", "#### 改进建议和未来研究方向")


def precision_recall_f1(predicted: dict[str, bool], gold: dict[str, bool]) -> tuple[float, float, float]:
    tp = sum(1 for k, g in gold.items() if g and predicted.get(k, False))
    fp = sum(1 for k, g in gold.items() if not g and predicted.get(k, False))
    fn = sum(1 for k, g in gold.items() if g and not predicted.get(k, False))
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def citation_validity(citations: list[Citation], doc: PaperDocument) -> float:
    """Share of citations whose section exists and whose page lies in it."""
    if not citations:
        return 0.0
    ok = 0
    for c in citations:
        s = doc.section(c.section_id)
        ok += int(s is not None and (c.page is None and doc.source_kind != "pdf" or c.page is not None and s.page_start <= c.page <= s.page_end))
    return ok / len(citations)


def quote_grounding(citations: list[Citation], doc: PaperDocument) -> float:
    """Share of citations whose quote is found verbatim in the cited section."""
    if not citations:
        return 0.0
    return sum(int(_quote_in_section(c, doc)) for c in citations) / len(citations)


def marker_validity(text: str, doc: PaperDocument) -> float:
    """Share of (见第X节, 第N页) markers in a text that name an existing section and page; 1.0 when there are none."""
    marks = list(CITATION_MARK.finditer(text))
    if not marks:
        return 1.0
    ok = 0
    for m in marks:
        s = doc.section("abstract") if m["abs"] else next((x for x in doc.sections if x.title == m["title"]), None) if m["title"] else doc.section(m["sec"])
        if m["page"] is None:  # "（见第3.2节）": only a paper without pages (HTML) is cited so
            ok += int(s is not None and doc.source_kind != "pdf")
        else:
            ok += int(s is not None and s.page_start <= int(m["page"]) <= s.page_end)
    return ok / len(marks)


def fact_recall(answer: str, facts: list[list[str]]) -> float:
    """Share of gold facts the answer states (any accepted alternative, case-insensitive)."""
    if not facts:
        return 1.0
    text = answer.lower()
    return sum(1 for alts in facts if any(a.lower() in text for a in alts)) / len(facts)


def section_recall(citations: list[Citation], gold_sections: list[str]) -> float:
    """Share of gold sections cited (a subsection counts for its parent: 3.2 counts for 3)."""
    if not gold_sections:
        return 1.0
    cited = {c.section_id for c in citations}
    return sum(1 for g in gold_sections if any(c == g or c.startswith(g + ".") for c in cited)) / len(gold_sections)


def structure_compliance(markdown: str, headings: tuple[str, ...] = REQUIRED_HEADINGS) -> float:
    """Share of the required headings present at the start of a line, in order, and never indented."""
    if re.search(r"^[ \t]+#", markdown, re.M):
        return 0.0
    position, found = 0, 0
    for heading in headings:
        m = re.search(rf"^{re.escape(heading)}$", markdown[position:], re.M)
        if m:
            found += 1
            position += m.end()
    return found / len(headings)


def chinese_share(text: str, quotes: list[str] | None = None) -> float:
    """Share of Chinese among letters outside quotations and citation markers."""
    return chinese_ratio(text, quotes or [])


def cost(input_tokens: int, output_tokens: int, price_in: float, price_out: float) -> float:
    """Cost in the price's currency, prices per million tokens."""
    return (input_tokens * price_in + output_tokens * price_out) / 1_000_000


def sign_test(wins: int, losses: int) -> float:
    """Two-sided exact sign test p-value (ties dropped)."""
    n = wins + losses
    if n == 0:
        return 1.0
    k = min(wins, losses)
    return min(1.0, 2 * sum(comb(n, i) for i in range(k + 1)) / 2**n)


def whole_sentence_rate(citations: list[Citation], doc: PaperDocument) -> float:
    """Share of quotes that are exactly whole, quotable sentences of body text (or a caption cited as one)."""
    if not citations:
        return 1.0
    return sum(1 for c in citations if citation_is_evidence(c, doc)) / len(citations)


def evidence_misuse(cited: list[tuple[str, Citation]], doc: PaperDocument) -> float:
    """Share of (part, quote) pairs that quote what may never be evidence there.

    The reference list, contents pages, the front matter, footnotes, table rows or
    figure text, and a caption quoted for anything but the experiments.
    """
    if not cited:
        return 0.0
    sentences = {t.id: (s, p, t) for s, p, t in doc.sentences()}

    def misused(part: str, c: Citation) -> bool:
        found = [sentences.get(i) for i in c.sentence_ids]
        if not found or any(f is None for f in found):
            section = doc.section(c.section_id)
            return section is None or section.kind in ("references", "front") or "...." in c.quote.replace(" ", "")
        if any(not t.evidence for _, _, t in found):
            return True
        return any(p.kind == "caption" for _, p, _ in found) and part != "experiments"

    return sum(1 for part, c in cited if misused(part, c)) / len(cited)
