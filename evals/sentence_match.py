"""Labelled sentences found in a parsed paper by their text, whatever citation markers or run-in head either side holds.

The datasets are frozen: their texts were taken from earlier parses, some with a citation
marker ("... drug design [12].") or a run-in head glued on ("Datasets & metrics Our
experiments use ..."). The parser now leaves both out of the sentence; a label still names
its sentence when the two agree once markers are removed on both sides (the same function
the quote check uses, tools/citation_markers.py), or once the paragraph's head is put back.
"""

from __future__ import annotations

from collections.abc import Iterator

from agent.reading.evidence_reader import role_notes
from agent.state import Note
from tools.citation_markers import strip_citation_markers, without_glued_numbers
from tools.paper_model import PaperDocument, Paragraph, Section, Sentence, normalize_space

_PLAIN_DIGITS = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹⁻⁺", "0123456789−+")


def sentence_key(text: str) -> str:
    """What a labelled text and a sentence are compared by: no citation markers, and no superscript citation numbers,
    which a PDF's text glues to the word before ("superconductors1"; dropped on both sides, so "lme4" still matches);
    superscript digits read as digits, so an exponent the parser now raises ("10⁴") matches a label taken when it
    read "104" (not all of NFKC, which splits the "¨" of "Sch¨olkopf" and so hides a citation marker)."""
    return normalize_space(without_glued_numbers(strip_citation_markers(text.translate(_PLAIN_DIGITS))))


class SentenceIndex:
    """A paper's sentences by `sentence_key`; the first sentence of a paragraph whose run-in head was cut off also under the head."""

    def __init__(self, doc: PaperDocument):
        self.by_key: dict[str, tuple[Section, Paragraph, Sentence]] = {}
        self.head_of: dict[str, str] = {}  # sentence id -> the run-in head cut from its start
        for section, para, sent in doc.sentences():
            if para.head and para.sentences and para.sentences[0] is sent and not sent.text.startswith(para.head):
                self.head_of[sent.id] = para.head
            for key in self.keys_of([sent.id], sent.text):
                self.by_key.setdefault(key, (section, para, sent))

    def find(self, text: str) -> tuple[Section, Paragraph, Sentence] | None:
        return self.by_key.get(sentence_key(text))

    def keys_of(self, sentence_ids: list[str], quote: str) -> list[str]:
        """The keys a quote made of these sentences may be labelled under: its text, and with its run-in head put back."""
        keys = [sentence_key(quote)]
        if sentence_ids and sentence_ids[0] in self.head_of:
            keys.append(sentence_key(f"{self.head_of[sentence_ids[0]]} {quote}"))
        return keys

    def label(self, labels: dict[str, object], sentence_ids: list[str], quote: str):
        """The label (from a dict keyed by `sentence_key`) of the quote made of these sentences, or None."""
        return next((labels[k] for k in self.keys_of(sentence_ids, quote) if k in labels), None)


def labellable_selections(doc: PaperDocument, kind: str = "method") -> Iterator[Note]:
    """The offline reader's selections that the support datasets label: quoted sentences, not the summary part or captions."""
    for note in role_notes(doc, kind=kind):
        if note.part != "summary" and note.citation.kind != "caption":
            yield note
