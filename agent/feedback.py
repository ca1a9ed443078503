"""A reader's like or dislike, recorded the same way from the terminal (`feedback`) and from a served report (`serve`).

The semantic stage learns from a paper's title and abstract, so a paper this profile has not seen announced is
looked up (arXiv API, or the recorded day) when its feedback is given.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from tools.arxiv_ids import ArxivId
from tools.errors import MonitorError
from tools.feeds import PaperMeta
from tools.ledger import Ledger
from tools.sources import PaperSource


@dataclass
class FeedbackOutcome:
    paper: str  # id without version
    meta: PaperMeta | None  # title and abstract, when known or found
    lookup_error: str | None = None  # why a lookup failed, if one was made


def look_up(ledger: Ledger, profile: str, pid: ArxivId, source: Callable[[], PaperSource]) -> tuple[PaperMeta | None, str | None]:
    """The paper's metadata from the ledger, else from the source (and then remembered in the ledger)."""
    meta = ledger.latest_meta(profile, pid.base)
    if meta is not None:
        return meta, None
    try:
        meta = next(iter(source().lookup([pid]).values()), None)
    except MonitorError as exc:
        return None, str(exc)
    if meta is not None:
        ledger.observe(profile, [meta], date.today())
    return meta, None


def record_feedback(ledger: Ledger, profile: str, pid: ArxivId, value: str, source: Callable[[], PaperSource]) -> FeedbackOutcome:
    """Record the like or dislike, then find the paper's title and abstract so that it counts from the next run."""
    ledger.record_feedback(profile, pid.base, value)
    meta, error = look_up(ledger, profile, pid, source)
    return FeedbackOutcome(pid.base, meta, error)
