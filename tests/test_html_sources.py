"""Which file a paper is read from: arXiv HTML, then ar5iv, then the PDF, offline and online; one loader for every front end."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO, SAMPLE_DIR
from tests.loopback import FakeClock, LoopbackServer
from tools.arxiv_ids import parse_arxiv_id
from tools.html_parse import parse_html
from tools.paper_cache import PaperCache
from tools.paper_loader import load_paper
from tools.polite_http import PoliteClient
from tools.sources import OfflineSource, OnlineSource

HTML = Path(__file__).parent / "fixtures" / "html"
PAGE = HTML / "2501.11120v1.html"
OLD_PAGE = HTML / "1707.08043.latexml-0.8.4.html"
FAILED = b'<html><body><article class="ltx_document"><h1 class="ltx_title ltx_title_document">T</h1><div class="ltx_para"><p class="ltx_p"><span class="ltx_ERROR">\\x</span></p></div></article></body></html>'


def test_an_offline_day_may_hold_html_beside_or_instead_of_pdfs(tmp_path):
    (tmp_path / "2501.11120v1.html").write_bytes(PAGE.read_bytes())  # HTML only
    (tmp_path / "2002.08909v1.html").write_bytes(FAILED)  # a failed conversion beside its PDF
    (tmp_path / "2002.08909v1.pdf").write_bytes((SAMPLE_DIR / "2002.08909v1.pdf").read_bytes())
    source = OfflineSource(tmp_path)
    assert source.fetch_paper(parse_arxiv_id("2501.11120v1")).name == "2501.11120v1.html"
    assert source.fetch_paper(parse_arxiv_id("2501.11120")).name == "2501.11120v1.html"  # newest version
    assert source.fetch_paper(parse_arxiv_id("2002.08909v1")).name == "2002.08909v1.pdf"  # falls through
    cache = PaperCache(tmp_path / "papers")
    for arg in ("2501.11120v1", "https://arxiv.org/html/2501.11120v1#S3.SS2", "arXiv:2501.11120", str(tmp_path / "2501.11120v1.html")):
        doc = load_paper(arg, source, cache)
        assert doc.source_kind == "arxiv-html" and doc.section("3.2.1").title == "Design", arg
    assert load_paper("https://arxiv.org/abs/2002.08909v1", source, cache).source_kind == "pdf"


def online(server: LoopbackServer, tmp_path: Path) -> OnlineSource:
    http = PoliteClient(clock=FakeClock(), allowed_hosts={"127.0.0.1"}, max_retries=1)
    return OnlineSource(http, tmp_path / "pdfs", today=None, rss_url=server.base + "/rss/{}", pdf_url=server.base + "/pdf/{}",
                        html_url=server.base + "/html/{}", ar5iv_url=server.base + "/ar5iv/html/{}")


def test_online_order_is_arxiv_html_then_ar5iv_then_pdf(tmp_path):
    with LoopbackServer() as server:
        server.script.add("/html/2501.11120v1", (200, {}, PAGE.read_bytes()))
        # 1707.08043: no arXiv HTML (404), ar5iv has it.
        server.script.add("/html/1707.08043v2", (404, {}, b"No HTML for '1707.08043v2'"))
        server.script.add("/ar5iv/html/1707.08043", (200, {}, OLD_PAGE.read_bytes()))
        # 2002.08909v1: arXiv's conversion failed badly, ar5iv 404s, the PDF is read.
        server.script.add("/html/2002.08909v1", (200, {}, FAILED))
        server.script.add("/ar5iv/html/2002.08909", (404, {}, b"not found"))
        server.script.add("/pdf/2002.08909v1", (200, {"Content-Type": "application/pdf"}, (SAMPLE_DIR / "2002.08909v1.pdf").read_bytes()))
        source = online(server, tmp_path)
        first = source.fetch_paper(parse_arxiv_id("2501.11120v1"))
        assert first.name == "2501.11120v1.html" and source.fetch_paper(parse_arxiv_id("2501.11120v1")) == first
        assert server.script.hits["/html/2501.11120v1"] == 1  # cached by (id, version)
        ar5iv = source.fetch_paper(parse_arxiv_id("1707.08043v2"))
        assert ar5iv.name == "1707.08043v2.ar5iv.html"
        doc = PaperCache(tmp_path / "papers").load(ar5iv, "1707.08043v2")
        assert doc.source_kind == "ar5iv"
        c = next(doc.with_url(c) for c in [doc.with_url(_first_citation(doc))])
        assert c.url.startswith("https://ar5iv.labs.arxiv.org/html/1707.08043#")
        pdf = source.fetch_paper(parse_arxiv_id("2002.08909v1"))
        assert pdf.suffix == ".pdf"
        assert not (tmp_path / "pdfs" / "2002.08909v1.html").exists()  # a failed conversion never stays in the cache
        assert source.fetch_paper(parse_arxiv_id("2002.08909v1")) == pdf  # a re-run does not ask for the missing HTML again
        assert (server.script.hits["/html/2002.08909v1"], server.script.hits["/ar5iv/html/2002.08909"]) == (1, 1)
        # A damaged cached page is fetched again, not read.
        first.write_bytes(b"<html>trunc")
        assert source.fetch_paper(parse_arxiv_id("2501.11120v1")) == first and server.script.hits["/html/2501.11120v1"] == 2
        assert parse_html(first).section("3").title == "Awareness of behaviors"


def _first_citation(doc):
    from tools.evidence import sentence_citation

    for s, p, t in doc.evidence_sentences():
        if p.anchor:
            return sentence_citation(s, p, [t])
    raise AssertionError("no anchored sentence")


def cli(*args: str, **kw) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "agent", *args], capture_output=True, text=True, cwd=REPO, timeout=120, **kw)


def test_sections_prints_the_html_pages_tree(tmp_path):
    out = cli("sections", str(PAGE), "--json", "--data-dir", str(tmp_path))
    assert out.returncode == 0, out.stderr
    rows = json.loads(out.stdout)
    levels = [r["level"] for r in rows if r["id"] not in ("abstract", "references")]
    assert (levels.count(2), levels.count(3), levels.count(4)) == (17, 36, 29)
    assert {"id": "3.2.1", "title": "Design", "level": 3, "page_start": 1, "page_end": 1, "anchor": "S3.SS2.SSS1"} in rows
    tree = cli("sections", str(PAGE), "--data-dir", str(tmp_path), env={**os.environ, "COLUMNS": "200"})
    assert "read from arXiv HTML" in tree.stdout and re.search(r"3\.2\.1 Design #S3\.SS2\.SSS1", tree.stdout)


@pytest.mark.parametrize("page", [PAGE, OLD_PAGE], ids=["arxiv-0.8.8", "latexml-0.8.4"])
def test_no_quote_holds_a_citation_marker_or_a_run_in_heading(page):
    """Over every bundled HTML paper: the quotable sentences carry no citation markers, errors or paragraph heads."""
    doc = parse_html(page)
    heads = [s.title for s in doc.sections if s.level == 4 or s.anchor and ".Px" in s.anchor]
    marker = re.compile(r"\[[1-9]\d*(?:\s*[,–-]\s*\d+)*(?:,\s*[^\]]*)?\]|\((?:[A-Z][^()]*?,\s*)?(?:19|20)\d\d[a-z]?\)|\bet al\.\s*\(\d{4}|ltx_|\{mdframed\}")
    quotes = [t.text for _, _, t in doc.evidence_sentences()]
    assert len(quotes) > 50
    assert [q for q in quotes if marker.search(q)] == []
    # "Reward Design We conduct ...": a head glued to the sentence it heads (the next word starts a sentence).
    assert heads or page != PAGE
    assert [q for q in quotes for h in heads if re.match(re.escape(h) + r"[.:]?\s+[A-Z]", q)] == []


def test_investigate_answers_link_to_the_paragraph(tmp_path):
    out = cli("investigate", str(PAGE), "--offline", "--ask", "What is behavioral self-awareness?", "--json",
              env={**os.environ, "XDG_CACHE_HOME": str(tmp_path), "HOME": str(tmp_path)})
    assert out.returncode == 0, out.stderr
    citations = json.loads(out.stdout)["citations"]
    ids = set(re.findall(rb'id="([^"]+)"', PAGE.read_bytes()))
    assert citations and all(c["url"] == f"https://arxiv.org/html/2501.11120v1#{c['anchor']}" for c in citations)
    assert all(c["page"] is None for c in citations)  # an HTML page has no pages: none is made up
    text = cli("investigate", str(PAGE), "--offline", "--ask", "What is behavioral self-awareness?",
               env={**os.environ, "XDG_CACHE_HOME": str(tmp_path), "HOME": str(tmp_path), "COLUMNS": "200"})
    assert text.returncode == 0 and "(see Section 1)" in text.stdout and ", p. " not in text.stdout, text.stdout
    assert all(c["anchor"].encode() in ids for c in citations)
