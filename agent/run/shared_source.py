"""A paper source shared by every profile of a run: each category's feed is read once, each PDF fetched once."""

from __future__ import annotations

import threading
from collections import Counter
from datetime import date
from pathlib import Path

from tools.arxiv_ids import ArxivId
from tools.feeds import Feed, PaperMeta
from tools.sources import DayAnnouncements, PaperSource, select_day


class SharedSource:
    """Wraps a source (arXiv or a recorded day) for a many-profile run.

    A profile asks for its categories; the wrapper asks the source one category at a time and
    keeps each answer, so a category that three profiles follow is fetched once, and every
    request still goes through the one polite HTTP client (arXiv's pacing is shared).
    """

    def __init__(self, source: PaperSource):
        self.source = source
        self.offline = source.offline
        self.feed_requests: Counter[str] = Counter()  # category -> fetches from the source
        self.feed_asks: Counter[str] = Counter()  # category -> times a profile asked for it
        self.pdf_requests: Counter[str] = Counter()
        self._feeds: dict[tuple[str, date | None], DayAnnouncements] = {}
        self._pdfs: dict[str, Path] = {}
        self._lock = threading.Lock()
        self._paper_locks: dict[str, threading.Lock] = {}

    def _category(self, category: str, day: date | None) -> DayAnnouncements:
        with self._lock:
            self.feed_asks[category] += 1
            if (category, day) not in self._feeds:
                self._feeds[(category, day)] = self.source.announcements([category], day)
                self.feed_requests[category] += 1
            return self._feeds[(category, day)]

    def announcements(self, categories: list[str], day: date | None = None) -> DayAnnouncements:
        parts = [self._category(c, day) for c in categories]
        found = next((p.day for p in parts if p.day is not None), day)
        feeds = [Feed(source=",".join(p.sources), title=c, categories=[c], announced=p.day, entries=p.entries)
                 for c, p in zip(categories, parts, strict=True)]
        sources = list(dict.fromkeys(s for p in parts for s in p.sources))
        problems = list(dict.fromkeys(x for p in parts for x in p.problems))
        return select_day(feeds, categories, found, sources, backfill=any(p.backfill for p in parts), problems=problems)

    def lookup(self, ids: list[ArxivId]) -> dict[str, PaperMeta]:
        return self.source.lookup(ids)

    def fetch_pdf(self, paper: ArxivId) -> Path:
        key = str(paper)
        with self._lock:
            lock = self._paper_locks.setdefault(key, threading.Lock())
        with lock:  # two profiles reading the same paper at once wait for one download
            if key not in self._pdfs:
                self._pdfs[key] = self.source.fetch_pdf(paper)
                with self._lock:
                    self.pdf_requests[key] += 1
            return self._pdfs[key]
