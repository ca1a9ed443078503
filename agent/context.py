"""What every node needs at run time: models, sources, storage, prompts and the clock.

It reaches nodes through LangGraph's `context_schema`, so tests hand in fakes.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from agent.config import Profile
from agent.llm import LLMRegistry
from agent.prompts import PromptLibrary
from tools.feeds import PaperMeta
from tools.ledger import Ledger
from tools.paper_cache import PaperCache
from tools.paper_model import PaperDocument
from tools.reader_tools import PaperIndex
from tools.sources import PaperSource

Events = Callable[[str, dict], None]


def _utcnow() -> datetime:
    return datetime.now(timezone.utc)


def _ignore(kind: str, data: dict) -> None:
    pass


@dataclass
class Context:
    profile: Profile
    llm: LLMRegistry
    source: PaperSource
    ledger: Ledger
    papers: PaperCache
    prompts: PromptLibrary
    now: Callable[[], datetime] = _utcnow
    events: Events = _ignore  # progress reports: ("paper", {...}), ("stage", {...})
    cache_dir: Path | None = None  # keyword expansions
    _docs: OrderedDict = field(default_factory=OrderedDict, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def _entry(self, meta: PaperMeta, pdf: Path | None = None) -> tuple[PaperDocument, PaperIndex]:
        key = meta.versioned_id
        with self._lock:
            if key in self._docs:
                self._docs.move_to_end(key)
                return self._docs[key]
        doc = self.papers.load(pdf or self.source.fetch_pdf(meta.id), key)
        entry = (doc, PaperIndex(doc))
        with self._lock:
            self._docs[key] = entry
            while len(self._docs) > 16:
                self._docs.popitem(last=False)
        return entry

    def load_paper(self, meta: PaperMeta, pdf: Path | None = None) -> PaperDocument:
        """The parsed paper (fetching the PDF once); a few stay in memory for the nodes that follow."""
        return self._entry(meta, pdf)[0]

    def paper_index(self, meta: PaperMeta) -> PaperIndex:
        """The paper's search index, built once per paper and shared by its tool turns."""
        return self._entry(meta)[1]

    @property
    def language(self) -> str:
        return self.profile.language


def context_of(runtime) -> Context:
    """The run's Context; when a client (LangGraph Studio, `langgraph dev`) sends none, the environment's default."""
    ctx = runtime.context
    if isinstance(ctx, Context):
        return ctx
    from agent.studio import default_context  # built lazily: it opens files and databases

    return default_context(ctx if isinstance(ctx, dict) else {})
