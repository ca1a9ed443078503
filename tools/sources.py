"""Where a day's papers come from: arXiv itself, or a directory of recorded feeds and PDFs.

Both sources answer the same questions, so the whole product runs offline on
a recorded day exactly as it runs against arXiv.
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from datetime import date
from pathlib import Path
from typing import Protocol

from pydantic import BaseModel, Field

from tools.arxiv_api import ArxivAPI, parse_api_response
from tools.arxiv_ids import ArxivId, arxiv_id_from_filename, parse_arxiv_id
from tools.errors import ConfigError, FeedParseError, PaperError, SourceError
from tools.feeds import ANNOUNCE_TYPES, Feed, PaperMeta, merge_entries, parse_feed
from tools.html_parse import verify_html
from tools.pdf_parse import verify_pdf
from tools.polite_http import Limits, NoNetwork, NotFound, PoliteClient

log = logging.getLogger(__name__)

FEED_SUFFIXES = {".xml", ".rss", ".atom"}
# A version without HTML (404, or a failed conversion) is not asked for again within this time.
HTML_MISSING_TTL = 24 * 3600.0


class DayAnnouncements(BaseModel):
    """What arXiv announced on a day in the profile's categories, deduplicated, with counts."""

    day: date | None
    entries: list[PaperMeta] = Field(default_factory=list)
    # category -> announce type -> number of papers listed there
    counts: dict[str, dict[str, int]] = Field(default_factory=dict)
    sources: list[str] = Field(default_factory=list)
    backfill: bool = False
    problems: list[str] = Field(default_factory=list)  # feed files and items that could not be read, each skipped

    def count_by_type(self) -> dict[str, int]:
        c = Counter(e.announce_type or "unknown" for e in self.entries)
        return {t: c.get(t, 0) for t in ANNOUNCE_TYPES}


def type_in_category(entry: PaperMeta, category: str) -> str:
    """How the category's own listing shows the paper: primary papers are new, others cross-listed."""
    primary = category in (entry.primary_category, entry.primary_category.split(".")[0])
    if entry.version == 1:
        return "new" if primary else "cross"
    return "replace" if primary else "replace-cross"


def select_day(feeds: list[Feed], categories: list[str], day: date | None, sources: list[str], backfill: bool = False,
               problems: list[str] | None = None) -> DayAnnouncements:
    entries = [e for e in merge_entries(feeds) if e.in_categories(categories)]
    counts: dict[str, dict[str, int]] = {}
    for cat in categories:
        per = Counter(type_in_category(e, cat) for e in entries if e.in_categories([cat]))
        counts[cat] = {t: per.get(t, 0) for t in ANNOUNCE_TYPES}
    problems = [*(problems or []), *(p for f in feeds for p in f.skipped)]
    return DayAnnouncements(day=day, entries=entries, counts=counts, sources=sources, backfill=backfill, problems=problems)


class PaperSource(Protocol):
    offline: bool

    def announcements(self, categories: list[str], day: date | None = None) -> DayAnnouncements: ...

    def lookup(self, ids: list[ArxivId]) -> dict[str, PaperMeta]: ...

    def fetch_pdf(self, paper: ArxivId) -> Path: ...


def fetch_paper(source: PaperSource, paper: ArxivId) -> Path:
    """The best file to read a paper from: its arXiv HTML, else ar5iv's, else the PDF (sources without HTML give the PDF)."""
    fetch = getattr(source, "fetch_paper", None)
    return fetch(paper) if fetch is not None else source.fetch_pdf(paper)


def _usable_html(path: Path) -> bool:
    """A recorded or downloaded page that is a LaTeXML conversion worth reading; a failed one is left for the PDF."""
    try:
        verify_html(path)
        return True
    except PaperError as exc:
        log.info("not reading %s: %s", path.name, exc)
        return False


class OfflineSource:
    """A directory of recorded feed files (RSS or Atom) and papers named like 2501.10120v1.pdf or 2501.10120v1.html (arXiv's HTML)."""

    offline = True

    def __init__(self, directory: Path):
        self.directory = Path(directory)
        if not self.directory.is_dir():
            raise ConfigError(f"offline directory {self.directory} does not exist")
        self._feeds: list[tuple[Path, Feed]] | None = None
        self._api: dict[str, PaperMeta] | None = None
        self.problems: list[str] = []  # feed files that could not be read; the others are used

    def _scan(self) -> None:
        feeds: list[tuple[Path, Feed]] = []
        api: dict[str, PaperMeta] = {}
        problems: list[str] = []
        for path in sorted(self.directory.rglob("*")):
            if path.suffix.lower() not in FEED_SUFFIXES or not path.is_file():
                continue
            data = path.read_bytes()
            try:
                feeds.append((path, parse_feed(data, source=str(path))))
            except FeedParseError as exc:
                if "API response" not in str(exc):
                    problems.append(f"{path.name}: {exc}".replace(f"{path}: ", ""))
                    continue
                try:
                    for meta in parse_api_response(data):
                        api[meta.versioned_id] = meta
                except FeedParseError as api_exc:
                    problems.append(f"{path.name}: {api_exc}")
        self._feeds, self._api, self.problems = feeds, api, problems

    @property
    def feeds(self) -> list[tuple[Path, Feed]]:
        if self._feeds is None:
            self._scan()
        return self._feeds or []

    def days(self) -> list[date]:
        return sorted({f.announced for _, f in self.feeds if f.announced})

    def latest_day(self) -> date | None:
        days = self.days()
        return days[-1] if days else None

    def announcements(self, categories: list[str], day: date | None = None) -> DayAnnouncements:
        day = day or self.latest_day()
        unreadable = f"; {len(self.problems)} unreadable: {self.problems[0]}" if self.problems else ""
        if day is None:
            raise SourceError(f"no announcement feeds in {self.directory}{unreadable}")
        chosen = [(p, f) for p, f in self.feeds if f.announced == day]
        if not chosen:
            known = ", ".join(d.isoformat() for d in self.days()) or "none"
            raise SourceError(f"no recorded feed for {day} in {self.directory} (recorded days: {known}{unreadable})")
        return select_day([f for _, f in chosen], categories, day, [str(p) for p, _ in chosen], problems=self.problems)

    def lookup(self, ids: list[ArxivId]) -> dict[str, PaperMeta]:
        if self._api is None:
            self._scan()
        known: dict[str, PaperMeta] = dict(self._api or {})
        for _, feed in self.feeds:
            for e in feed.entries:
                known.setdefault(e.versioned_id, e)
        found: dict[str, PaperMeta] = {}
        for asked in ids:
            matches = [m for m in known.values() if m.arxiv_id == asked.base and asked.version in (None, m.version)]
            if matches:
                found[str(asked)] = max(matches, key=lambda m: m.version)
        return found

    def fetch_pdf(self, paper: ArxivId) -> Path:
        if paper.version is not None:
            path = self.directory / f"{paper.filename_stem}.pdf"
            if path.exists():
                return path
        else:
            versions = sorted(self.directory.glob(f"{paper.filename_stem}v*.pdf"))
            if versions:
                return max(versions, key=lambda p: int(p.stem.rsplit("v", 1)[1]))
        raise PaperError(f"{paper}: no PDF in the offline directory {self.directory}")

    def fetch_paper(self, paper: ArxivId) -> Path:
        """The recorded HTML page (`<id>.html`, else `<id>.ar5iv.html`) when it reads well, else the PDF."""
        if paper.version is not None:
            stems = [paper.filename_stem]
        else:
            found = {p.name.split(".html")[0].split(".ar5iv")[0] for p in self.directory.glob(f"{paper.filename_stem}v*.html")}
            stems = sorted(found, key=lambda stem: int(stem.rsplit("v", 1)[1]) if stem.rsplit("v", 1)[-1].isdigit() else 0, reverse=True)[:1]
        for stem in stems:
            for name in (f"{stem}.html", f"{stem}.ar5iv.html"):
                path = self.directory / name
                if path.exists() and _usable_html(path):
                    return path
        try:
            return self.fetch_pdf(paper)
        except PaperError:
            # Say what was looked for: an HTML page would have been read too.
            raise PaperError(f"{paper}: no HTML page or PDF in the offline directory {self.directory}") from None


class OnlineSource:
    """arXiv itself: the daily RSS feed for today, the API for past days and look-ups, PDFs with a cache."""

    offline = False

    def __init__(
        self,
        http: PoliteClient,
        pdf_dir: Path,
        *,
        today: date,
        api: ArxivAPI | None = None,
        limits: Limits | None = None,
        rss_url: str = "https://rss.arxiv.org/rss/{}",
        pdf_url: str = "https://arxiv.org/pdf/{}",
        html_url: str | None = "https://arxiv.org/html/{}",
        ar5iv_url: str | None = "https://ar5iv.labs.arxiv.org/html/{}",
    ):
        self.http = http
        self.api = api or ArxivAPI(http)
        self.pdf_dir = Path(pdf_dir)
        self.today = today
        self.limits = limits or Limits()
        self.rss_url = rss_url
        self.pdf_url = pdf_url
        # Tried in this order before the PDF; None leaves a source out.
        self.html_urls = [(url, suffix) for url, suffix in ((html_url, ".html"), (ar5iv_url, ".ar5iv.html")) if url]

    def announcements(self, categories: list[str], day: date | None = None) -> DayAnnouncements:
        if day is None or day >= self.today:
            url = self.rss_url.format("+".join(categories))
            feed = parse_feed(self.http.get_bytes(url), source=url)
            if day is not None and feed.announced not in (None, day) and feed.entries:
                # The feed moved on (or has not yet been published): fall back to the API.
                log.info("today's feed is for %s, not %s; using the API", feed.announced, day)
            else:
                return select_day([feed], categories, feed.announced or day, [url])
        metas = self.api.backfill(categories, day)
        feed = Feed(source="arXiv API back-fill", title="back-fill", categories=categories, announced=day, entries=metas)
        return select_day([feed], categories, day, ["arXiv API (back-fill)"], backfill=True)

    def lookup(self, ids: list[ArxivId]) -> dict[str, PaperMeta]:
        return self.api.lookup(ids)

    def _versioned(self, paper: ArxivId) -> ArxivId:
        if paper.version is None:
            meta = self.lookup([paper]).get(str(paper))
            if meta is None:
                raise PaperError(f"{paper}: not found on arXiv")
            return meta.id
        return paper

    def fetch_paper(self, paper: ArxivId) -> Path:
        """arXiv's HTML of this version, else ar5iv's page of the paper, else the PDF.

        A 404 ("No HTML for ...") or a conversion that failed badly (no sections,
        mostly LaTeXML errors) falls through to the next source; only pages that
        read well stay in the cache, as only whole PDFs do.
        """
        paper = self._versioned(paper)
        for url, suffix in self.html_urls:
            dest = self.pdf_dir / f"{paper.filename_stem}{suffix}"
            missing = dest.with_name(dest.name + ".missing")
            if dest.exists() and _usable_html(dest):
                return dest  # cached by (id, version), and still readable
            dest.unlink(missing_ok=True)
            if missing.exists() and time.time() - missing.stat().st_mtime < HTML_MISSING_TTL:
                continue  # asked recently: no HTML (re-runs of a day do not ask again)
            target = str(paper) if suffix == ".html" else paper.base  # ar5iv serves the latest version under the bare id
            try:
                self.http.download(url.format(target), dest, self.limits)
            except NotFound:
                log.info("%s: no HTML at %s; trying the next source", paper, url.format(target))
                dest.unlink(missing_ok=True)
                missing.touch()
                continue
            except NoNetwork:
                raise  # no source can be reached: say so once, instead of trying the next two
            except SourceError as exc:  # arXiv busy or unreachable: try the next source now, this one again next time
                log.info("%s: no HTML at %s (%s); trying the next source", paper, url.format(target), exc)
                dest.unlink(missing_ok=True)
                continue
            if _usable_html(dest):
                missing.unlink(missing_ok=True)
                return dest
            dest.unlink(missing_ok=True)
            missing.touch()
        return self.fetch_pdf(paper)

    def fetch_pdf(self, paper: ArxivId) -> Path:
        paper = self._versioned(paper)
        dest = self.pdf_dir / f"{paper.filename_stem}.pdf"
        if dest.exists():
            try:
                verify_pdf(dest)
                return dest  # cached by (id, version), and still whole
            except PaperError as exc:
                log.warning("dropping a bad cached PDF and fetching it again: %s", exc)
                dest.unlink(missing_ok=True)
        problem = ""
        for _ in range(2):  # a complete-looking but broken body gets one more download
            self.http.download(self.pdf_url.format(paper), dest, self.limits)
            with dest.open("rb") as fh:
                if not fh.read(5).startswith(b"%PDF"):
                    dest.unlink(missing_ok=True)
                    raise PaperError(f"{paper}: arXiv did not return a PDF (it may still be processing)")
            try:
                verify_pdf(dest)  # only verified files stay in the cache
                return dest
            except PaperError as exc:
                problem = str(exc)
                dest.unlink(missing_ok=True)
        raise PaperError(f"{paper}: arXiv sent a broken PDF twice ({problem})")


PAPER_FILE_SUFFIXES = (".pdf", ".html", ".htm")


def resolve_paper_arg(arg: str, source: PaperSource | None) -> tuple[Path, ArxivId | None]:
    """A command-line paper argument: a PDF or arXiv HTML file, or an arXiv id or URL fetched through the source (HTML first)."""
    if not arg.strip():
        raise ConfigError("the paper is empty: give a PDF or HTML file, or an arXiv id such as 2002.08909")
    path = Path(arg)
    if path.is_dir():
        raise PaperError(f"{path}: is a directory, not a PDF or HTML file; give one paper file, or an arXiv id")
    if path.suffix.lower() in PAPER_FILE_SUFFIXES and "://" not in arg or path.exists():
        if not path.exists():
            raise PaperError(f"{path}: file not found")
        return path, arxiv_id_from_filename(path.name)
    paper = parse_arxiv_id(arg)
    if source is None:
        raise ConfigError(f"{arg}: an arXiv id needs a source (online, or --offline-dir)")
    return fetch_paper(source, paper), paper
