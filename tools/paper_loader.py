"""One way to open a paper from whatever names it: an arXiv id or URL, a PDF, or an arXiv HTML page.

`sections`, `investigate` and any other front end load papers here, so they all
read the same source in the same order (arXiv HTML, ar5iv, PDF) and share the cache.
"""

from __future__ import annotations

from tools.paper_cache import PaperCache
from tools.paper_model import PaperDocument
from tools.sources import PaperSource, resolve_paper_arg


def load_paper(arg: str, source: PaperSource | None, cache: PaperCache) -> PaperDocument:
    """The parsed paper named by `arg` (id, URL, .pdf or .html path); ids and URLs are fetched through `source`."""
    path, paper_id = resolve_paper_arg(arg, source)
    return cache.load(path, str(paper_id) if paper_id and paper_id.versioned else None)
