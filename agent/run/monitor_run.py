"""One monitoring run: context, checkpointed graph, resume or reuse, report files, ledger."""

from __future__ import annotations

import fcntl
import hashlib
import json
import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from agent.config import Profile
from agent.context import Context, Events, embedder_for, ignore_events
from agent.delivery.deliver import deliver_report, flush_outbox
from agent.llm.registry import LLMRegistry
from agent.prompts import PromptLibrary
from agent.publish.render import write_report_files
from agent.roles import MODEL_ROLES
from agent.run.checkpoints import open_checkpointer
from graphs.monitor import build_monitor_graph
from tools.arxiv_ids import parse_arxiv_id
from tools.feeds import PaperMeta
from tools.ledger import Ledger
from tools.library import read_library
from tools.paper_cache import PaperCache, atomic_write_text
from tools.sources import OfflineSource, PaperSource

log = logging.getLogger(__name__)


@dataclass
class RunOutcome:
    day: str
    paths: dict[str, Path]
    report: dict
    status: str  # "completed", "resumed", "reused" or "recomputed"
    seconds: float
    usage: dict = field(default_factory=dict)
    deliveries: list = field(default_factory=list)  # what went out to each channel


@contextmanager
def profile_lock(data_dir: Path, profile: str, events: Events) -> Iterator[None]:
    """One run per profile at a time; a second run waits, then finds the work done."""
    lock_path = data_dir / "locks" / f"{profile}.lock"
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    with lock_path.open("w") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            events("stage", {"name": "wait", "detail": f"another run of {profile} is in progress; waiting for it"})
            fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def thread_id(profile: Profile, day: date) -> str:
    return f"{profile.name}:{day.isoformat()}"


def run_day_for(source: PaperSource, requested: date | None, today: date) -> date:
    """The day a run is keyed by: --date, else the latest recorded day offline, else today."""
    if requested is not None:
        return requested
    if isinstance(source, OfflineSource):
        latest = source.latest_day()
        if latest is not None:
            return latest
    return today


def run_monitor(
    profile: Profile,
    *,
    registry: LLMRegistry,
    source: PaperSource,
    day: date | None = None,
    out_dir: Path | None = None,
    prompts: PromptLibrary | None = None,
    fresh: bool = False,
    events: Events = ignore_events,
    now=None,
    deliver_sleep=time.sleep,
    judge_only: bool = False,
) -> RunOutcome:
    started = time.perf_counter()
    prompts = prompts or PromptLibrary(profile.prompts)
    prompts.validate()
    read_library(profile.library)  # a broken library file stops the run before anything is fetched
    data_dir = profile.data_dir
    run_day = run_day_for(source, day, (now() if now else datetime.now()).date())
    with profile_lock(data_dir, profile.name, events):
        ledger = Ledger(data_dir / "ledger.sqlite")
        checkpointer = open_checkpointer(data_dir / "checkpoints.sqlite")
        embedder = embedder_for(profile, registry)
        try:
            ctx = Context(
                profile=profile, llm=registry, source=source, ledger=ledger, papers=PaperCache(data_dir / "papers"),
                prompts=prompts, events=events, cache_dir=data_dir / "cache", embedder=embedder,
            )
            if now is not None:
                ctx.now = now
            if judge_only:
                return _judge_only(profile, ctx, run_day, out_dir, started)
            # Reports of earlier days that have not gone out are sent first (补发), so today's report lists only what is still missing.
            deliveries = flush_outbox(profile, ledger, sleep=deliver_sleep, now=now) if profile.delivery else []
            graph = build_monitor_graph(checkpointer)
            config = {
                "configurable": {"thread_id": thread_id(profile, run_day)},
                "max_concurrency": profile.reader.concurrency,
                "recursion_limit": 100 + 40 * profile.max_papers,
            }
            fingerprint = run_fingerprint(profile, prompts, registry)
            stored = read_fingerprint(data_dir, profile.name, run_day)
            if fresh:
                # Forget the day entirely: its checkpoints and the PDFs downloaded for it (they are fetched again).
                checkpointer.delete_thread(config["configurable"]["thread_id"])
                for vid in ledger.versions_seen_on(profile.name, run_day):
                    (data_dir / "pdfs" / f"{parse_arxiv_id(vid).filename_stem}.pdf").unlink(missing_ok=True)
            snapshot = graph.get_state(config)
            why_again = None if snapshot.next else rerun_reason(snapshot.values.get("report"), stored, fingerprint)
            if why_again:
                # What shaped the day changed, or part of it failed: recompute it rather than re-render a stale report.
                events("stage", {"name": "recompute", "detail": f"{run_day} was done before, but {why_again}; computing it again"})
                checkpointer.delete_thread(config["configurable"]["thread_id"])
                ledger.forget_day(profile.name, run_day)
                snapshot = graph.get_state(config)
            if not (snapshot.values.get("report") and not snapshot.next):
                # Recorded before the day is computed, not after its files are written: when writing the report fails
                # (a full disk), the rerun finds a finished checkpoint with its inputs and re-renders it, no recompute.
                write_fingerprint(data_dir, profile.name, run_day, fingerprint)
            if snapshot.values.get("report") and not snapshot.next:
                status = "reused"
                events("stage", {"name": "reuse", "detail": f"{run_day} was already done; re-rendering its report (no model calls)"})
                final = snapshot.values
            elif snapshot.next:
                status = "resumed"
                done = len(snapshot.values.get("results", []))
                events("stage", {"name": "resume", "detail": f"resuming an interrupted run: {done} paper(s) already finished"})
                final = graph.invoke(None, config, context=ctx, durability="sync")
            else:
                status = "recomputed" if why_again else "completed"
                final = graph.invoke({"day": run_day.isoformat()}, config, context=ctx, durability="sync")
            report = final["report"]
            target = (out_dir or profile.output_dir) / profile.name / report["date"]
            paths = write_report_files(report, target)
            reported_day = date.fromisoformat(report["date"])
            written = [_reported_meta(p) for p in report["papers"]]
            ledger.mark_reported(profile.name, written, reported_day)
            if not profile.delivery:
                ledger.mark_delivered(profile.name, reported_day)  # the files are the delivery; with channels, only after the send
            ledger.record_run(profile.name, reported_day, status, report["counts"])
            if profile.delivery:
                early = {(d.day, d.channel) for d in deliveries}  # sent before the graph ran: not "skipped" a second time
                deliveries += [d for d in deliver_report(profile, report, paths, ledger, sleep=deliver_sleep, now=now)
                               if (d.day, d.channel) not in early]
            for d in deliveries:
                if d.status != "skipped":
                    events("stage", {"name": "deliver", "detail": d.describe()})
        finally:
            ledger.close()
            checkpointer.conn.close()
            if embedder is not None:
                embedder.close()
    return RunOutcome(day=report["date"], paths=paths, report=report, status=status, seconds=time.perf_counter() - started,
                      usage=registry.usage.as_dict(), deliveries=deliveries)


def _judge_only(profile: Profile, ctx: Context, run_day: date, out_dir: Path | None, started: float) -> RunOutcome:
    """Search and judge only, for tuning a profile in seconds: no checkpoint, no PDF, no delivery, nothing marked
    reported; the report goes to a judge-only folder beside the day's full report, which it never replaces."""
    final = build_monitor_graph(None).invoke({"day": run_day.isoformat(), "judge_only": True}, context=ctx)
    report = final["report"]
    paths = write_report_files(report, (out_dir or profile.output_dir) / profile.name / report["date"] / "judge-only")
    return RunOutcome(day=report["date"], paths=paths, report=report, status="judged", seconds=time.perf_counter() - started,
                      usage=ctx.llm.usage.as_dict(), deliveries=[])


# --- what shaped a day's report ----------------------------------------------------------------


def run_fingerprint(profile: Profile, prompts: PromptLibrary, registry: LLMRegistry) -> dict[str, str]:
    """Hashes of everything that shapes a day's report, part by part, so a rerun can say what changed."""
    def digest(value) -> str:
        return hashlib.sha256(json.dumps(value, sort_keys=True, ensure_ascii=False, default=str).encode()).hexdigest()[:16]

    # Where files go, where reports are delivered and how many papers are read at once do not change a report.
    topics = profile.model_dump(mode="json", exclude={"output_dir": True, "data_dir": True, "models": True, "prompts": True,
                                                      "delivery": True, "report_url": True, "database": True,
                                                      "reader": {"concurrency"}})
    return {
        "profile": digest(topics),
        "prompts": digest(prompts.metadata),
        "models": digest({role: registry.describe(role) for role in MODEL_ROLES}),
        # The library's content, not its file names: an edited export changes what the semantic stage selects.
        # Likes and dislikes are left out on purpose: they shape the next days, not a finished one.
        "library": digest([_file_digest(p) for p in profile.library]),
    }


def _file_digest(path: Path) -> str:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return f"missing:{path}"


def _fingerprint_path(data_dir: Path, profile: str, day: date) -> Path:
    return data_dir / "runs" / profile / f"{day.isoformat()}.json"


def read_fingerprint(data_dir: Path, profile: str, day: date) -> dict[str, str] | None:
    path = _fingerprint_path(data_dir, profile, day)
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def write_fingerprint(data_dir: Path, profile: str, day: date, fingerprint: dict[str, str]) -> None:
    atomic_write_text(_fingerprint_path(data_dir, profile, day), json.dumps(fingerprint, indent=1) + "\n")


_PART_NAMES = {"profile": "the profile (topics, keywords, limits)", "prompts": "the prompts", "models": "the models",
               "library": "the library"}


def rerun_reason(report: dict | None, stored: dict[str, str] | None, current: dict[str, str]) -> str | None:
    """Why a finished day must be computed again, or None when its report still stands."""
    if report is None:
        return None
    if stored is None:
        return "it was made by a version that did not record its inputs"
    # A part an older version did not record (the library) is not counted as changed.
    changed = [_PART_NAMES[k] for k in current if k in stored and stored[k] != current[k]]
    if changed:
        return f"{', '.join(changed)} changed since"
    failed = len(report.get("failures", []))
    degraded = len(report.get("run", {}).get("degraded", []))
    if failed or degraded:
        return f"{failed} paper(s) failed and {degraded} model call(s) fell back last time"
    return None


def _reported_meta(paper: dict) -> PaperMeta:
    pid = parse_arxiv_id(paper["arxiv_id"])
    return PaperMeta(arxiv_id=pid.base, version=pid.version or 1, title=paper["title"])
