"""The arXiv API through the `arxiv` package, with every request going through the polite client."""

from __future__ import annotations

from datetime import date, timedelta

import arxiv
from arxiv import _feed as arxiv_feed  # the package's own Atom parser (arxiv>=4)

from tools.arxiv_ids import ArxivId, parse_arxiv_id
from tools.errors import ConfigError, FeedParseError
from tools.feeds import PaperMeta
from tools.polite_http import PoliteClient

API_URL = "https://export.arxiv.org/api/query?{}"
BATCH = 100


class PoliteArxivClient(arxiv.Client):
    """`arxiv.Client` whose HTTP goes through our pacing, backoff and host allow-list."""

    def __init__(self, http: PoliteClient, page_size: int = BATCH, url_format: str = API_URL):
        # Pacing and retries are ours: the package's own delay and retries are off.
        super().__init__(page_size=page_size, delay_seconds=0.0, num_retries=0)
        self._http = http
        self.query_url_format = url_format

    def _parse_feed(self, url: str, first_page: bool = True, _try_index: int = 0):
        feed = arxiv_feed.parse(self._http.get_bytes(url))
        if feed.malformed and not feed.results:
            raise FeedParseError(f"arXiv API returned an unreadable document for {url}: {feed.error}")
        return feed


def result_to_meta(result: arxiv.Result) -> PaperMeta:
    aid = parse_arxiv_id(result.entry_id)
    cats = list(dict.fromkeys([result.primary_category, *result.categories])) if result.primary_category else list(result.categories)
    return PaperMeta(
        arxiv_id=aid.base,
        version=aid.version or 1,
        title=" ".join(result.title.split()),
        authors=[a.name for a in result.authors],
        abstract=" ".join((result.summary or "").split()),
        categories=cats,
        primary_category=result.primary_category or (cats[0] if cats else ""),
        comment=result.comment or None,
        journal_ref=result.journal_ref or None,
        doi=result.doi or None,
    )


def parse_api_response(data: bytes) -> list[PaperMeta]:
    """Papers in a recorded API response (for offline directories and tests)."""
    feed = arxiv_feed.parse(data)
    if feed.malformed and not feed.results:
        raise FeedParseError(f"unreadable arXiv API response: {feed.error}")
    out = []
    for r in feed.results:
        try:
            out.append(result_to_meta(r))
        except ConfigError:
            continue  # the API's error entries have no paper id
    return out


class ArxivAPI:
    def __init__(self, http: PoliteClient, url_format: str = API_URL):
        self.client = PoliteArxivClient(http, url_format=url_format)

    def lookup(self, ids: list[ArxivId]) -> dict[str, PaperMeta]:
        """Metadata by id, in batches of 100; the key is the id as asked (with or without version)."""
        found: dict[str, PaperMeta] = {}
        for start in range(0, len(ids), BATCH):
            batch = ids[start : start + BATCH]
            search = arxiv.Search(id_list=[str(i) for i in batch], max_results=len(batch))
            for result in self.client.results(search):
                meta = result_to_meta(result)
                for asked in batch:
                    if asked.base == meta.arxiv_id and (asked.version in (None, meta.version)):
                        found[str(asked)] = meta
        return found

    def search(self, query: str, max_results: int = 200) -> list[PaperMeta]:
        search = arxiv.Search(query=query, max_results=max_results, sort_by=arxiv.SortCriterion.SubmittedDate)
        return [result_to_meta(r) for r in self.client.results(search)]

    def backfill(self, categories: list[str], day: date, max_results: int = 1000) -> list[PaperMeta]:
        """Papers submitted in the working day before `day`, for runs on a past date.

        The daily listing of `day` holds roughly the submissions of the previous
        weekday; the API's index can lag the listing by a day, so a back-fill is
        an approximation and the report says so.
        """
        start = day - timedelta(days=3 if day.weekday() == 0 else 1)
        window = f"submittedDate:[{start:%Y%m%d}0000 TO {day:%Y%m%d}0000]"
        cats = " OR ".join(f"cat:{c}" for c in categories)
        metas = self.search(f"({cats}) AND {window}", max_results=max_results)
        for meta in metas:
            in_primary = meta.primary_category in categories or meta.primary_category.split(".")[0] in categories
            if meta.version == 1:
                meta.announce_type = "new" if in_primary else "cross"
            else:
                meta.announce_type = "replace" if in_primary else "replace-cross"
            meta.announced = day
        return metas
