"""The context a graph gets when LangGraph Studio / `langgraph dev` runs it without one.

Configured from the environment: ARXIV_MONITOR_PROFILE (default profiles/sample.toml),
ARXIV_MONITOR_OFFLINE_DIR (a recorded day; when set, or when no model is
configured, the bundled sample day is replayed offline), plus the usual model
variables (ARXIV_MONITOR_MODEL, ARXIV_MONITOR_BASE_URL, ARXIV_MONITOR_API_KEY).
"""

from __future__ import annotations

import os
import threading
from datetime import date
from pathlib import Path

from agent.config import environment, load_profile, resolve_models
from agent.context import Context
from agent.investigate import InvestigateContext
from agent.llm import build_registry
from agent.prompts import PromptLibrary
from agent.sources_factory import REPO_ROOT, make_source
from tools.ledger import Ledger
from tools.paper_cache import PaperCache

_lock = threading.RLock()
_cached: dict[str, Context] = {}


def default_context(overrides: dict) -> Context:
    profile_path = Path(overrides.get("profile") or os.environ.get("ARXIV_MONITOR_PROFILE") or REPO_ROOT / "profiles" / "sample.toml")
    key = str(profile_path)
    with _lock:
        if key not in _cached:
            profile = load_profile(profile_path)
            registry = build_registry(resolve_models(profile, environment()))
            offline_dir = os.environ.get("ARXIV_MONITOR_OFFLINE_DIR")
            source = make_source(
                offline=registry.fully_offline, offline_dir=Path(offline_dir) if offline_dir else None,
                data_dir=profile.data_dir, today=date.today(),
            )
            _cached[key] = Context(
                profile=profile, llm=registry, source=source, ledger=Ledger(profile.data_dir / "ledger.sqlite"),
                papers=PaperCache(profile.data_dir / "papers"), prompts=PromptLibrary(profile.prompts),
                cache_dir=profile.data_dir / "cache",
            )
        return _cached[key]


_papers: dict[str, InvestigateContext] = {}


def default_investigate_context(paper: dict) -> InvestigateContext:
    """A session context for the paper named in the input: {"source": PDF path or arXiv id}."""
    from tools.sources import resolve_paper_arg

    key = str(paper.get("source") or paper.get("arxiv_id") or "")
    with _lock:
        if key not in _papers:
            base = default_context({})
            pdf, pid = resolve_paper_arg(key, base.source)
            doc = base.papers.load(pdf, str(pid) if pid and pid.versioned else None)
            _papers[key] = InvestigateContext(llm=base.llm, prompts=base.prompts, doc=doc, reader=base.profile.reader)
        return _papers[key]
