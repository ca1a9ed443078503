"""What a graph run is given, and what its nodes work with.

`RunSettings` is the graph's declared `context_schema`: plain, serialisable
settings that LangGraph Server and Studio build from a request (a profile path,
offline switches, a model name, prompt variants), as in LangChain's react-agent
template. `Context` holds the live objects built from them: model clients,
paper source, ledger, caches, prompts and the clock. A process that runs a graph
itself (the CLI, tests, the eval harness) passes a `Context` directly, so tests
hand in fakes; a server passes settings and `context_of` builds (and caches) the
live objects.
"""

from __future__ import annotations

import json
import os
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace
from datetime import date, datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING

from agent.config import NO_MODEL_CONFIGURED, Profile, environment, load_profile, resolve_embeddings, resolve_models
from agent.llm.registry import LLMRegistry, build_registry
from agent.prompts import PromptLibrary
from agent.sources_factory import REPO_ROOT, make_source
from tools.feeds import PaperMeta
from tools.ledger import Ledger
from tools.paper_cache import PaperCache
from tools.paper_model import PaperDocument
from tools.reader_tools import PaperIndex
from tools.sources import PaperSource, fetch_paper
from tools.stores import database_url, open_store

if TYPE_CHECKING:  # numpy and scikit-learn load only with the judge, not with every command that builds a context
    from agent.relevance.embeddings import Embedder
    from agent.shared_analysis import SharedAnalyses

Events = Callable[[str, dict], None]
DEFAULT_PROFILE = REPO_ROOT / "profiles" / "sample.toml"


def _utcnow() -> datetime:
    return datetime.now(timezone.utc)


def ignore_events(kind: str, data: dict) -> None:
    pass


@dataclass
class RunSettings:
    """The settings a client may send with a run; everything has a default.

    profile: path of a TOML profile (default: $ARXIV_MONITOR_PROFILE, else the sample profile).
    offline: use no model and no network. offline_dir: replay this recorded day
    (default: $ARXIV_MONITOR_OFFLINE_DIR; offline without one replays the bundled sample day).
    model: one model name for every role. prompts: prompt variant per role.
    """

    profile: str = ""
    offline: bool = False
    offline_dir: str = ""
    model: str = ""
    prompts: dict[str, str] = field(default_factory=dict)

    def key(self) -> str:
        return json.dumps(asdict(self), sort_keys=True)


@dataclass
class Context:
    profile: Profile
    llm: LLMRegistry
    source: PaperSource
    ledger: Ledger
    papers: PaperCache
    prompts: PromptLibrary
    now: Callable[[], datetime] = _utcnow
    events: Events = ignore_events  # progress reports: ("paper", {...}), ("stage", {...})
    cache_dir: Path | None = None  # keyword expansions
    embedder: Embedder | None = None  # [models.embeddings]: dense similarity in the semantic stage
    shared: SharedAnalyses | None = None  # a many-profile run: paper analyses shared between profiles
    _docs: OrderedDict = field(default_factory=OrderedDict, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def _entry(self, meta: PaperMeta, pdf: Path | None = None) -> tuple[PaperDocument, PaperIndex]:
        key = meta.versioned_id
        with self._lock:
            if key in self._docs:
                self._docs.move_to_end(key)
                return self._docs[key]
        doc = self.papers.load(pdf or fetch_paper(self.source, meta.id), key)
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


# What a node may find in `runtime.context`: live objects in-process, plain settings from a server.
GraphContext = Context | RunSettings


def resolved_settings(settings: RunSettings) -> RunSettings:
    """Defaults filled in from the environment, so equal runs share one key."""
    return replace(
        settings,
        profile=settings.profile or os.environ.get("ARXIV_MONITOR_PROFILE") or str(DEFAULT_PROFILE),
        offline_dir=settings.offline_dir or os.environ.get("ARXIV_MONITOR_OFFLINE_DIR") or "",
    )


def build_context(settings: RunSettings) -> Context:
    """The live objects for a run described by plain settings."""
    settings = resolved_settings(settings)
    profile = load_profile(Path(settings.profile))
    if settings.prompts:
        profile = profile.model_copy(update={"prompts": {**profile.prompts, **settings.prompts}})
    overrides = {"default": {"model": settings.model}} if settings.model else None
    registry = build_registry(resolve_models(profile, environment(), overrides), offline=settings.offline)
    source = make_source(
        offline=registry.fully_offline, offline_dir=Path(settings.offline_dir) if settings.offline_dir else None,
        data_dir=profile.data_dir, today=date.today(),
    )
    prompts = PromptLibrary(profile.prompts)
    prompts.validate()
    return Context(
        # The lab's PostgreSQL when one is configured, so server runs and CLI workers keep one ledger.
        profile=profile, llm=registry, source=source, ledger=open_store(database_url(profile.database), profile.data_dir),
        papers=PaperCache(profile.data_dir / "papers"), prompts=prompts, cache_dir=profile.data_dir / "cache",
        embedder=embedder_for(profile, registry),
    )


def embedder_for(profile: Profile, registry: LLMRegistry) -> Embedder | None:
    """The embeddings client when `[models.embeddings]` names a model, unless the user asked for an offline run
    (a profile with an embeddings endpoint and no chat model still uses the endpoint)."""
    asked_offline = registry.fully_offline and registry.offline_reason != NO_MODEL_CONFIGURED
    resolved = None if asked_offline else resolve_embeddings(profile, environment())
    if resolved is None:
        return None
    from agent.relevance.embeddings import Embedder

    return Embedder(resolved, profile.data_dir / "semantic" / "embeddings.sqlite")


_built: dict[str, Context] = {}
_built_lock = threading.Lock()


def context_from_settings(settings: RunSettings | dict | None) -> Context:
    """Live objects for these settings, built once per process and reused by later runs."""
    if isinstance(settings, dict):
        settings = RunSettings(**settings)
    settings = resolved_settings(settings or RunSettings())
    key = settings.key()
    with _built_lock:
        if key not in _built:
            _built[key] = build_context(settings)
        return _built[key]


def forget_built_contexts() -> None:
    """Drop cached live contexts (tests switch profiles between runs)."""
    with _built_lock:
        for ctx in _built.values():
            ctx.ledger.close()
        _built.clear()


def context_of(runtime) -> Context:
    """The run's live Context: as passed in-process, or built from the settings a server sent."""
    ctx = runtime.context
    return ctx if isinstance(ctx, Context) else context_from_settings(ctx)
