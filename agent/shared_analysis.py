"""One analysis per paper, however many profiles select it.

What a paper's analysis depends on (the paper version, the report language, the reader and
writer settings, their prompts and models) makes its key; the relevance verdict is not part
of it, since the score and reason belong to each profile. The first profile to need a paper
reads it; every other profile with the same key takes the stored analysis with its own verdict.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from langgraph.runtime import Runtime

from agent.context import GraphContext, context_of
from agent.state import PaperInput, PaperResult
from tools.feeds import PaperMeta

if TYPE_CHECKING:
    from agent.context import Context
    from tools.stores.base import Store

ANALYSIS_ROLES = ("reader", "writer", "critic")
_PACKAGE = Path(__file__).resolve().parents[1]
# The code an analysis comes from: the offline reader's rules, the kind schema and classifier, the parsers, the writer.
_ANALYSIS_CODE = ("agent/reading", "agent/writing", "tools")


@lru_cache(maxsize=2)
def analysis_code_digest(root: Path = _PACKAGE) -> str:
    """A digest of the code that shapes an analysis, so an upgraded reader does not serve analyses its predecessor stored."""
    digest = hashlib.sha256()
    for folder in _ANALYSIS_CODE:
        for path in sorted((root / folder).rglob("*")):
            if path.is_file() and path.suffix in (".py", ".toml", ".jsonl"):
                digest.update(path.relative_to(root).as_posix().encode())
                digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def analysis_settings(ctx: Context) -> dict:
    """Everything besides the paper that shapes its analysis (how many papers are read at once does not)."""
    profile = ctx.profile
    return {
        "language": profile.language,
        "reader": profile.reader.model_dump(mode="json", exclude={"concurrency"}),
        "writer": profile.writer.model_dump(mode="json"),
        "prompts": {role: ctx.prompts.metadata[role] for role in ANALYSIS_ROLES if role in ctx.prompts.metadata},
        "models": {role: ctx.llm.describe(role) for role in ANALYSIS_ROLES},
        "code": analysis_code_digest(),
    }


def analysis_key(ctx: Context, paper: PaperMeta) -> str:
    digest = hashlib.sha256(json.dumps(analysis_settings(ctx), sort_keys=True, ensure_ascii=False).encode()).hexdigest()[:16]
    return f"{paper.versioned_id}:{digest}"


@dataclass
class SharedAnalyses:
    """The store's analyses, and what this process computed or took from them (for the run summary)."""

    store: Store
    worker: str
    computed: set[str] = field(default_factory=set)
    reused: list[str] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def get(self, key: str) -> PaperResult | None:
        found = self.store.analysis(key)
        return PaperResult.model_validate_json(found) if found is not None else None

    def put(self, key: str, result: PaperResult) -> None:
        # The verdict stored is whoever asked first; readers of the analysis replace it with their own.
        self.store.save_analysis(key, result.paper.versioned_id, result.model_dump_json(), self.worker)
        with self._lock:
            self.computed.add(key)

    def took(self, key: str) -> None:
        with self._lock:
            self.reused.append(key)


def shared_paper_node(paper_graph) -> Callable[[PaperInput, Runtime[GraphContext]], dict]:
    """The per-paper subgraph behind the shared analyses: reuse a stored analysis, else read and store it."""

    def paper(state: PaperInput, runtime: Runtime[GraphContext]) -> dict:
        ctx = context_of(runtime)
        shared: SharedAnalyses | None = ctx.shared
        if shared is None:
            return paper_graph.invoke(state, context=runtime.context)
        key = analysis_key(ctx, state["paper"])
        found = shared.get(key)
        if found is None:
            out = paper_graph.invoke(state, context=runtime.context)
            shared.put(key, out["results"][0])
            return out
        shared.took(key)
        # This profile's ledger moves as if it had read the paper itself.
        meta = state["paper"]
        ctx.ledger.mark(ctx.profile.name, meta.arxiv_id, "read")
        if found.status == "written":
            ctx.ledger.mark(ctx.profile.name, meta.arxiv_id, "written")
        return {"results": [found.model_copy(update={"verdict": state["verdict"], "paper": meta})]}

    return paper
