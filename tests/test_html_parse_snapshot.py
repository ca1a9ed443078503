"""The bundled HTML pages parse to exactly what they parsed to when the snapshot was written.

A guard for speed work on `tools/html_parse.py` and the sentence code it shares with the PDF path:
every section's id, level, kind, anchor, paragraph and sentence counts, and a digest of its whole
content (texts, sentence ids, evidence verdicts, labels, anchors), plus digests of the tables and of
the whole document. A change that is meant to change the parse rewrites the snapshot on purpose:

    .venv/bin/python tests/test_html_parse_snapshot.py --update
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

import pytest

if __name__ == "__main__":  # run as a script to rewrite the snapshot
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tools.html_parse import parse_html  # noqa: E402

HTML = Path(__file__).parent / "fixtures" / "html"
SNAPSHOT = HTML / "parse_snapshot.json"
PAGES = ("2501.11120v1.html", "1707.08043.latexml-0.8.4.html")


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def outline(page: Path) -> dict:
    doc = parse_html(page)
    # The file's path is not part of the parse.
    whole = doc.model_dump_json(exclude={"source"})
    sections = [
        f"{s.id}|{s.level}|{s.kind}|{s.anchor}|{len(s.paragraphs)} paragraphs|"
        f"{sum(len(p.sentences) for p in s.paragraphs)} sentences|"
        f"{sum(t.evidence for p in s.paragraphs for t in p.sentences)} evidence|{_digest(s.model_dump_json())}"
        for s in doc.sections
    ]
    tables = _digest(json.dumps([t.model_dump(mode="json") for t in doc.tables]))
    return {"document": _digest(whole), "tables": tables, "sections": sections}


@pytest.mark.parametrize("name", PAGES)
def test_the_bundled_pages_parse_as_in_the_snapshot(name):
    expected = json.loads(SNAPSHOT.read_text())[name]
    got = outline(HTML / name)
    changed = [(e, g) for e, g in zip(expected["sections"], got["sections"], strict=False) if e != g]
    # The first differing sections say where the parse changed; the counts say how.
    assert changed == [] and len(got["sections"]) == len(expected["sections"]), changed[:3] or (len(expected["sections"]), len(got["sections"]))
    assert got["tables"] == expected["tables"]
    assert got["document"] == expected["document"]


def test_the_snapshot_sees_a_one_word_change(tmp_path):
    """The digests cover the text: one word changed in one paragraph changes that section's row and nothing else."""
    page = tmp_path / PAGES[0]
    page.write_bytes((HTML / PAGES[0]).read_bytes().replace(b"There are two players", b"There are three players", 1))
    expected = json.loads(SNAPSHOT.read_text())[PAGES[0]]
    got = outline(page)
    changed = [g.split("|", 1)[0] for e, g in zip(expected["sections"], got["sections"], strict=False) if e != g]
    assert len(changed) == 1 and got["document"] != expected["document"], changed


if __name__ == "__main__":
    if "--update" not in sys.argv:
        sys.exit("usage: tests/test_html_parse_snapshot.py --update   (rewrites " + str(SNAPSHOT) + ")")
    SNAPSHOT.write_text(json.dumps({name: outline(HTML / name) for name in PAGES}, indent=1, ensure_ascii=False) + "\n")
    print(f"wrote {SNAPSHOT}")
