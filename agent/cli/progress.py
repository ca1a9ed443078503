"""Progress on the console: stages as lines, papers as live rows."""

from __future__ import annotations

import threading

from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table


class ConsoleProgress:
    def __init__(self, console: Console):
        self.console = console
        self.progress = Progress(SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(), console=console, transient=False)
        self.tasks: dict[str, int] = {}
        self.lock = threading.Lock()

    def __enter__(self):
        self.progress.start()
        return self

    def __exit__(self, *exc):
        self.progress.stop()

    def __call__(self, kind: str, data: dict) -> None:
        with self.lock:
            if kind == "stage":
                self.progress.console.print(f"[bold cyan]•[/] {data.get('name')}: {data.get('detail', '')}", highlight=False)
            elif kind == "paper":
                pid = data["id"]
                if pid not in self.tasks:
                    self.tasks[pid] = self.progress.add_task(pid, total=1)
                text = f"{pid}: {data.get('step', '')}"
                if data.get("done"):
                    mark = "[red]✗[/]" if data.get("step") == "failed" else "[green]✓[/]"
                    self.progress.update(self.tasks[pid], description=f"{mark} {text}", completed=1)
                else:
                    self.progress.update(self.tasks[pid], description=text)


def usage_table(usage: dict) -> Table:
    table = Table("role", "calls", "input tokens", "output tokens", "seconds", title="Model use", box=None)
    totals = [0, 0, 0, 0.0]
    for role in ("judge", "reader", "writer", "critic"):
        u = usage.get(role)
        if not u:
            continue
        table.add_row(role, str(u["calls"]), str(u["input_tokens"]), str(u["output_tokens"]), f"{u['seconds']:.1f}")
        totals = [totals[0] + u["calls"], totals[1] + u["input_tokens"], totals[2] + u["output_tokens"], totals[3] + u["seconds"]]
    table.add_row("[bold]total", str(totals[0]), str(totals[1]), str(totals[2]), f"{totals[3]:.1f}")
    return table
