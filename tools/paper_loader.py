"""One way to open a paper from whatever names it: an arXiv id or URL, a PDF, or an arXiv HTML page.

`sections`, `investigate`, the MCP server and any other front end load papers here, so they
all read the same source in the same order (arXiv HTML, ar5iv, PDF) and share the cache.
"""

from __future__ import annotations

from pathlib import Path

from tools.arxiv_ids import parse_arxiv_id
from tools.errors import ConfigError
from tools.paper_cache import PaperCache
from tools.paper_model import PaperDocument
from tools.sources import PAPER_FILE_SUFFIXES, PaperSource, resolve_paper_arg


def parsed_before(arg: str, cache: PaperCache) -> PaperDocument | None:
    """A paper named by arXiv id (with or without version) that was parsed before: no file, no network needed."""
    if Path(arg).suffix.lower() in PAPER_FILE_SUFFIXES or Path(arg).exists():
        return None
    try:
        pid = parse_arxiv_id(arg)
    except ConfigError:
        return None
    return cache.cached(str(pid))


def load_paper(arg: str, source: PaperSource | None, cache: PaperCache) -> PaperDocument:
    """The parsed paper named by `arg` (id, URL, .pdf or .html path); ids and URLs not parsed before are fetched through `source`."""
    doc = parsed_before(arg, cache)
    if doc is not None:
        return doc
    path, paper_id = resolve_paper_arg(arg, source)
    return cache.load(path, str(paper_id) if paper_id and paper_id.versioned else None)
