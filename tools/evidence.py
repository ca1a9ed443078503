"""Citations made of whole sentences: built from a paper's sentence units, and checked against them."""

from __future__ import annotations

from tools.paper_model import Citation, PaperDocument, Paragraph, Section, Sentence, normalize_space

MAX_QUOTE_SENTENCES = 3


def sentence_citation(section: Section, para: Paragraph, sentences: list[Sentence]) -> Citation:
    """A citation quoting these consecutive sentences of one paragraph (a caption is cited as a caption)."""
    caption = para.kind == "caption"
    # An HTML paragraph (it has an anchor) stands on no printed page: its citation says where by section and link.
    return Citation(
        section_id=section.id, page=None if para.anchor else sentences[0].page, quote=" ".join(s.text for s in sentences),
        sentence_ids=[s.id for s in sentences], kind="caption" if caption else "text", label=para.label if caption else None,
        anchor=para.anchor,
    )


def _span(para: Paragraph, wanted: str) -> list[Sentence] | None:
    """The sentences of `para` that the words `wanted` fall in, when they are all in it."""
    text = normalize_space(para.text)
    at = text.find(wanted)
    if at < 0:
        return None
    end = at + len(wanted)
    covered, pos = [], 0
    for sent in para.sentences:
        norm = normalize_space(sent.text)
        start = text.find(norm, pos)
        if start < 0:
            continue
        stop = start + len(norm)
        pos = stop
        if stop > at and start < end:
            covered.append(sent)
    return covered or None


def locate_evidence(doc: PaperDocument, section_id: str, quote: str) -> Citation | None:
    """A citation for `quote` made of the whole sentences it falls in, or None.

    The quote may be part of a sentence (it is widened to the whole sentence) or
    several sentences of one paragraph; it is refused when any sentence it touches
    is not quotable body text (a contents line, a table row, the reference list, a
    footnote ...) or when it spans more than a few sentences. The stated section is
    tried first; a quote found elsewhere is filed under the section it is really in.
    """
    wanted = normalize_space(quote).strip(" .…")
    if len(wanted) < 8:
        return None
    stated = doc.section(section_id)
    candidates = ([stated] if stated else []) + [s for s in doc.sections if s is not stated]
    for section in candidates:
        for para in section.paragraphs:
            span = _span(para, wanted)
            if span is None:
                continue
            if len(span) > MAX_QUOTE_SENTENCES or not all(s.evidence for s in span):
                return None
            return doc.with_url(sentence_citation(section, para, span))
    return None


def citation_is_evidence(citation: Citation, doc: PaperDocument) -> bool:
    """The quote is exactly the whole, quotable sentences it names, in the section it names."""
    section = doc.section(citation.section_id)
    if section is None or not citation.sentence_ids:
        return False
    by_id = {t.id: (p, t) for p, t in ((p, t) for p in section.paragraphs for t in p.sentences)}
    found = [by_id.get(i) for i in citation.sentence_ids]
    if any(f is None or not f[1].evidence for f in found):
        return False
    if (citation.kind == "caption") != all(p.kind == "caption" for p, _ in found):
        return False
    return normalize_space(" ".join(t.text for _, t in found)) == normalize_space(citation.quote)
