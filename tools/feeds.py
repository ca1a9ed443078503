"""arXiv announcement feeds (RSS and Atom, as rss.arxiv.org serves them) and the paper metadata they carry."""

from __future__ import annotations

import codecs
import logging
import re
import xml.etree.ElementTree as ET
from datetime import date, datetime
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field

from tools.arxiv_ids import ArxivId, parse_arxiv_id
from tools.errors import ConfigError, FeedParseError

AnnounceType = Literal["new", "cross", "replace", "replace-cross"]
ANNOUNCE_TYPES: tuple[str, ...] = ("new", "cross", "replace", "replace-cross")

NS = {
    "atom": "http://www.w3.org/2005/Atom",
    "arxiv": "http://arxiv.org/schemas/atom",
    "dc": "http://purl.org/dc/elements/1.1/",
}
_DESCRIPTION = re.compile(r"^\s*arXiv:(?P<id>\S+)\s+Announce Type:\s*(?P<type>[\w-]+)\s*Abstract:\s*(?P<abstract>.*)$", re.S)
_WS = re.compile(r"\s+")
log = logging.getLogger(__name__)


class PaperMeta(BaseModel):
    """One paper version as a feed or the API describes it."""

    arxiv_id: str  # without version
    version: int = Field(ge=1)
    title: str
    authors: list[str] = Field(default_factory=list)
    abstract: str = ""
    categories: list[str] = Field(default_factory=list)
    primary_category: str = ""
    announce_type: AnnounceType | None = None
    announced: date | None = None
    comment: str | None = None
    journal_ref: str | None = None
    doi: str | None = None
    license: str | None = None

    @property
    def id(self) -> ArxivId:
        return ArxivId(self.arxiv_id, self.version)

    @property
    def versioned_id(self) -> str:
        return str(self.id)

    @property
    def categories_primary_first(self) -> tuple[str, ...]:
        """The arXiv categories with the primary one first (a hint for the kind rules)."""
        primary = (self.primary_category,) if self.primary_category else ()
        return primary + tuple(c for c in self.categories if c != self.primary_category)

    def in_categories(self, wanted: list[str]) -> bool:
        """Listed in any wanted category; a whole archive ("cs") matches its subcategories."""
        return any(c in wanted or c.split(".")[0] in wanted for c in self.categories)


class Feed(BaseModel):
    source: str
    title: str
    categories: list[str]
    announced: date | None
    entries: list[PaperMeta]
    skipped: list[str] = Field(default_factory=list)  # items that could not be read: each loses only itself
    repaired: list[str] = Field(default_factory=list)  # what was cleaned so that the file could be read

    @property
    def is_empty(self) -> bool:
        """Weekends and holidays: a valid feed that announces nothing."""
        return not self.entries


def _clean(text: str | None) -> str:
    return _WS.sub(" ", text or "").strip()


def _categories_from_url(url: str) -> list[str]:
    m = re.search(r"/(?:rss|atom)/([^/?#]+)", url or "")
    return [c for c in m.group(1).split("+") if c] if m else []


def _split_authors(text: str) -> list[str]:
    # dc:creator lists authors separated by commas (and sometimes a final "and").
    parts = re.split(r",\s*|\s+and\s+", _clean(text))
    return [p for p in (p.strip() for p in parts) if p]


def _rss_date(text: str | None) -> date | None:
    if not text:
        return None
    try:
        return parsedate_to_datetime(text.strip()).date()
    except (TypeError, ValueError):
        return None


def _iso_date(text: str | None) -> date | None:
    if not text:
        return None
    try:
        return datetime.fromisoformat(text.strip().replace("Z", "+00:00")).date()
    except ValueError:
        return None


def _entry(
    *, guid: str, title: str, description: str, categories: list[str], authors: str, announce: str | None,
    announced: date | None, item: ET.Element,
) -> PaperMeta:
    m = _DESCRIPTION.match(description or "")
    raw_id = m["id"] if m else guid
    try:
        aid = parse_arxiv_id(raw_id)
    except ConfigError:
        raise FeedParseError(f"entry with unreadable arXiv id {raw_id!r}") from None
    if aid.version is None:
        aid = aid.with_version(1)
    announce_type = (announce or (m["type"] if m else "") or "").strip().lower() or None
    if announce_type is not None and announce_type not in ANNOUNCE_TYPES:
        raise FeedParseError(f"{aid}: unknown announce type {announce_type!r}")
    return PaperMeta(
        arxiv_id=aid.base,
        version=aid.version,
        title=_clean(title),
        authors=_split_authors(authors),
        abstract=_clean(m["abstract"] if m else description),
        categories=categories,
        primary_category=categories[0] if categories else "",
        announce_type=announce_type,
        announced=announced,
        journal_ref=_clean(item.findtext("arxiv:journal_reference", namespaces=NS)) or None,
        doi=_clean(item.findtext("arxiv:DOI", namespaces=NS)) or None,
        license=_clean(item.findtext("dc:rights", namespaces=NS)) or None,
    )


def _append_entry(entries: list[PaperMeta], skipped: list[str], source: str, read) -> None:
    """One unreadable item (a garbled id, an unknown announce type) is skipped and counted, not the whole feed."""
    try:
        entries.append(read())
    except FeedParseError as exc:
        skipped.append(f"{Path(source).name}: {exc}")


def _parse_rss(root: ET.Element, source: str) -> Feed:
    channel = root.find("channel")
    if channel is None:
        raise FeedParseError(f"{source}: RSS without a channel")
    announced = _rss_date(channel.findtext("pubDate")) or _rss_date(channel.findtext("lastBuildDate"))
    entries, skipped = [], []
    for item in channel.findall("item"):
        _append_entry(entries, skipped, source, lambda item=item: _entry(
                guid=item.findtext("guid") or item.findtext("link") or "",
                title=item.findtext("title") or "",
                description=item.findtext("description") or "",
                categories=[_clean(c.text) for c in item.findall("category") if c.text],
                authors=item.findtext("dc:creator", namespaces=NS) or "",
                announce=item.findtext("arxiv:announce_type", namespaces=NS),
                announced=_rss_date(item.findtext("pubDate")) or announced,
                item=item,
            ))
    link = channel.findtext("link") or ""
    return Feed(source=source, title=_clean(channel.findtext("title")), categories=_categories_from_url(link), announced=announced,
                entries=entries, skipped=skipped)


def _parse_atom(root: ET.Element, source: str) -> Feed:
    title = _clean(root.findtext("atom:title", namespaces=NS))
    if "query" in title.lower():
        raise FeedParseError(f"{source}: an arXiv API response, not an announcement feed")
    entries, skipped = [], []
    for item in root.findall("atom:entry", NS):
        _append_entry(entries, skipped, source, lambda item=item: _entry(
                guid=item.findtext("atom:id", namespaces=NS) or "",
                title=item.findtext("atom:title", namespaces=NS) or "",
                description=item.findtext("atom:summary", namespaces=NS) or "",
                categories=[c.get("term", "") for c in item.findall("atom:category", NS) if c.get("term")],
                authors=item.findtext("dc:creator", namespaces=NS)
                or ", ".join(a.findtext("atom:name", namespaces=NS) or "" for a in item.findall("atom:author", NS)),
                announce=item.findtext("arxiv:announce_type", namespaces=NS),
                announced=_iso_date(item.findtext("atom:published", namespaces=NS)),
                item=item,
            ))
    announced = next((e.announced for e in entries if e.announced), None) or _iso_date(root.findtext("atom:updated", namespaces=NS))
    feed_id = root.findtext("atom:id", namespaces=NS) or ""
    return Feed(source=source, title=title, categories=_categories_from_url(feed_id), announced=announced, entries=entries, skipped=skipped)


# C0 control characters other than tab, newline and carriage return are not allowed anywhere in XML 1.0: one of them
# in one abstract makes the whole document malformed. The same bytes in UTF-8 and every ASCII-compatible encoding.
_XML_FORBIDDEN_BYTES = re.compile(rb"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_XML_FORBIDDEN_TEXT = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def strip_xml_control_characters(data: bytes | str) -> tuple[bytes | str, int]:
    """The document without the control characters XML forbids, and how many there were."""
    if isinstance(data, str):
        return _XML_FORBIDDEN_TEXT.subn("", data)
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):  # UTF-16: a byte-wise clean would cut characters in half
        return data, 0
    return _XML_FORBIDDEN_BYTES.subn(b"", data)


_DECLARED_ENCODING = re.compile(rb"^\s*<\?xml[^>]*?\bencoding\s*=\s*[\"']([A-Za-z0-9._-]+)[\"']")


def _as_text_if_multibyte(data: bytes | str, source: str) -> bytes | str:
    """A feed declared in an encoding expat cannot read (GBK, Big5, Shift_JIS ...), decoded here and its declaration
    dropped; any other document as it is."""
    if isinstance(data, str) or not (m := _DECLARED_ENCODING.match(data)):
        return data
    name = m.group(1).decode("ascii").lower()
    try:
        codec = codecs.lookup(name).name
    except LookupError:
        raise FeedParseError(f"{source}: unknown encoding {name!r} in the XML declaration") from None
    if codec in ("utf-8", "ascii", "latin-1", "iso8859-1", "utf-16", "utf-16-le", "utf-16-be", "cp1252"):
        return data  # expat reads these itself
    try:
        text = data.decode(codec)
    except UnicodeDecodeError as exc:
        raise FeedParseError(f"{source}: not valid {name} ({exc.reason} at byte {exc.start})") from None
    return re.sub(r"^\s*<\?xml[^>]*\?>", "", text, count=1)


def parse_feed(data: bytes | str, source: str = "feed") -> Feed:
    """Parse an RSS or Atom announcement feed; malformed input raises FeedParseError.

    Control characters that XML forbids are removed first (and counted in the feed's `repaired`), so one
    garbled abstract costs nothing instead of the whole file.
    """
    data, removed = strip_xml_control_characters(_as_text_if_multibyte(data, source))
    try:
        root = ET.fromstring(data)
    except ET.ParseError as exc:
        raise FeedParseError(f"{source}: malformed XML ({exc})") from None
    except ValueError as exc:  # expat refuses what it cannot decode
        raise FeedParseError(f"{source}: unreadable XML ({exc})") from None
    tag = root.tag.rsplit("}", 1)[-1]
    if tag == "rss":
        feed = _parse_rss(root, source)
    elif tag == "feed":
        feed = _parse_atom(root, source)
    else:
        raise FeedParseError(f"{source}: not an RSS or Atom feed (root element <{tag}>)")
    if removed:
        note = f"{Path(source).name}: removed {removed} control character(s) that XML does not allow; every item was kept"
        feed.repaired.append(note)
        log.warning("%s", note)
    return feed


_TYPE_RANK = {"new": 0, "cross": 1, "replace": 2, "replace-cross": 3}


def merge_entries(feeds: list[Feed]) -> list[PaperMeta]:
    """One entry per paper across category feeds: a cross-listed paper appears once.

    When the same paper is listed as new in one category and cross-listed in
    another, "new" wins; the latest version wins over older ones.
    """
    merged: dict[str, PaperMeta] = {}
    for feed in feeds:
        for entry in feed.entries:
            seen = merged.get(entry.arxiv_id)
            if seen is None:
                merged[entry.arxiv_id] = entry
                continue
            best = entry if (entry.version, -_TYPE_RANK.get(entry.announce_type or "", 9)) > (
                seen.version, -_TYPE_RANK.get(seen.announce_type or "", 9)
            ) else seen
            cats = list(dict.fromkeys([*best.categories, *seen.categories, *entry.categories]))
            merged[entry.arxiv_id] = best.model_copy(update={"categories": cats})
    return list(merged.values())
