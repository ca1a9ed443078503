"""`arxiv-monitor sections`: the paper's own section tree."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import typer

from agent.cli.app import app, out_console


def section_rows(doc) -> list[dict]:
    return [
        {"id": s.id, "title": s.title, "level": s.level, "page_start": s.page_start, "page_end": s.page_end}
        for s in doc.headings()
    ]


@app.command()
def sections(
    paper: str = typer.Argument(..., help="A PDF file, or an arXiv id such as 2002.08909 or 2002.08909v1."),
    as_json: bool = typer.Option(False, "--json", help="Print only a JSON list of {id, title, level, page_start, page_end}."),
    offline_dir: Path | None = typer.Option(None, "--offline-dir", help="Resolve arXiv ids from this recorded directory instead of arXiv."),
    data_dir: Path | None = typer.Option(None, "--data-dir", help="Where downloaded PDFs and parsed papers are cached (default: the user's cache directory, ~/.cache/arxiv-monitor)."),
) -> None:
    """Print the section tree of a paper, with the paper's own numbers (3, 3.1, A.2) and pages."""
    from rich.markup import escape
    from rich.tree import Tree

    from agent.sources_factory import make_source
    from tools.paper_cache import PaperCache, user_cache_dir

    data_dir = data_dir or user_cache_dir()
    from tools.sources import resolve_paper_arg

    source = make_source(offline=False, offline_dir=offline_dir, data_dir=data_dir, today=date.today())
    pdf, paper_id = resolve_paper_arg(paper, source)
    doc = PaperCache(data_dir / "papers").load(pdf, str(paper_id) if paper_id and paper_id.versioned else None)
    rows = section_rows(doc)
    if as_json:
        typer.echo(json.dumps(rows, ensure_ascii=False))
        return
    # Titles come from the paper: printed as text, never as console markup.
    tree = Tree(f"[bold]{escape(doc.title)}[/] ({doc.page_count} pages, structure from the {doc.structure_source})")
    stack = [(0, tree)]
    for s in doc.headings():
        while stack[-1][0] >= s.level:
            stack.pop()
        label = f"[cyan]{escape(s.id)}[/] {escape(s.title)} [dim]p.{s.page_start}" + (f"-{s.page_end}" if s.page_end != s.page_start else "") + "[/]"
        if s.synthetic:
            label += " [dim](no printed heading)[/]"
        stack.append((s.level, stack[-1][1].add(label)))
    out_console.print(tree)
