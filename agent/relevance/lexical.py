"""Lexical relevance: whole words and phrases, acronyms, synonyms and negative keywords.

A bare substring is not a match: "VLAT" (Virtual Longform Audio Training) does
not contain the acronym "VLA", while "OpenVLA", "VLA-based" and "VLAs" do.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from agent.config import Keyword


def _fold(text: str) -> str:
    """Lower case, hyphens and underscores as spaces, single spaces."""
    return re.sub(r"\s+", " ", re.sub(r"[-_/–—]", " ", text.lower())).strip()


def _phrase_pattern(phrase: str) -> re.Pattern:
    words = _fold(phrase).split(" ")
    # Each word may take a plural "s"; words are separated by any run of spaces/hyphens.
    body = r"\s+".join(re.escape(w) + (r"s?" if w[-1:].isalpha() else "") for w in words)
    return re.compile(rf"(?<![a-z0-9]){body}(?![a-z0-9])")


def _acronym_pattern(acronym: str) -> re.Pattern:
    # Case-sensitive. Not glued to a following letter or digit ("VLAT", "VLA2"),
    # except a plural "s"; it may end a CamelCase name ("OpenVLA") but not
    # follow another capital ("AVLA").
    return re.compile(rf"(?<![A-Z0-9]){re.escape(acronym)}(?:s)?(?![A-Za-z0-9])")


def _near_misses(acronym: str, text: str) -> list[str]:
    """Words that contain the acronym without being it: worth naming in a reason."""
    pattern = re.compile(rf"\b\w*{re.escape(acronym)}\w*\b")
    exact = _acronym_pattern(acronym)
    return sorted({m.group(0) for m in pattern.finditer(text) if not exact.fullmatch(m.group(0))})


@dataclass
class KeywordHit:
    keyword: str  # the profile's term
    form: str  # what matched: a phrase, synonym or acronym
    in_title: bool
    count: int


@dataclass
class LexicalResult:
    hits: list[KeywordHit] = field(default_factory=list)
    negatives: list[str] = field(default_factory=list)
    near_misses: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return bool(self.hits) and not self.negatives

    @property
    def topics(self) -> list[str]:
        return list(dict.fromkeys(h.keyword for h in self.hits))

    def score(self) -> float:
        """0-10: a title hit weighs more than abstract mentions; several topics add up."""
        if not self.passed:
            return 0.0
        by_topic: dict[str, float] = {}
        for h in self.hits:
            weight = 4.0 if h.in_title else min(3.0, 1.5 + 0.5 * h.count)
            by_topic[h.keyword] = max(by_topic.get(h.keyword, 0.0), weight)
        return round(min(10.0, 3.0 + sum(by_topic.values())), 1)

    def reason_zh(self) -> str:
        if self.negatives:
            return f"命中排除关键词「{'」「'.join(self.negatives)}」，判为不相关"
        if not self.hits:
            base = "标题和摘要均未以完整词或短语形式出现任何关注关键词"
            if self.near_misses:
                base += f"（「{'」「'.join(self.near_misses)}」只是包含缩写字母的其他词，不算命中）"
            return base
        parts = []
        for h in self.hits:
            where = "标题" if h.in_title else "摘要"
            times = f"{h.count}次" if h.count > 1 else ""
            parts.append(f"{where}出现「{h.form}」{times}（主题：{h.keyword}）")
        return "；".join(parts)


class KeywordMatcher:
    def __init__(self, keywords: list[Keyword], negative: list[str] | None = None):
        self.keywords = keywords
        self._phrases = [(kw.term, p, _phrase_pattern(p)) for kw in keywords for p in kw.phrases()]
        self._acronyms = [(kw.term, a, _acronym_pattern(a)) for kw in keywords for a in kw.acronyms]
        self._negative = [(n, _phrase_pattern(n)) for n in (negative or [])]

    def match(self, title: str, abstract: str) -> LexicalResult:
        result = LexicalResult()
        folded_title, folded_abstract = _fold(title), _fold(abstract)
        seen: set[tuple[str, bool]] = set()
        # Phrases match folded text (case, hyphens); acronyms match the text as written.
        searches = [(p, (folded_title, folded_abstract)) for p in self._phrases] + [(a, (title, abstract)) for a in self._acronyms]
        for (term, form, pattern), texts in searches:
            for text, in_title in zip(texts, (True, False), strict=True):
                n = len(pattern.findall(text))
                if n and (term, in_title) not in seen:
                    seen.add((term, in_title))
                    result.hits.append(KeywordHit(term, form, in_title, n))
        if not result.hits:
            for _, form, _ in self._acronyms:
                result.near_misses += _near_misses(form, f"{title} {abstract}")
        for name, pattern in self._negative:
            if pattern.search(folded_title) or pattern.search(folded_abstract):
                result.negatives.append(name)
        result.near_misses = sorted(set(result.near_misses))
        order = {kw.term: i for i, kw in enumerate(self.keywords)}
        result.hits.sort(key=lambda h: (order[h.keyword], not h.in_title))
        return result
