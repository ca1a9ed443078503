"""What a many-profile run shared, counted for its summary line and the benchmark."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING

from agent.shared_analysis import analysis_key

if TYPE_CHECKING:
    from agent.run.lab_run import LabRun
    from agent.run.monitor_run import RunOutcome


@dataclass
class LabSummary:
    profiles: int
    selections: int  # papers chosen, summed over profiles
    papers: int  # distinct analyses those selections needed
    analysed_here: int  # read, written and checked by this worker
    analysed_elsewhere: int  # by other workers on the same database
    parsed_here: int  # PDFs parsed by this process (the rest came from the parse cache)
    feed_requests: int  # category feeds fetched from the source
    feed_asks: int  # category feeds the profiles asked for
    pdf_fetches: int
    took_over: list[str] = field(default_factory=list)  # tasks whose earlier claim had expired
    workers: list[str] = field(default_factory=list)  # the other workers that finished a paper or report of the day
    done_before: bool = False  # every report of the day was made by an earlier run: re-rendered only

    def line(self) -> str:
        shared = self.selections - self.papers
        if self.done_before:
            return f"the day was done before for all {self.profiles} profile(s) ({self.papers} paper(s) read once); reports re-rendered, nothing read"
        text = (f"read {self.papers} paper(s) once for {self.profiles} profile(s) ({self.selections} selections, {shared} shared); "
                f"parsed {self.parsed_here} here; {self.feed_requests} category feed(s) fetched for {self.feed_asks} asked")
        if self.analysed_elsewhere:
            text += f"; {self.analysed_here} read by this worker, {self.analysed_elsewhere} by {len(self.workers)} other worker(s)"
        if self.took_over:
            text += f"; took over {len(self.took_over)} expired claim(s)"
        return text

    def as_dict(self) -> dict:
        return asdict(self)


def count_shared(lab: LabRun, outcomes: dict[str, RunOutcome]) -> LabSummary:
    selections, keys = 0, set()
    for name, ctx in lab.contexts.items():
        chosen = lab.graph.get_state(lab.config(name)).values.get("selected", [])
        selections += len(chosen)
        keys |= {analysis_key(ctx, p) for p in chosen}
    done = lab.store.done_by(lab.batch, "paper")
    mine = {k for k, w in done.items() if w == lab.worker} | (lab.shared.computed & keys)
    others = sorted((set(done.values()) | set(lab.store.done_by(lab.batch, "report").values())) - {lab.worker})
    return LabSummary(
        profiles=len(lab.profiles), selections=selections, papers=len(keys), analysed_here=len(mine),
        analysed_elsewhere=len({k for k, w in done.items() if w != lab.worker and k in keys}),
        parsed_here=len(lab.papers.parsed), feed_requests=sum(lab.source.feed_requests.values()),
        feed_asks=sum(lab.source.feed_asks.values()), pdf_fetches=len(lab.source.pdf_requests),
        took_over=list(lab.took_over), workers=others,
        done_before=lab.rerendered,
    )
