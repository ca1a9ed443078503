"""Papers named by an MCP client, opened through the loader the `sections` and `investigate` commands use.

`paper` may be an arXiv id, an arXiv URL (abs, pdf or html) or a local file; ids
are fetched through the run's source (arXiv with the shared 3-second pacing, or a
recorded directory) and parsed once into the on-disk paper cache. The last few
opened papers stay in memory with their search index.
"""

from __future__ import annotations

import logging
import re
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from agent.config import ReaderSettings
from agent.investigate import InvestigateContext
from agent.llm.registry import LLMRegistry
from agent.prompts import PromptLibrary
from tools.arxiv_ids import arxiv_id_from_filename, parse_arxiv_id
from tools.errors import ConfigError
from tools.paper_cache import PaperCache
from tools.paper_loader import parsed_before
from tools.paper_model import PaperDocument
from tools.reader_tools import PaperIndex
from tools.sources import PaperSource, resolve_paper_arg

log = logging.getLogger(__name__)

_ARXIV_URL = re.compile(r"^https?://(?:www\.|export\.)?arxiv\.org/(?:abs|pdf|html)/(?P<id>[^?#]+?)(?:\.pdf)?/?(?:[?#].*)?$", re.I)
KEEP_OPEN = 8  # parsed papers kept in memory; the rest are a cache file away


def paper_argument(paper: str) -> str:
    """An arXiv URL becomes its id; anything else is passed on as given (id or local path)."""
    text = paper.strip()
    if not text:
        raise ConfigError("the paper is empty: give an arXiv id such as 2002.08909, an arXiv URL or a local PDF path")
    if re.match(r"^[a-z][a-z0-9+.-]*://", text, re.I):
        m = _ARXIV_URL.match(text)
        if not m:
            raise ConfigError(f"{text} is not an arXiv URL; give an arXiv id, an arxiv.org/abs/ or /pdf/ URL, or a local file path")
        return str(parse_arxiv_id(m["id"]))
    return text


@dataclass
class OpenPaper:
    doc: PaperDocument
    source: Path
    arxiv_id: str | None  # with version when known
    ctx: InvestigateContext = field(repr=False)

    @property
    def index(self) -> PaperIndex:
        return self.ctx.index

    @cached_property
    def as_ref(self) -> dict:
        """How the investigate graph names the paper."""
        return {"source": str(self.source), "arxiv_id": self.arxiv_id, "title": self.doc.title}


class PaperShelf:
    """Opens papers for the tools; thread-safe (the SDK runs each tool call in a worker thread)."""

    def __init__(self, data_dir: Path, source: Callable[[], PaperSource], *, registry: LLMRegistry, prompts: PromptLibrary,
                 reader: ReaderSettings):
        self.cache = PaperCache(data_dir / "papers")
        self._make_source = source
        self._source: PaperSource | None = None
        self.registry, self.prompts, self.reader = registry, prompts, reader
        self._open: OrderedDict[str, OpenPaper] = OrderedDict()
        self._lock = threading.Lock()  # one paper is fetched and parsed at a time: a second call for it waits and reuses it

    @property
    def source(self) -> PaperSource:
        if self._source is None:
            self._source = self._make_source()
        return self._source

    def open(self, paper: str) -> OpenPaper:
        arg = paper_argument(paper)
        with self._lock:
            if arg in self._open:
                self._open.move_to_end(arg)
                return self._open[arg]
            opened = self._load(arg)
            self._open[arg] = opened
            while len(self._open) > KEEP_OPEN:
                self._open.popitem(last=False)
            return opened

    def _load(self, arg: str) -> OpenPaper:
        doc = parsed_before(arg, self.cache)  # an id parsed before answers without a network, as in `investigate`
        if doc is not None:
            source, arxiv_id = Path(doc.source), doc.arxiv_id
        else:
            log.info("opening %s", arg)
            source, pid = resolve_paper_arg(arg, self.source)
            # A source names the file it fetched by id and version (2002.08909v1.pdf): that version is the one read.
            arxiv_id = str(pid) if pid and pid.versioned else _versioned_from_name(source, pid)
            doc = self.cache.load(source, arxiv_id)
        ctx = InvestigateContext(llm=self.registry, prompts=self.prompts, doc=doc, reader=self.reader)
        return OpenPaper(doc=doc, source=source, arxiv_id=arxiv_id, ctx=ctx)


def _versioned_from_name(path: Path, pid) -> str | None:
    if pid is None:
        return None
    named = arxiv_id_from_filename(path.name)
    return str(named) if named is not None and named.base == pid.base and named.versioned else None
