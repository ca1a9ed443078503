"""Many profiles, one run: each feed fetched once per category, each paper read once, a report per profile.

A day is split into claimable tasks in the store, in three phases:
  1. judge   — one task per profile: search and judge, stopping once its papers are chosen;
  2. paper   — one task per analysis (paper and analysis settings), whichever profiles chose it;
  3. report  — one task per profile: its graph resumes, takes the stored analyses with its own
               verdicts, and writes, records and delivers its report.
One worker runs all three alone (SQLite or PostgreSQL). Several workers against one PostgreSQL
split every phase between them: a claim is a leased row taken with FOR UPDATE SKIP LOCKED and
renewed while the worker lives; the claim of a worker that dies expires and another takes it.
"""

from __future__ import annotations

import hashlib
import json
import os
import socket
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from agent.config import Profile
from agent.context import Context, Events, embedder_for, ignore_events
from agent.delivery.deliver import Delivery, deliver_report, flush_outbox
from agent.llm.registry import LLMRegistry
from agent.prompts import PromptLibrary
from agent.publish.render import write_report_files
from agent.run.lab_summary import LabSummary, count_shared
from agent.run.monitor_run import RunOutcome, _reported_meta, run_day_for, run_fingerprint
from agent.run.shared_source import SharedSource
from agent.shared_analysis import SharedAnalyses, analysis_key
from agent.state import PaperResult, RelevanceVerdict
from graphs.monitor import build_monitor_graph
from graphs.paper import build_paper_graph
from tools.errors import ConfigError
from tools.feeds import PaperMeta
from tools.library import read_library
from tools.paper_cache import PaperCache
from tools.sources import PaperSource
from tools.stores import Store, Task, is_postgres, open_store

DEFAULT_LEASE = 120.0  # seconds a claim lasts without renewal; renewed every third of it


def default_worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


@dataclass
class LabProfile:
    """A profile with its own models and prompts, as loaded for the run."""

    profile: Profile
    registry: LLMRegistry
    prompts: PromptLibrary


@dataclass
class LabOutcome:
    day: str
    outcomes: dict[str, RunOutcome]  # the profiles this worker reported
    reported_by_others: dict[str, str]  # profile -> the worker that reported it
    summary: LabSummary
    seconds: float
    store: str = ""
    usage: dict[str, dict] = field(default_factory=dict)  # profile -> model use in this worker


class CountingPaperCache(PaperCache):
    """The parse cache, counting the papers parsed (not found parsed) in this process."""

    def __init__(self, directory: Path):
        super().__init__(directory)
        self.parsed: set[str] = set()
        self._count_lock = threading.Lock()

    def load(self, pdf: Path, arxiv_id: str | None = None):
        path = self._path(arxiv_id) if arxiv_id else None
        fresh = path is None or not path.exists()
        doc = super().load(pdf, arxiv_id)
        if fresh:
            with self._count_lock:
                self.parsed.add(arxiv_id or str(pdf))
        return doc


@contextmanager
def holding(store: Store, task: Task, worker: str, lease: float) -> Iterator[None]:
    """Renew the claim while the work goes on; a worker that dies stops renewing and its claim expires."""
    stop = threading.Event()

    def renew() -> None:
        while not stop.wait(lease / 3):
            store.renew(task, worker, lease)

    beat = threading.Thread(target=renew, name=f"claim-{task.kind}-{task.key}", daemon=True)
    beat.start()
    try:
        yield
    finally:
        stop.set()
        beat.join()


def open_lab_checkpointer(url: str | None, data_dir: Path):
    if is_postgres(url):
        from agent.run.pg_checkpoints import open_postgres_checkpointer

        return open_postgres_checkpointer(url)
    from agent.run.checkpoints import open_checkpointer

    return open_checkpointer(data_dir / "checkpoints.sqlite")


class LabRun:
    def __init__(self, profiles: list[LabProfile], *, source: PaperSource, database: str | None, worker: str,
                 lease: float, out_dir: Path | None, events: Events, now: Callable[[], datetime], poll: float,
                 deliver_sleep: Callable[[float], None], day: date | None = None):
        names = [p.profile.name for p in profiles]
        if len(set(names)) != len(names):
            dup = sorted({n for n in names if names.count(n) > 1})
            raise ConfigError(f"two profiles are named {dup[0]!r}: each profile needs its own name (it names its reports)")
        self.profiles = {p.profile.name: p for p in profiles}
        self.worker, self.lease, self.out_dir, self.events, self.poll = worker, lease, out_dir, events, poll
        self.deliver_sleep, self.now = deliver_sleep, now
        # The first profile's data directory holds what the profiles share (SQLite store, parse cache).
        data_dir = profiles[0].profile.data_dir
        self.store = open_store(database, data_dir)
        self.checkpointer = None
        try:
            self.checkpointer = open_lab_checkpointer(database, data_dir)
        except BaseException:
            self.store.close()
            raise
        self.source = SharedSource(source)
        self.papers = CountingPaperCache(data_dir / "papers")
        self.shared = SharedAnalyses(self.store, worker)
        self.contexts: dict[str, Context] = {}
        for name, lp in self.profiles.items():
            lp.prompts.validate()
            read_library(lp.profile.library)
            ctx = Context(profile=lp.profile, llm=lp.registry, source=self.source, ledger=self.store, papers=self.papers,
                          prompts=lp.prompts, events=_labelled(events, name), cache_dir=lp.profile.data_dir / "cache",
                          embedder=embedder_for(lp.profile, lp.registry), shared=self.shared)
            ctx.now = now
            self.contexts[name] = ctx
        self.graph = build_monitor_graph(self.checkpointer, shared_analyses=True, pause_before_papers=True)
        self.paper_graph = build_paper_graph()
        self.run_day = run_day_for(source, day, now().date())
        self.took_over: list[str] = []
        self.rerendered = False
        self.fingerprints = {n: _digest(run_fingerprint(lp.profile, lp.prompts, lp.registry)) for n, lp in self.profiles.items()}
        self.batch = f"{self.run_day.isoformat()}:{_digest(sorted(self.fingerprints.items()))}"

    def close(self) -> None:
        for ctx in self.contexts.values():
            if ctx.embedder is not None:
                ctx.embedder.close()
        if self.checkpointer is not None:
            self.checkpointer.conn.close()
        self.store.close()

    def config(self, name: str) -> dict:
        # The thread carries what shaped the profile's day: a changed profile, prompt or model starts a new one.
        lp = self.profiles[name]
        return {"configurable": {"thread_id": f"{name}:{self.run_day.isoformat()}:{self.fingerprints[name]}"},
                "max_concurrency": lp.profile.reader.concurrency, "recursion_limit": 100 + 40 * lp.profile.max_papers}

    # --- claiming -------------------------------------------------------------------------------

    def drain(self, kind: str, handle: Callable[[Task], None], threads: int = 1) -> None:
        """Take and do this phase's tasks until none is left unfinished (others' included: a dead worker's expire)."""
        def loop() -> None:
            while True:
                task = self.store.claim(self.batch, kind, self.worker, self.lease)
                if task is None:
                    if self.store.unfinished(self.batch, kind) == 0:
                        return
                    time.sleep(self.poll)  # others hold the rest: wait for them to finish, or for their claims to expire
                    continue
                if task.attempts > 1:
                    self.took_over.append(f"{kind}:{task.key}")
                    self.events("stage", {"name": "take over", "detail": f"{kind} {task.key}: an earlier claim expired; taking it"})
                try:
                    with holding(self.store, task, self.worker, self.lease):
                        handle(task)
                except BaseException:
                    # A failure here (not a death): give the task back now, so a rerun need not wait out the lease.
                    self.store.release(task, self.worker)
                    raise
                self.store.finish(task, self.worker)

        if threads <= 1:
            loop()
            return
        with ThreadPoolExecutor(max_workers=threads) as pool:
            for f in [pool.submit(loop) for _ in range(threads)]:
                f.result()

    # --- the three phases -----------------------------------------------------------------------

    def judge(self, task: Task) -> None:
        name = task.key
        ctx, config = self.contexts[name], self.config(name)
        snapshot = self.graph.get_state(config)
        if not (snapshot.values.get("report") and not snapshot.next) and "paper" not in snapshot.next:
            start = None if snapshot.next else {"day": self.run_day.isoformat()}  # resume a judge that died half-way
            self.graph.invoke(start, config, context=ctx, durability="sync")
            snapshot = self.graph.get_state(config)
        if "paper" not in snapshot.next:
            return  # nothing selected, or the day was already reported
        verdicts = {v.arxiv_id: v for v in snapshot.values.get("verdicts", [])}
        wanted = {}
        for paper in snapshot.values.get("selected", []):
            key = analysis_key(ctx, paper)
            if self.store.analysis(key) is None:
                wanted[key] = {"profile": name, "paper": paper.model_dump(mode="json"),
                               "verdict": verdicts[paper.versioned_id].model_dump(mode="json")}
        self.store.enqueue(self.batch, "paper", wanted)

    def analyse(self, task: Task) -> None:
        if self.store.analysis(task.key) is not None:
            return  # a worker that died after storing it, before marking its task done
        ctx = self.contexts[task.payload["profile"]]
        paper, verdict = PaperMeta.model_validate(task.payload["paper"]), RelevanceVerdict.model_validate(task.payload["verdict"])
        out = self.paper_graph.invoke({"paper": paper, "verdict": verdict}, context=ctx)
        result: PaperResult = out["results"][0]
        self.shared.put(task.key, result)

    def report(self, task: Task, outcomes: dict[str, RunOutcome]) -> None:
        name = task.key
        lp, ctx, config = self.profiles[name], self.contexts[name], self.config(name)
        started = time.perf_counter()
        # Reports of earlier days that have not gone out are sent first (补发), as in a single-profile run.
        early = self.flush(name)
        snapshot = self.graph.get_state(config)
        if snapshot.next:
            final, status = self.graph.invoke(None, config, context=ctx, durability="sync"), "completed"
        else:
            final, status = snapshot.values, "reused"
        report = final["report"]
        paths = write_report_files(report, (self.out_dir or lp.profile.output_dir) / name / report["date"])
        day = date.fromisoformat(report["date"])
        self.store.mark_reported(name, [_reported_meta(p) for p in report["papers"]], day)
        if not lp.profile.delivery:
            self.store.mark_delivered(name, day)  # the files are the delivery; with channels, only once every channel has it
        self.store.record_run(name, day, status, report["counts"])
        deliveries = self.deliver(name, report, paths)
        outcomes[name] = RunOutcome(day=report["date"], paths=paths, report=report, status=status,
                                    seconds=time.perf_counter() - started, usage=lp.registry.usage.as_dict(),
                                    deliveries=_merge(early, deliveries))

    # --- delivery -------------------------------------------------------------------------------

    @contextmanager
    def sending(self, name: str) -> Iterator[None]:
        """One worker at a time sends a profile's outbox (a row in flight is resent by whoever looks next): a claim
        on the profile's `send` task, kept for every day and batch, waited for if held and given back after."""
        kind = f"send:{name}"
        self.store.enqueue("outbox", kind, {name: {}})
        while (task := self.store.claim("outbox", kind, self.worker, self.lease)) is None:
            time.sleep(self.poll)  # another worker is sending this profile's messages; a dead one's claim expires
        try:
            with holding(self.store, task, self.worker, self.lease):
                yield
        finally:
            self.store.release(task, self.worker)

    def flush(self, name: str) -> list[Delivery]:
        """Send the profile's due outbox rows of earlier days (a 补发), as run_monitor does before its graph runs."""
        profile = self.profiles[name].profile
        if not profile.delivery:
            return []
        with self.sending(name):
            deliveries = flush_outbox(profile, self.store, sleep=self.deliver_sleep, now=self.now)
        self._tell(name, deliveries)
        return deliveries

    def deliver(self, name: str, report: dict, paths: dict[str, Path]) -> list[Delivery]:
        """Queue the profile's report on its channels and send it; papers are marked delivered once every channel has it."""
        profile = self.profiles[name].profile
        if not profile.delivery:
            return []
        with self.sending(name):
            deliveries = deliver_report(profile, report, paths, self.store, sleep=self.deliver_sleep, now=self.now)
        self._tell(name, deliveries)
        return deliveries

    def _tell(self, name: str, deliveries: list[Delivery]) -> None:
        for d in deliveries:
            if d.status != "skipped":
                self.contexts[name].events("stage", {"name": "deliver", "detail": d.describe()})

    def rerender(self, outcomes: dict[str, RunOutcome]) -> None:
        """The whole batch was done before: write each report again from its checkpoint (no model), and send what is due."""
        for name, lp in self.profiles.items():
            final = self.graph.get_state(self.config(name)).values
            report = final["report"]
            paths = write_report_files(report, (self.out_dir or lp.profile.output_dir) / name / report["date"])
            # What is still due (this day's report after a failed send, or an earlier day's) goes out, and what is not
            # due yet is listed, as a rerun of one profile does; a day sent before is not sent again.
            outcomes[name] = RunOutcome(day=report["date"], paths=paths, report=report, status="reused", seconds=0.0,
                                        deliveries=self.deliver(name, report, paths))

    def run(self) -> LabOutcome:
        started = time.perf_counter()
        outcomes: dict[str, RunOutcome] = {}
        names = list(self.profiles)
        done_before = self.store.done_by(self.batch, "report")
        if set(done_before) >= set(names):
            self.events("stage", {"name": "reuse", "detail": f"{self.run_day} was done for every profile; re-rendering the reports"})
            self.rerender(outcomes)
            self.rerendered = True
        else:
            self.store.enqueue(self.batch, "judge", {n: {} for n in names})
            self.events("stage", {"name": "judge", "detail": f"searching and judging for {len(names)} profile(s)"})
            self.drain("judge", self.judge)
            threads = max(1, min(lp.profile.reader.concurrency for lp in self.profiles.values()))
            self.events("stage", {"name": "read", "detail": f"reading the chosen papers, each once ({self.store.unfinished(self.batch, 'paper')} left)"})
            self.drain("paper", self.analyse, threads=threads)
            self.store.enqueue(self.batch, "report", {n: {} for n in names})
            self.drain("report", lambda t: self.report(t, outcomes))
        by_others = {k: w for k, w in self.store.done_by(self.batch, "report").items() if k not in outcomes}
        summary = count_shared(self, outcomes)
        return LabOutcome(day=self.run_day.isoformat(), outcomes=outcomes, reported_by_others=by_others, summary=summary,
                          seconds=time.perf_counter() - started, store=self.store.describe(),
                          usage={n: lp.registry.usage.as_dict() for n, lp in self.profiles.items()})


def run_lab(profiles: list[LabProfile], *, source: PaperSource, database: str | None = None, worker: str | None = None,
            lease: float = DEFAULT_LEASE, out_dir: Path | None = None, events: Events = ignore_events, day: date | None = None,
            now: Callable[[], datetime] = datetime.now, poll: float = 0.5, deliver_sleep=time.sleep) -> LabOutcome:
    """One day for many profiles, sharing the work with each other and with any other worker on the same database."""
    if not profiles:
        raise ConfigError("no profiles to run")
    lab = LabRun(profiles, source=source, database=database, worker=worker or default_worker_name(), lease=lease,
                 out_dir=out_dir, events=events, now=now, poll=poll, deliver_sleep=deliver_sleep, day=day)
    try:
        return lab.run()
    finally:
        lab.close()


def _merge(early: list[Delivery], later: list[Delivery]) -> list[Delivery]:
    """The deliveries of a profile's day: those sent before its graph ran, then the report's (not "skipped" a second time)."""
    sent = {(d.day, d.channel) for d in early}
    return early + [d for d in later if (d.day, d.channel) not in sent]


def _digest(value) -> str:
    return hashlib.sha256(json.dumps(value, sort_keys=True, default=str).encode()).hexdigest()[:12]


def _labelled(events: Events, name: str) -> Events:
    def labelled(kind: str, data: dict) -> None:
        events(kind, {**data, "detail": f"[{name}] {data.get('detail', '')}"} if kind == "stage" else data)

    return labelled
