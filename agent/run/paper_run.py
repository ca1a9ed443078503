"""One paper through the per-paper subgraph, outside a daily run: the session's /report and the eval harness."""

from __future__ import annotations

from datetime import date
from functools import cache
from pathlib import Path

from agent.config import Profile
from agent.context import Context
from agent.llm.registry import LLMRegistry
from agent.prompts import PromptLibrary
from agent.state import PaperResult, RelevanceVerdict
from graphs.paper import build_paper_graph
from tools.arxiv_ids import ArxivId
from tools.errors import PaperError
from tools.feeds import PaperMeta
from tools.ledger import Ledger
from tools.paper_cache import PaperCache
from tools.sources import PaperSource


class OnePaperSource:
    """A source that holds one PDF: what the paper subgraph fetches when a user names a file."""

    offline = True

    def __init__(self, pdf: Path):
        self.pdf = pdf

    def announcements(self, categories, day=None):
        raise PaperError("a one-paper source has no announcements")

    def lookup(self, ids):
        return {}

    def fetch_pdf(self, paper: ArxivId) -> Path:
        return self.pdf


def one_paper_context(
    profile: Profile, registry: LLMRegistry, prompts: PromptLibrary, *, source: PaperSource | None, papers: PaperCache
) -> Context:
    """A context for reading papers one at a time, with a throw-away ledger (nothing is recorded as reported)."""
    return Context(profile=profile, llm=registry, source=source, ledger=Ledger(":memory:"), papers=papers, prompts=prompts)


@cache
def _paper_graph():
    return build_paper_graph()


def run_paper(ctx: Context, meta: PaperMeta, verdict: RelevanceVerdict | None = None) -> PaperResult:
    """Read, write and self-check one paper; a paper the user chose counts as relevant."""
    verdict = verdict or RelevanceVerdict(arxiv_id=meta.versioned_id, score=10, relevant=True, reason="用户指定研究的论文，未做相关性判断", stage="user")
    ctx.ledger.observe(ctx.profile.name, [meta], date.today())
    return _paper_graph().invoke({"paper": meta, "verdict": verdict}, context=ctx)["results"][0]
