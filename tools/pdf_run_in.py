"""Run-in paragraph heads in a PDF line: "Reward Design We conduct RL training …", the head set in bold.

LaTeX's \\paragraph prints its title in bold at the start of the paragraph's first line; PyMuPDF gives
one line of text, so the head would be glued to the first sentence. The spans' fonts tell them apart.
"""

from __future__ import annotations

import re

# Bold lead-ins that are no paragraph heads: captions and algorithm boxes have their own handling.
_NOT_A_HEAD = re.compile(r"^(figure|fig\.?|table|tab\.|algorithm|input|output|require|ensure)\b", re.I)
MAX_HEAD_WORDS = 10


def bold_lead_length(spans: list[dict], text: str, is_bold) -> int:
    """How many characters at the start of the line's `text` are a bold run-in head (0 when none).

    `spans` are the line's PyMuPDF spans, `text` their joined text with whitespace collapsed, and
    `is_bold(span)` the layout's bold test. A head is a few bold words at the start of the line,
    followed by roman text that begins a sentence (or the head ends in punctuation).
    """
    spans = [s for s in spans if s["text"].strip()]
    k = 0
    while k < len(spans) and is_bold(spans[k]):
        k += 1
    if k == 0 or k == len(spans):
        return 0
    head = " ".join("".join(s["text"] for s in spans[:k]).split())
    rest = " ".join("".join(s["text"] for s in spans[k:]).split())
    if not text.startswith(head) or len(head.split()) > MAX_HEAD_WORDS or sum(map(str.isalpha, head)) < 3:
        return 0
    if head[0] in "([" or _NOT_A_HEAD.match(head) or not head[0].isupper() and not head[0].isdigit():
        return 0
    if not (head.endswith((".", ":", "—", "–")) or re.match(r"[A-Z]", rest)):
        return 0
    return len(head)


# --- superscript citation and footnote numbers ------------------------------------------------------------------

_MARK_TEXT = re.compile(r"[\d,\-–]*\d[\d,\-–]*|[∗*†‡§¶]+")
_WORD_END = re.compile(r"(?:[^\W\d_]{3,}[.,;:)”’]?|[^\W\d_][.,;:)”’])$")
# Math fonts: an exponent follows a variable set in one of these ("tq²", "p⁴").
_MATH_FONT = re.compile(r"cmmi|cmsy|math|symbol|italic|oblique|-it$|\.i$", re.I)


def _collapsed_offsets(raw: str) -> list[int]:
    """For each character of `raw`, its offset in " ".join(raw.split()) (the position where it would stand)."""
    out, n, pending_space, started = [], 0, False, False
    for ch in raw:
        if ch.isspace():
            pending_space = started
            out.append(n)
            continue
        if pending_space:
            n += 1
            pending_space = False
        out.append(n)
        n += 1
        started = True
    return out


def superscript_marks(spans: list[dict]) -> list[tuple[int, int]]:
    """(start, end) in the line's collapsed text of each superscript citation or footnote number after a word:
    "BioPlanner⁵⁰⁷ significantly", "networks.¹⁰,¹³". An exponent after a symbol or a digit ("n²", "10⁻³") is kept."""
    raw = "".join(s["text"] for s in spans)
    offsets = _collapsed_offsets(raw)
    marks, pos = [], 0
    for k, s in enumerate(spans):
        start, pos = pos, pos + len(s["text"])
        if not k or not s["flags"] & 1:
            continue
        prev = spans[k - 1]
        text = s["text"].strip()
        if not _MARK_TEXT.fullmatch(text) or s["size"] > 0.9 * prev["size"] or prev["flags"] & 1:
            continue
        if not _WORD_END.search(prev["text"]) or prev["text"][-1:].isspace() or prev["flags"] & 2 or _MATH_FONT.search(prev["font"]):
            continue
        lead = len(s["text"]) - len(s["text"].lstrip())
        a, b = start + lead, start + lead + len(text)
        marks.append((offsets[a], offsets[b - 1] + 1))
    return marks


# An exponent after a number ("10⁴–10⁶ observations"): PDF text sets it as a smaller raised "4", which read as "104".
_SUPERSCRIPT_DIGITS = str.maketrans("0123456789−-+", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻⁻⁺")
_EXPONENT = re.compile(r"[−\-+]?\d{1,3}")


def with_raised_exponents(spans: list[dict]) -> list[dict]:
    """The spans with each raised exponent after a digit in superscript digits, character for character (so the
    line's offsets do not move; NFKC, which quotes are checked by, reads them as the page's plain digits). An exponent
    may span several raised spans ("−" in a symbol font, then "28"); one that is not a plain integer ("1/3") stays."""
    out = list(spans)
    k = 1
    while k < len(out):
        base = out[k - 1]
        if base["flags"] & 1 or not base["text"][-1:].isdigit():
            k += 1
            continue
        end = k
        while end < len(out) and out[end]["flags"] & 1 and out[end]["size"] <= 0.9 * base["size"]:
            end += 1
        if end > k and _EXPONENT.fullmatch("".join(s["text"] for s in out[k:end])):
            out[k:end] = [{**s, "text": s["text"].translate(_SUPERSCRIPT_DIGITS)} for s in out[k:end]]
        k = end + 1 if end > k else k + 1
    return out
