"""A local paper file named after its arXiv id is read as that id, old-style ids included, so its citations link."""

from __future__ import annotations

import re

import pytest

from agent.investigate import retrieval_turn
from tests.conftest import FIXTURES
from tools.arxiv_ids import arxiv_id_from_filename
from tools.paper_cache import PaperCache
from tools.paper_loader import load_paper


@pytest.mark.parametrize("name, wanted", [
    ("math0405482v2.pdf", "math/0405482v2"),  # arXiv's own file name for an old-style id
    ("math_0405482v2.pdf", "math/0405482v2"),  # ArxivId.filename_stem, as our caches write it
    ("hep-th9901001.pdf", "hep-th/9901001"),
    ("math.AG0405482v1.pdf", "math.AG/0405482v1"),
    ("2002.08909v1.pdf", "2002.08909v1"),
    ("1707.08043v2.ar5iv.html", "1707.08043v2"),
    ("paper1234567.pdf", None),  # no archive of that name
    ("jss-zoo.pdf", None),
    ("nips2017-attention.pdf", None),
])
def test_ids_from_file_names(name, wanted):
    found = arxiv_id_from_filename(name)
    assert (str(found) if found else None) == wanted


def test_an_old_style_file_gets_pdf_links(tmp_path):
    doc = load_paper(str(FIXTURES / "papers" / "math0405482v2.pdf"), None, PaperCache(tmp_path))
    assert doc.arxiv_id == "math/0405482v2"
    # (It states no limitations: that question is answered 论文中未找到; its main result has quotes.)
    turn = retrieval_turn(doc, "What is the main result?")
    assert turn.citations
    for c in turn.citations:
        assert c.url == f"https://arxiv.org/pdf/math/0405482v2#page={c.page}"
        assert not re.search(r"\[[A-Z][A-Za-z+]*\d\d", c.quote), c.quote  # "[Arn94]" and its kind stay out of the quote
