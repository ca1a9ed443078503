import pytest
from langchain_core.messages import ToolMessage

from tests.conftest import SAMPLE_DIR
from tools.paper_cache import PaperCache
from tools.paper_model import normalize_space
from tools.pdf_parse import parse_pdf
from tools.reader_tools import (
    CaptionResult,
    PaperIndex,
    SearchResult,
    SectionListing,
    SectionText,
    TokenBudget,
    UnknownSection,
    make_reader_tools,
    normalize_caption_label,
)
from tools.tokens import count_tokens


@pytest.fixture(scope="module")
def index():
    return PaperIndex(parse_pdf(SAMPLE_DIR / "2002.08909v1.pdf", arxiv_id="2002.08909v1"))


def assert_verbatim(doc, citation):
    section = doc.section(citation.section_id)
    assert section is not None, citation
    assert section.page_start <= citation.page <= section.page_end
    assert normalize_space(citation.quote) in normalize_space(section.text()), citation


def test_search_ranks_relevant_paragraphs_with_verbatim_quotes(index):
    result = index.search("asynchronous MIPS index refresh", k=5)
    assert result.hits and result.hits[0].score >= result.hits[-1].score
    assert any(h.section_id in ("3.3", "4.5") for h in result.hits[:3])
    for hit in result.hits:
        assert_verbatim(index.doc, hit.citation)
        assert hit.citation.quote in hit.text


def test_chinese_questions_are_searched_through_the_glossary(index):
    result = index.search("检索 预训练 方法", k=3)
    assert result.hits
    assert any("retriev" in h.text.lower() for h in result.hits)


def test_read_section_cites_every_paragraph_and_respects_the_budget(index):
    full = index.read_section("3.3", max_tokens=6000)
    assert not full.truncated and full.citations
    for c in full.citations:
        assert_verbatim(index.doc, c)
    short = index.read_section("3.3", max_tokens=120)
    assert short.truncated and count_tokens(short.text) <= 130
    for c in short.citations:
        assert_verbatim(index.doc, c)


def test_unknown_section_lists_the_real_ones(index):
    with pytest.raises(UnknownSection, match=r"no section '9\.9'.*3\.2"):
        index.read_section("9.9")
    assert index.read_section("3.2.").section_id == "3.2"  # a trailing dot is forgiven


def test_captions_by_any_common_label(index):
    for label in ("Table 1", "table 1", "Tab. 1", "表1"):
        result = index.caption(label)
        assert result.evidence is not None and result.label == "Table 1", label
        assert_verbatim(index.doc, result.evidence.citation)
    missing = index.caption("Figure 42")
    assert missing.evidence is None and "Figure 1" in missing.available
    assert normalize_caption_label("图 3") == "Figure 3"


def test_langchain_tools_return_typed_artifacts(index):
    tools = {t.name: t for t in make_reader_tools(index)}
    assert set(tools) == {"list_sections", "read_section", "search_paper", "get_caption"}

    def call(name, args):
        msg = tools[name].invoke({"type": "tool_call", "id": "c1", "name": name, "args": args})
        assert isinstance(msg, ToolMessage)
        return msg

    listing = call("list_sections", {})
    assert isinstance(listing.artifact, SectionListing) and "3.2 | Model architecture" in listing.content
    section = call("read_section", {"section_id": "3.2", "max_tokens": 400})
    assert isinstance(section.artifact, SectionText) and "[§3.2, p.3]" in section.content
    search = call("search_paper", {"query": "salient span masking", "k": 2})
    assert isinstance(search.artifact, SearchResult) and len(search.artifact.hits) == 2
    caption = call("get_caption", {"label": "Figure 2"})
    assert isinstance(caption.artifact, CaptionResult)
    bad = call("read_section", {"section_id": "12"})
    assert bad.status == "error" and "no section '12'" in bad.content


def test_budget_caps_reading_and_then_stops_tools(index):
    budget = TokenBudget(600)
    tools = {t.name: t for t in make_reader_tools(index, budget)}
    first = tools["read_section"].invoke({"type": "tool_call", "id": "1", "name": "read_section", "args": {"section_id": "3.3", "max_tokens": 6000}})
    assert first.artifact.truncated and budget.used <= 700
    while not budget.exhausted:
        tools["search_paper"].invoke({"type": "tool_call", "id": "2", "name": "search_paper", "args": {"query": "retrieval", "k": 5}})
    stopped = tools["search_paper"].invoke({"type": "tool_call", "id": "3", "name": "search_paper", "args": {"query": "retrieval"}})
    assert stopped.status == "error" and "budget" in stopped.content


def test_parsed_papers_are_cached_by_id_and_version(tmp_path, monkeypatch):
    cache = PaperCache(tmp_path)
    first = cache.load(SAMPLE_DIR / "2304.02623v1.pdf", "2304.02623v1")
    assert list(tmp_path.glob("2304.02623v1.parser*.json"))
    import tools.paper_cache as pc

    monkeypatch.setattr(pc, "parse_pdf", lambda *a, **k: pytest.fail("parsed again despite the cache"))
    again = cache.load(SAMPLE_DIR / "2304.02623v1.pdf", "2304.02623v1")
    assert again == first


def _as_older_parser(path):
    """Rename a cache file as if an earlier parser version had written it."""
    old = path.with_name(path.name.rsplit(".parser", 1)[0] + ".parser0.json")
    path.rename(old)
    return old


def test_after_a_parser_upgrade_a_cached_id_is_parsed_again_from_its_pdf(tmp_path):
    cache = PaperCache(tmp_path / "papers")
    first = cache.load(SAMPLE_DIR / "2304.02623v1.pdf", "2304.02623v1")
    old = _as_older_parser(next((tmp_path / "papers").glob("2304.02623v1.parser*.json")))
    again = cache.cached("2304.02623")  # the id alone, as `investigate 2304.02623 --offline` gives it
    assert again is not None and again.title == first.title
    assert not old.exists() and len(list((tmp_path / "papers").glob("2304.02623v1.parser*.json"))) == 1  # the stale file is gone


def test_after_a_parser_upgrade_a_cached_id_whose_pdf_is_gone_still_opens(tmp_path):
    pdf = tmp_path / "2304.02623v1.pdf"
    pdf.write_bytes((SAMPLE_DIR / "2304.02623v1.pdf").read_bytes())
    cache = PaperCache(tmp_path / "papers")
    first = cache.load(pdf, "2304.02623v1")
    old = _as_older_parser(next((tmp_path / "papers").glob("2304.02623v1.parser*.json")))
    pdf.unlink()
    kept = cache.cached("2304.02623v1")
    assert kept is not None and kept.sections == first.sections and old.exists()
    assert PaperCache(tmp_path / "papers").cached("2304.02624v1") is None  # another paper is not mistaken for it
