"""What leaves a PDF sentence before it may be quoted: a run-in head at its start, citation markers, superscript numbers."""

from __future__ import annotations

from tools.citation_markers import marker_spans, merge_spans
from tools.paper_model import Paragraph


def head_span(para: Paragraph, offset: int, text: str) -> list[tuple[int, int]]:
    """The run-in head at the start of the paragraph's first sentence, with the space after it, as a span to remove."""
    if offset != 0 or not para.head or not text.startswith(para.head):
        return []
    rest = text[len(para.head):]
    return [(0, len(text) - len(rest.lstrip()))]


def sentence_cuts(para: Paragraph, offset: int, text: str) -> list[tuple[int, int]]:
    """(start, end) spans of the sentence `text`, which stands at `offset` of the paragraph's text, to leave out;
    sorted and disjoint. A single span covering the whole sentence means the sentence is the run-in head."""
    head = head_span(para, offset, text)
    raised = [(a - offset, b - offset) for a, b in para._superscripts if offset <= a and b <= offset + len(text)]
    return head + merge_spans([sp for sp in marker_spans(text) + raised if not head or sp[0] >= head[0][1]])
