"""The offline reader: for each part of the analysis, whole sentences whose rhetorical role fits it.

No model reads the paper here, so a sentence may only fill a part when it does
what the part is about (tools/rhetoric.py): motivation sentences for 研究动机,
"we propose" sentences for 核心贡献, the method sections' own descriptions for
方法概述, result sentences with numbers (and the captions of the tables they
cite) for 实验说明, the authors' own limitations and future work for 局限. A
part with no fitting sentence stays empty and the report says so. The same
selection seeds the model reader's first look.
"""

from __future__ import annotations

import re

from agent.state import Note
from tools.evidence import sentence_citation
from tools.paper_model import PaperDocument, Paragraph, Section, Sentence
from tools.rhetoric import classify_sentence, own_names, section_type

# The rhetorical role each part of the analysis is made of, and the only kinds of section it is taken from:
# a "however" in a derivation is not the paper's motivation, nor a "we use" in the conclusion its method.
PART_ROLES: dict[str, str] = {
    "motivation": "motivation", "contributions": "contribution", "method": "method", "experiments": "result", "future": "limitation",
}
PART_SECTIONS: dict[str, tuple[str, ...]] = {
    "motivation": ("introduction", "abstract"),
    "contributions": ("introduction", "abstract", "conclusion"),
    "method": ("method",),
    "experiments": ("experiments", "abstract"),
    "future": ("limitations", "conclusion"),
}
NOTES_PER_PART = {"summary": 2, "motivation": 2, "contributions": 3, "method": 2, "experiments": 2, "future": 2}
_TABLE_MENTION = re.compile(r"\b(Table|Tab\.)\s*(\d+)")
_HAS_NUMBER = re.compile(r"\d")
_WORD = re.compile(r"[a-z0-9]{3,}")


class Candidate:
    __slots__ = ("section", "para", "sentence", "where", "role", "score", "order")

    def __init__(self, section: Section, para: Paragraph, sentence: Sentence, where: str, role: str, score: float, order: int):
        self.section, self.para, self.sentence, self.where, self.role, self.score, self.order = section, para, sentence, where, role, score, order


def section_types(doc: PaperDocument) -> dict[str, str]:
    """What each section is for (introduction, method, experiments ...), by section id; a subsection may inherit its parent's."""
    titles = {s.id: s.title for s in doc.sections}
    return {s.id: section_type(s.title, s.kind, titles.get(s.parent_id or "", "")) for s in doc.sections}


def classified_sentences(doc: PaperDocument) -> list[Candidate]:
    """Every quotable body sentence with its section type, role and the strength of that role."""
    names = own_names(doc.title)
    kinds = section_types(doc)
    out = []
    for order, (section, para, sent) in enumerate(doc.evidence_sentences()):
        if para.kind != "text":
            continue
        where = kinds[section.id]
        role, score = classify_sentence(sent.text, where, names)
        out.append(Candidate(section, para, sent, where, role, score, order))
    return out


def _rank(part: str, c: Candidate) -> tuple:
    numbers = part == "experiments" and bool(_HAS_NUMBER.search(c.sentence.text))
    return (not numbers, -c.score, c.order)


def _table_captions(doc: PaperDocument, sentences: list[Sentence]) -> list[tuple[Section, Paragraph]]:
    """The captions of the tables that chosen result sentences cite ("Table 2 shows ...")."""
    wanted = {f"Table {m.group(2)}" for s in sentences for m in _TABLE_MENTION.finditer(s.text)}
    return [(s, p) for s, p in doc.captions() if p.label in wanted and p.sentences and all(t.evidence for t in p.sentences[:1])]


def role_notes(doc: PaperDocument, per_part: dict[str, int] | None = None) -> list[Note]:
    """Cited notes per part, each a whole sentence whose role fits the part; summary from the abstract."""
    per_part = per_part or NOTES_PER_PART
    notes: list[Note] = []
    used: set[str] = set()

    quoted: list[set[str]] = []  # a sentence printed twice (abstract and introduction), even reworded, is one piece of evidence

    def restates(sentence: Sentence) -> bool:
        words = set(_WORD.findall(sentence.text.lower()))
        return any(len(words & q) >= 0.6 * min(len(words), len(q)) for q in quoted if q)

    def add(part: str, section: Section, para: Paragraph, sentences: list[Sentence]) -> None:
        citation = sentence_citation(section, para, sentences)
        notes.append(Note(id=f"E{len(notes) + 1}", part=part, text=citation.quote, citation=citation))
        used.update(s.id for s in sentences)
        quoted.extend(set(_WORD.findall(s.text.lower())) for s in sentences)

    abstract = doc.section("abstract")
    if abstract is not None:
        quotable = [(p, t) for p in abstract.paragraphs for t in p.sentences if t.evidence and p.kind == "text"]
        for para, sent in quotable[: per_part.get("summary", 2)]:
            add("summary", abstract, para, [sent])
    candidates = classified_sentences(doc)
    for part, role in PART_ROLES.items():
        fitting = sorted((c for c in candidates if c.role == role and c.where in PART_SECTIONS[part] and c.sentence.id not in used),
                         key=lambda c: _rank(part, c))
        chosen: list[Candidate] = []
        for c in fitting:
            if len(chosen) == per_part.get(part, 2):
                break
            if not restates(c.sentence):
                chosen.append(c)
                add(part, c.section, c.para, [c.sentence])
        if part == "experiments":
            for section, para in _table_captions(doc, [c.sentence for c in chosen])[:1]:
                add(part, section, para, para.sentences[:1])
    return notes


def evidence_roles(doc: PaperDocument) -> dict[str, str]:
    """Sentence id -> role, for the checks that ask whether a quote fits its heading."""
    return {c.sentence.id: c.role for c in classified_sentences(doc)}
