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

from agent.reading.kind_schema import GENERAL_ROLES, PartSpec, cue_patterns, kind_spec, own_required_in, veto_patterns
from agent.state import Note
from tools.evidence import MAX_QUOTE_SENTENCES, sentence_citation
from tools.paper_model import PaperDocument, Paragraph, Section, Sentence
from tools.rhetoric import (
    about_others,
    classify_sentence,
    is_future_work,
    is_generic,
    is_limitation_topic,
    is_mitigation,
    never_evidence,
    own_names,
    section_type,
    speaks_of_own_work,
)

# The rhetorical role each part of a method paper's analysis is made of, and the only kinds of section it is
# taken from (a "however" in a derivation is not the paper's motivation, nor a "we use" in the conclusion its
# method). Read from the kinds schema (agent/reading/paper_kinds.toml); other kinds have parts of their own there.
PART_ROLES: dict[str, str] = {p.slot: p.roles[0] for p in kind_spec("method").parts if p.slot != "future"} | {"future": "limitation"}
PART_SECTIONS: dict[str, tuple[str, ...]] = {p.slot: tuple(p.sections) for p in kind_spec("method").parts}
# Parts whose sentences must be the paper's own work: another system's method or result is background.
OWN_WORK_SLOTS = ("contributions", "method", "experiments")
NOTES_PER_PART = {"summary": 2, "motivation": 2, "contributions": 3, "method": 2, "experiments": 2, "future": 2}
_TABLE_MENTION = re.compile(r"\b(Table|Tab\.)\s*(\d+)")
# A section about nothing but limitations ("8.4 Limitations", "Threats to Validity"), whose every sentence may be
# quoted as one.
ONLY_LIMITATIONS_TITLE = re.compile(r"limitation|weakness|threats? to validity|caveat|shortcoming|drawback", re.I)
# Broader: a section that states limitations by its title, as against one that only looks ahead ("Future directions");
# a broader impact or discussion section also praises the work, so only what it says there as a limitation counts.
LIMITATION_TITLE = re.compile(ONLY_LIMITATIONS_TITLE.pattern + "|broader impact|discussion", re.I)
FUTURE_NOTES = 1  # beside the stated limitations, the future work a 局限与未来方向 part also shows
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


def paper_names(doc: PaperDocument) -> tuple[str, ...]:
    return own_names(doc.title, doc.abstract or "")


def classified_sentences(doc: PaperDocument) -> list[Candidate]:
    """Every quotable body sentence with its section type, role and the strength of that role."""
    names = paper_names(doc)
    kinds = section_types(doc)
    out = []
    for order, (section, para, sent) in enumerate(doc.evidence_sentences()):
        if para.kind != "text":
            continue
        where = kinds[section.id]
        role, score = classify_sentence(sent.text, where, names)
        out.append(Candidate(section, para, sent, where, role, score, order))
    return out


def cue_role_score(role: str, c: Candidate, names: tuple[str, ...]) -> float:
    """How many of a schema cue role's cues the sentence matches (0 when it may not take the role)."""
    own, patterns = cue_patterns(role)
    text = c.sentence.text
    if own or c.where in own_required_in(role) or is_generic(text):
        own = True
    if never_evidence(text) or (own and not speaks_of_own_work(text, names)):
        return 0.0
    low = text.lower()
    if any(p.search(low) for p in veto_patterns(role)):
        return 0.0
    return float(sum(1 for p in patterns if p.search(low)))


# "Theorem 5." set as the head of its statement: the sentence after it states a theorem of the paper.
_THEOREM_HEAD = re.compile(r"^(main )?(theorem|proposition|corollary)\s*[\dA-Z]*(\.\d+)*\s*(\([^)]*\))?\.?$", re.I)


def _position(c: Candidate) -> int:
    """Where the candidate's sentence stands in its paragraph."""
    return next(i for i, t in enumerate(c.para.sentences) if t.id == c.sentence.id)


def states_theorem(c: Candidate) -> bool:
    """The sentence is the statement under a "Theorem N." head (the first sentence after it)."""
    at = _position(c)
    return at > 0 and bool(_THEOREM_HEAD.match(c.para.sentences[at - 1].text.strip()))


def _quotable(abstract: Section) -> list[tuple[Paragraph, Sentence]]:
    return [(p, t) for p in abstract.paragraphs for t in p.sentences if t.evidence and p.kind == "text"]


def summary_sentences(abstract: Section, names: tuple[str, ...], n: int, taken: set[str] = frozenset()) -> list[tuple[Paragraph, Sentence]]:
    """The abstract's sentences that say what the paper does ("We present ...", "PaSa reads ..."), in their order,
    leaving out those a part already quotes; the opening sentences only where none does: an abstract's first lines
    are most often background."""
    quotable = [(p, t) for p, t in _quotable(abstract) if t.id not in taken]
    own = [(p, t) for p, t in quotable if speaks_of_own_work(t.text, names)]
    chosen = {id(t) for _, t in own[:n]}
    chosen |= {id(t) for _, t in [x for x in quotable if id(x[1]) not in chosen][: n - len(chosen)]}
    return [(p, t) for p, t in quotable if id(t) in chosen]


def part_score(spec: PartSpec, c: Candidate, names: tuple[str, ...]) -> float:
    """How well a sentence fits a part: its general role when the part takes it, else its best cue role."""
    if "theorem" in spec.roles and states_theorem(c):
        return 20.0  # a stated theorem is a theory paper's main result before anything said about it
    if "finding" in spec.roles and cue_role_score("open_problem", c, names) >= 1.0:
        return 0.0  # what is still open is not one of the review's conclusions (it goes to 开放问题)
    if c.role in spec.roles and c.role in GENERAL_ROLES:
        return 10.0 + c.score  # the general classifier's role, when the part takes it, comes first
    cue = max((cue_role_score(r, c, names) for r in spec.roles if r not in GENERAL_ROLES), default=0.0)
    return cue if cue >= 1.0 else 0.0


def _rank(part: str, c: Candidate, spec: PartSpec | None = None, names: tuple[str, ...] = ()) -> tuple:
    numbers = part == "experiments" and bool(_HAS_NUMBER.search(c.sentence.text))
    fit = part_score(spec, c, names) if spec is not None else c.score
    return (not numbers, -fit, c.order)


def others_excluded(kind: str, part: str) -> bool:
    """Whether a part must be the paper's own: another system's work never fills 方法/实验/贡献, nor any part of a
    dataset, system or theory paper (a review is about others' work; a method paper's motivation may cite a gap)."""
    return part in OWN_WORK_SLOTS or kind in ("dataset", "system", "theory")


def with_listed_limitations(c: Candidate) -> list[Sentence]:
    """A topic sentence ("X is not without its limitations.") with the sentences after it that list them."""
    if not is_limitation_topic(c.sentence.text):
        return [c.sentence]
    at = _position(c)
    following = []
    for t in c.para.sentences[at + 1: at + MAX_QUOTE_SENTENCES]:
        if not t.evidence:
            break
        following.append(t)
    return [c.sentence, *following] if following else [c.sentence]


def _in_limitations_section(c: Candidate) -> bool:
    return c.where == "limitations" and bool(ONLY_LIMITATIONS_TITLE.search(c.section.title))


def _fits(spec: PartSpec, c: Candidate, names: tuple[str, ...], stated_first: bool) -> bool:
    """A sentence may fill the part: by its role or cues, or, for 局限, by standing in a limitations section."""
    if part_score(spec, c, names) > 0:
        return True
    return (stated_first and _in_limitations_section(c) and not never_evidence(c.sentence.text) and not is_future_work(c.sentence.text)
            and not is_mitigation(c.sentence.text))


def _stated_first_rank(c: Candidate, stated_first: bool) -> tuple:
    """For 局限: stated limitations before future work, and those of a limitations section before any met elsewhere."""
    if not stated_first:
        return ()
    return (is_future_work(c.sentence.text), not _in_limitations_section(c))


def _table_captions(doc: PaperDocument, sentences: list[Sentence]) -> list[tuple[Section, Paragraph]]:
    """The captions of the tables that chosen result sentences cite ("Table 2 shows ...")."""
    wanted = {f"Table {m.group(2)}" for s in sentences for m in _TABLE_MENTION.finditer(s.text)}
    return [(s, p) for s, p in doc.captions() if p.label in wanted and p.sentences and all(t.evidence for t in p.sentences[:1])]


def role_notes(doc: PaperDocument, per_part: dict[str, int] | None = None, kind: str = "method") -> list[Note]:
    """Cited notes per part of the paper's kind, each a whole sentence whose role fits the part; summary from the abstract."""
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
    opening: list[tuple[Paragraph, Sentence]] = []
    if abstract is not None:
        # The abstract's opening sentences are held back from the parts, as when they were the summary; the summary is
        # chosen once the parts are (below), so it never repeats a part's quote.
        opening = _quotable(abstract)[: per_part.get("summary", 2)]
        used.update(t.id for _, t in opening)
        quoted.extend(set(_WORD.findall(t.text.lower())) for _, t in opening)
    candidates = classified_sentences(doc)
    names = paper_names(doc)
    for spec in kind_spec(kind).parts:
        part = spec.slot
        # 局限: the limitations the authors state come before their future work, and a limitations section's own
        # sentences count whatever their cue words ("the simple heuristic could become over-saturated").
        stated_first = part == "future" and spec.roles[0] == "limitation"
        fitting = sorted((c for c in candidates if c.sentence.id not in used
                          and (spec.holds(c.section.title) and not never_evidence(c.sentence.text)
                               or c.where in spec.sections and _fits(spec, c, names, stated_first))
                          and not (others_excluded(kind, part) and about_others(c.sentence.text, names))),
                         key=lambda c: (not spec.holds(c.section.title), *_stated_first_rank(c, stated_first), *_rank(part, c, spec, names)))
        chosen: list[Candidate] = []
        wanted = per_part.get(part, 2)
        for c in fitting:
            future = stated_first and is_future_work(c.sentence.text)
            taken = sum(1 for x in chosen if not stated_first or is_future_work(x.sentence.text) == future)
            if taken >= (FUTURE_NOTES if future else wanted) or restates(c.sentence):
                continue  # stated limitations and future work each fill their own share
            chosen.append(c)
            add(part, c.section, c.para, with_listed_limitations(c) if part == "future" else [c.sentence])
        if part == "experiments":
            for section, para in _table_captions(doc, [c.sentence for c in chosen])[:1]:
                add(part, section, para, para.sentences[:1])
    if abstract is not None:
        taken = used - {t.id for _, t in opening}
        parts = len(notes)
        for para, sent in summary_sentences(abstract, names, per_part.get("summary", 2), taken):
            add("summary", abstract, para, [sent])
        notes = notes[parts:] + notes[:parts]  # the summary first, as the report shows it
        notes = [n.model_copy(update={"id": f"E{i}"}) for i, n in enumerate(notes, 1)]
    return notes


def note_fits(doc: PaperDocument, note: Note, kind: str = "method", candidates: dict[str, Candidate] | None = None) -> bool:
    """The quote's first sentence does what the note's part of this kind is about (a summary quotes the abstract;
    a caption backs results)."""
    c = note.citation
    if note.part == "summary":
        return c.section_id == "abstract"
    if c.kind == "caption":
        return note.part == "experiments"
    spec = kind_spec(kind).part(note.part)
    candidates = candidates if candidates is not None else {x.sentence.id: x for x in classified_sentences(doc)}
    found = candidates.get(c.sentence_ids[0]) if c.sentence_ids else None
    return bool(spec and found and part_score(spec, found, paper_names(doc)) > 0)


def evidence_roles(doc: PaperDocument) -> dict[str, str]:
    """Sentence id -> role, for the checks that ask whether a quote fits its heading."""
    return {c.sentence.id: c.role for c in classified_sentences(doc)}
