import pytest

from tests.conftest import FIXTURES, SAMPLE_DIR
from tools.arxiv_api import parse_api_response
from tools.errors import FeedParseError
from tools.feeds import merge_entries, parse_feed

RSS = FIXTURES / "feeds" / "rss_cs.LG+cs.AI+cs.CL+stat.ML_2026-09-24.xml"
ATOM = FIXTURES / "feeds" / "atom_cs.LG_2026-09-25.xml"


def test_rss_feed_entries():
    feed = parse_feed(RSS.read_bytes(), source="rss")
    assert feed.categories == ["cs.LG", "cs.AI", "cs.CL", "stat.ML"]
    assert str(feed.announced) == "2026-09-24"
    assert [e.versioned_id for e in feed.entries] == ["2609.26811v1", "2609.26820v1", "2205.06398v2", "2009.13987v3"]
    assert [e.announce_type for e in feed.entries] == ["new", "new", "cross", "replace"]
    cross = feed.entries[2]
    assert cross.primary_category == "stat.ME" and cross.categories == ["stat.ME", "stat.AP", "stat.ML"]
    assert cross.authors == ["Pritam Dey", "Zhengwu Zhang", "David B. Dunson"]
    assert cross.doi == "10.1093/bioinformatics/btac431"
    assert feed.entries[3].version == 3 and feed.entries[3].arxiv_id == "2009.13987"


def test_abstract_is_clean_of_the_feed_prefix():
    for entry in parse_feed(RSS.read_bytes()).entries + parse_feed(ATOM.read_bytes()).entries:
        assert not entry.abstract.startswith("arXiv:")
        assert "Announce Type" not in entry.abstract and "Abstract:" not in entry.abstract
    first = parse_feed(RSS.read_bytes()).entries[0]
    assert first.abstract.startswith("Local learning trains each layer")


def test_atom_feed_entries():
    feed = parse_feed(ATOM.read_bytes(), source="atom")
    assert feed.categories == ["cs.LG"] and str(feed.announced) == "2026-09-25"
    assert [(e.versioned_id, e.announce_type) for e in feed.entries] == [
        ("2609.28553v1", "new"), ("2402.10149v3", "cross"), ("2401.08875v3", "replace"),
    ]
    assert feed.entries[0].journal_ref.startswith("2026 International Conference on Multimedia")
    assert feed.entries[1].primary_category == "hep-ph"


def test_replace_cross_announce_type():
    text = RSS.read_text().replace("Announce Type: cross", "Announce Type: replace-cross").replace(
        "<arxiv:announce_type>cross<", "<arxiv:announce_type>replace-cross<"
    )
    types = [e.announce_type for e in parse_feed(text).entries]
    assert types == ["new", "new", "replace-cross", "replace"]


def test_an_unreadable_item_loses_only_itself():
    good = parse_feed(RSS.read_text())
    text = RSS.read_text().replace("<arxiv:announce_type>cross<", "<arxiv:announce_type>teleport<", 1)
    feed = parse_feed(text, source="/x/rss_cs.LG.xml")
    assert len(feed.entries) == len(good.entries) - 1
    assert len(feed.skipped) == 1 and "rss_cs.LG.xml" in feed.skipped[0] and "unknown announce type 'teleport'" in feed.skipped[0]


def test_empty_weekend_feed_is_no_announcement():
    text = RSS.read_text()
    start, end = text.index("<item>"), text.rindex("</item>") + len("</item>")
    feed = parse_feed(text[:start] + text[end:])
    assert feed.is_empty and feed.entries == []
    assert str(feed.announced) == "2026-09-24"


@pytest.mark.parametrize("bad", [b"<rss><channel><item></channel>", b"not xml at all", b""])
def test_malformed_xml_is_a_clear_error(bad):
    with pytest.raises(FeedParseError, match="malformed XML"):
        parse_feed(bad, source="broken.xml")


def test_non_feed_xml_is_refused():
    with pytest.raises(FeedParseError, match="not an RSS or Atom feed"):
        parse_feed(b"<html><body>rate limited</body></html>")
    api = (FIXTURES / "feeds" / "api_search_cat_cs.CL_max3.xml").read_bytes()
    with pytest.raises(FeedParseError, match="API response"):
        parse_feed(api)


def test_cross_listed_paper_appears_once_across_category_feeds():
    feeds = [parse_feed(p.read_bytes()) for p in sorted(SAMPLE_DIR.glob("rss_*.xml"))]
    listed = [e.arxiv_id for f in feeds for e in f.entries]
    assert listed.count("2203.00130") == 2  # in cs.CL (cross) and cs.HC (new)
    merged = merge_entries(feeds)
    ids = [e.arxiv_id for e in merged]
    assert len(ids) == len(set(ids)) == 10
    paper_plain = next(e for e in merged if e.arxiv_id == "2203.00130")
    assert paper_plain.announce_type == "new"
    assert set(paper_plain.categories) == {"cs.HC", "cs.CL"}


def test_latest_version_wins_when_feeds_disagree():
    v2 = RSS.read_text()
    v3 = v2.replace("2205.06398v2", "2205.06398v3")
    merged = {e.arxiv_id: e for e in merge_entries([parse_feed(v2), parse_feed(v3)])}
    assert merged["2205.06398"].version == 3


def test_api_responses_parse_with_comments_and_versions():
    metas = parse_api_response((FIXTURES / "feeds" / "api_search_cat_cs.CL_max3.xml").read_bytes())
    assert [m.versioned_id for m in metas] == ["2609.28471v1", "2609.28449v1", "2609.28442v1"]
    assert metas[0].comment.startswith("Published in the proceedings of CLEF 2026")
    old = parse_api_response((FIXTURES / "feeds" / "api2016_id_list_1111.2011v2.xml").read_bytes())
    assert old[0].versioned_id == "1111.2011v2" and old[0].primary_category == "cond-mat.str-el"
    assert parse_api_response((FIXTURES / "feeds" / "api_id_abc_error.xml").read_bytes()) == []


@pytest.mark.parametrize("encoding", ["gbk", "big5", "shift_jis"])
def test_a_feed_in_a_multibyte_encoding_is_read(encoding):
    """expat reads only UTF-8/16 and single-byte encodings: a GBK feed was a ValueError traceback that stopped the run."""
    body = RSS.read_text(encoding="utf-8").split("?>", 1)[1].replace("<item>\n      <title>", "<item>\n      <title>中文 ", 1)
    assert "中文 " in body
    feed = parse_feed(f'<?xml version="1.0" encoding="{encoding}"?>{body}'.encode(encoding), source="x.xml")
    assert [e.versioned_id for e in feed.entries] == [e.versioned_id for e in parse_feed(RSS.read_bytes()).entries]
    assert feed.entries[0].title.startswith("中文 ")


@pytest.mark.parametrize("data, message", [
    (b'<?xml version="1.0" encoding="nonsense"?><rss/>', "unknown encoding 'nonsense'"),
    ('<?xml version="1.0" encoding="gbk"?><rss>'.encode() + b"\xff\xfe</rss>", "not valid gbk"),
])
def test_a_feed_in_a_wrong_encoding_is_a_clear_error(data, message):
    with pytest.raises(FeedParseError, match=message):
        parse_feed(data, source="x.xml")
