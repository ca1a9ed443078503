"""Progress on the console: stages as lines, papers as live rows."""

from __future__ import annotations

import threading

from rich.console import Console
from rich.markup import escape
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from agent.roles import MODEL_ROLES


class ConsoleProgress:
    def __init__(self, console: Console):
        self.console = console
        # Not a terminal (cron, a log file): plain lines as things happen, not a live display drawn at the end.
        self.live = console.is_terminal
        self.progress = Progress(SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(), console=console, transient=False)
        self.tasks: dict[str, int] = {}
        self.lock = threading.Lock()

    def __enter__(self):
        if self.live:
            self.progress.start()
        return self

    def __exit__(self, *exc):
        if self.live:
            self.progress.stop()

    def __call__(self, kind: str, data: dict) -> None:
        with self.lock:
            # Paper ids, titles and details come from feeds and papers: printed as text, never as markup.
            if kind == "stage":
                self.console.print(f"[bold cyan]•[/] {escape(str(data.get('name')))}: {escape(str(data.get('detail', '')))}", highlight=False)
            elif kind == "paper" and not self.live:
                self.console.print(f"  {data['id']}: {step_text(data)}", markup=False, highlight=False)
            elif kind == "paper":
                pid = data["id"]
                if pid not in self.tasks:
                    self.tasks[pid] = self.progress.add_task(pid, total=1)
                text = escape(f"{pid}: {step_text(data)}")
                if data.get("done"):
                    mark = "[red]✗[/]" if data.get("step") == "failed" else "[green]✓[/]"
                    self.progress.update(self.tasks[pid], description=f"{mark} {text}", completed=1)
                else:
                    self.progress.update(self.tasks[pid], description=text)


def step_text(data: dict) -> str:
    """A paper's step; a failure says why in a phrase (the report's 附录 C has it whole)."""
    step, why = str(data.get("step", "")), " ".join(str(data.get("why") or "").split())
    return f"{step} ({why[:117] + '...' if len(why) > 120 else why})" if why else step


def usage_table(usage: dict) -> Table:
    table = Table("role", "calls", "input tokens", "output tokens", "seconds", title="Model use", box=None)
    totals = [0, 0, 0, 0.0]
    for role in MODEL_ROLES:
        u = usage.get(role)
        if not u:
            continue
        table.add_row(role, str(u["calls"]), str(u["input_tokens"]), str(u["output_tokens"]), f"{u['seconds']:.1f}")
        totals = [totals[0] + u["calls"], totals[1] + u["input_tokens"], totals[2] + u["output_tokens"], totals[3] + u["seconds"]]
    table.add_row("[bold]total", str(totals[0]), str(totals[1]), str(totals[2]), f"{totals[3]:.1f}")
    return table
