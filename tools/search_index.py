"""BM25 over a paper's paragraphs, with a small Chinese-to-English glossary for questions in Chinese."""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass

_WORD = re.compile(r"[a-z0-9]+(?:[-'][a-z0-9]+)*")
_CJK = re.compile(r"[\u4e00-\u9fff]+")

STOPWORDS = frozenset(
    """a an and are as at be but by can do does for from had has have how however in into is it its of on or our
    such than that the their them then there these they this those to was we were what when where which while who
    why will with would you your not no also more most may might over under between using used use based via did much many""".split()
)

# Questions may be asked in Chinese about an English paper; the offline reader has no
# translator, so common research terms are mapped to the English words papers use.
GLOSSARY: dict[str, str] = {
    "方法": "method approach", "模型": "model", "实验": "experiment experiments evaluation", "数据集": "dataset datasets data",
    "结果": "results result", "局限": "limitation limitations", "限制": "limitation limitations", "不足": "limitation limitations",
    "贡献": "contribution contributions propose", "动机": "motivation challenge problem", "问题": "problem question",
    "训练": "training train", "评估": "evaluation evaluate", "基线": "baseline baselines", "检索": "retrieval retriever retrieve",
    "生成": "generation generate generative", "性能": "performance accuracy", "准确率": "accuracy", "参数": "parameters",
    "未来": "future", "工作": "work", "相关工作": "related work", "用户": "users participants", "研究": "study research",
    "参与者": "participants", "设计": "design", "系统": "system", "摘要": "abstract summary", "引用": "citation citations",
    "阅读": "reading read", "写作": "writing", "论文": "paper papers", "知识": "knowledge", "预训练": "pre-training pretraining",
    "微调": "fine-tuning fine-tune", "问答": "question answering", "图": "figure", "表": "table", "损失": "loss",
    "架构": "architecture", "编码器": "encoder", "解码器": "decoder", "注意力": "attention", "消融": "ablation",
    "计算": "computation compute cost", "效率": "efficiency efficient", "速度": "speed", "规模": "scale size",
}


def _stem(word: str) -> str:
    """A light stemmer: plurals and -ing/-ed, so "pre-trained" meets "pre-training"."""
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
        word = word[:-1]
    if len(word) > 6 and word.endswith("ing"):
        return word[:-3]
    if len(word) > 5 and word.endswith("ed") and not word.endswith("eed"):
        return word[:-2]
    return word


def _parts(word: str) -> list[str]:
    """A hyphenated word's parts ("resnet-152" -> resnet, 152), so "ResNet-152" meets "the 152-layer ResNet"."""
    return [p for p in word.split("-") if p not in STOPWORDS and len(p) > 1] if "-" in word else []


def term_groups(text: str) -> list[set[str]]:
    """The query's terms, grouped: each English word alone (with its parts when hyphenated: either matches),
    each Chinese glossary term with all its English words."""
    groups = [{_stem(w), *(_stem(p) for p in _parts(w))} for w in _WORD.findall(text.lower()) if w not in STOPWORDS and len(w) > 1]
    for run in _CJK.findall(text):
        for zh, en in GLOSSARY.items():
            if zh in run:
                groups.append({_stem(w) for w in en.split()})
    unique: list[set[str]] = []
    for g in groups:
        if g not in unique:
            unique.append(g)
    return unique


def tokenize(text: str) -> list[str]:
    """Lower-cased English terms; Chinese terms found in the glossary become their English words."""
    return [w for group in term_groups(text) for w in sorted(group)] if _CJK.search(text) else [
        _stem(t) for w in _WORD.findall(text.lower()) if w not in STOPWORDS and len(w) > 1 for t in (w, *_parts(w))
    ]


@dataclass
class Hit:
    index: int
    score: float


class BM25:
    """Okapi BM25 (k1=1.5, b=0.75) over a list of documents."""

    def __init__(self, documents: list[str], k1: float = 1.5, b: float = 0.75):
        self.k1, self.b = k1, b
        self.docs = [Counter(tokenize(d)) for d in documents]
        self.lengths = [sum(c.values()) for c in self.docs]
        self.avg = (sum(self.lengths) / len(self.lengths)) if self.lengths else 0.0
        df: Counter = Counter()
        for c in self.docs:
            df.update(c.keys())
        n = len(self.docs)
        self.idf = {t: math.log(1 + (n - f + 0.5) / (f + 0.5)) for t, f in df.items()}

    def search(self, query: str, k: int = 5) -> list[Hit]:
        terms = tokenize(query)
        if not terms or not self.docs:
            return []
        scores = []
        for i, counts in enumerate(self.docs):
            s = 0.0
            norm = self.k1 * (1 - self.b + self.b * self.lengths[i] / (self.avg or 1))
            for t in terms:
                tf = counts.get(t)
                if tf:
                    s += self.idf[t] * tf * (self.k1 + 1) / (tf + norm)
            if s > 0:
                scores.append(Hit(i, s))
        scores.sort(key=lambda h: (-h.score, h.index))
        return scores[:k]
