"""A day read through the mirror switch: arXiv's /html/ answers for one paper and 404s for the other.

Both papers are reported; the HTML-read one cites paragraphs (url#anchor, the anchor an
element of the served page whose words hold the quote), the PDF-read one cites pages.
"""

from __future__ import annotations

import json
import re
from datetime import datetime
from pathlib import Path

import lxml.html
import pytest

from agent.config import Keyword, SemanticSettings, load_profile
from agent.llm.registry import offline_registry
from agent.run.monitor_run import run_monitor
from agent.sources_factory import make_source
from evals.scripted_agents import scripted_registry
from tests.conftest import REPO, SAMPLE_DIR
from tests.loopback import LoopbackServer

CATS = "cs.CL+cs.LG+cs.CV"
PAGE = Path(__file__).parent / "fixtures" / "html" / "2501.11120v1.html"
HTML_ID, PDF_ID = "2501.11120v1", "2002.08909v1"

SELF_AWARENESS_ITEM = """    <item>
      <title>Tell me about yourself: LLMs are aware of their learned behaviors</title>
      <link>https://arxiv.org/abs/2501.11120</link>
      <description>arXiv:2501.11120v1 Announce Type: new
Abstract: We study behavioral self-awareness -- an LLM's ability to articulate its behaviors without requiring in-context examples. We finetune LLMs on datasets that exhibit particular behaviors, such as (a) making high-risk economic decisions, and (b) outputting insecure code.</description>
      <guid isPermaLink="false">oai:arXiv.org:2501.11120v1</guid>
      <category>cs.CL</category>
      <category>cs.LG</category>
      <pubDate>Fri, 20 Nov 2026 00:00:00 -0500</pubDate>
      <arxiv:announce_type>new</arxiv:announce_type>
      <dc:rights>http://arxiv.org/licenses/nonexclusive-distrib/1.0/</dc:rights>
      <dc:creator>Jan Betley, Xuchan Bao, Martin Soto, Anna Sztyber-Betley, James Chua, Owain Evans</dc:creator>
    </item>
"""


def the_day_feed() -> bytes:
    """The sample day cut to REALM (no HTML on the mirror) plus 2501.11120v1 (HTML served)."""
    text = (SAMPLE_DIR / f"rss_{CATS}_2026-11-20.xml").read_text(encoding="utf-8")
    items = re.findall(r"    <item>.*?</item>\n", text, re.S)
    realm = next(i for i in items if PDF_ID in i)
    head = text.split("    <item>", 1)[0]
    return (head + realm + SELF_AWARENESS_ITEM + "  </channel>\n</rss>\n").encode()


def words(text: str) -> list[str]:
    return re.findall(r"\w+", text.lower())


def holds_in_order(text: str, quote: str) -> bool:
    """Every word of the quote stands in the element's text, in order (the page's text also has citation markers)."""
    it = iter(words(text))
    return all(any(w == t for t in it) for w in words(quote))


@pytest.mark.parametrize("with_model", [False, True], ids=["offline", "scripted-model"])
def test_a_day_read_html_first_through_the_mirror(tmp_path, monkeypatch, with_model):
    profile = load_profile(REPO / "profiles" / "sample.toml")
    profile = profile.model_copy(update={
        "categories": ["cs.CL", "cs.LG", "cs.CV"], "data_dir": tmp_path / "data", "output_dir": tmp_path / "out",
        "keywords": [*profile.keywords, Keyword(term="behavioral self-awareness")], "semantic": SemanticSettings(enabled=False),
    })
    page = lxml.html.document_fromstring(PAGE.read_bytes())
    with LoopbackServer() as server:
        monkeypatch.setenv("ARXIV_MONITOR_ARXIV_BASE", server.base)
        monkeypatch.setenv("ARXIV_MONITOR_ARXIV_INTERVAL", "0")
        server.script.add(f"/rss/{CATS}", (200, {}, the_day_feed()))
        server.script.add(f"/html/{HTML_ID}", (200, {"Content-Type": "text/html; charset=utf-8"}, PAGE.read_bytes()))
        server.script.add(f"/html/{PDF_ID}", (404, {}, f"No HTML for '{PDF_ID}'".encode()))
        server.script.add("/ar5iv/html/2002.08909", (404, {}, b"not found"))
        server.script.add(f"/pdf/{PDF_ID}", (200, {"Content-Type": "application/pdf"}, (SAMPLE_DIR / f"{PDF_ID}.pdf").read_bytes()))
        day = datetime(2026, 11, 20)
        source = make_source(offline=False, offline_dir=None, data_dir=profile.data_dir, today=day.date())
        registry = scripted_registry()[0] if with_model else offline_registry("--offline was given")
        outcome = run_monitor(profile, registry=registry, source=source, now=lambda: day.replace(hour=9))
        hits = dict(server.script.hits)

    papers = {p["arxiv_id"]: p for p in outcome.report["papers"]}
    assert set(papers) == {HTML_ID, PDF_ID}
    assert papers[HTML_ID]["read_from"] == "arxiv-html" and papers[PDF_ID]["read_from"] == "pdf"
    assert hits[f"/html/{PDF_ID}"] == 1 and hits["/ar5iv/html/2002.08909"] == 1  # arXiv HTML, then ar5iv, then the PDF
    assert hits.get(f"/pdf/{HTML_ID}", 0) == 0  # the HTML was enough

    html_cites = papers[HTML_ID]["citations"]
    assert len(html_cites) >= 3
    for c in html_cites:
        assert c["url"] == f"https://arxiv.org/html/{HTML_ID}#{c['anchor']}", c
        element = page.get_element_by_id(c["anchor"])
        assert holds_in_order(element.text_content(), c["quote"]), (c["anchor"], c["quote"])
        assert c["section_id"] and c["sentence_ids"] and c["quote"]
    for c in papers[PDF_ID]["citations"]:
        assert c["url"] == f"https://arxiv.org/pdf/{PDF_ID}#page={c['page']}"
    # An HTML page has no pages: its citations say none (JSON null), the PDF's keep theirs.
    assert all(c["page"] is None for c in html_cites) and all(c["page"] >= 1 for c in papers[PDF_ID]["citations"])

    md = outcome.paths["md"].read_text(encoding="utf-8")
    assert "全文来源" in md and "arXiv HTML" in md
    # In-text markers link to the quote, not only the collapsed list.
    url_of = {c["quote"]: c["url"] for p in papers.values() for c in p["citations"]}
    linked = re.findall(r"“([^”]+)”\[（见[^]]+）\]\((https://arxiv\.org/[^)]+)\)", md)
    markers = re.findall(r".（见[^）]+）.", md)
    assert markers and all(m.startswith("[") and m.endswith("]") for m in markers), markers  # every in-text marker is a link
    assert any(HTML_ID in u for _, u in linked) or with_model
    for quote, url in linked:  # each marker opens at the quote before it
        assert url_of[quote.replace("\\", "")] == url
    html_markers = re.findall(r"\[（见([^]]+)）\]\(https://arxiv\.org/html/", md)
    assert (html_markers or with_model) and not [m for m in html_markers if "页" in m]  # "（见第3.2节）": no invented page
    assert all("页" in m for m in re.findall(r"\[（见([^]]+)）\]\(https://arxiv\.org/pdf/", md))
    html = outcome.paths["html"].read_text(encoding="utf-8")
    assert f'href="https://arxiv.org/html/{HTML_ID}#' in html and f'href="https://arxiv.org/pdf/{PDF_ID}#page=' in html
    assert not re.findall(rf'href="https://arxiv\.org/html/{HTML_ID}#[^"]*">[^<]*页', html)
    stored = json.loads(outcome.paths["json"].read_text(encoding="utf-8"))
    assert {p["arxiv_id"]: p["read_from"] for p in stored["papers"]} == {HTML_ID: "arxiv-html", PDF_ID: "pdf"}
