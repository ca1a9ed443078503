"""`arxiv-monitor sections`: the paper's own section tree."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import typer

from agent.cli.app import app, out_console


def section_rows(doc) -> list[dict]:
    html = doc.source_kind != "pdf"  # an HTML page has no pages but an anchor per heading
    return [
        {"id": s.id, "title": s.title, "level": s.level, "page_start": s.page_start, "page_end": s.page_end} | ({"anchor": s.anchor} if html else {})
        for s in doc.headings()
    ]


@app.command()
def sections(
    paper: str = typer.Argument(..., help="A PDF or arXiv HTML file, an arXiv id such as 2002.08909v1, or an arXiv/ar5iv URL (read from arXiv's HTML first, then ar5iv, then the PDF)."),
    as_json: bool = typer.Option(False, "--json", help="Print only a JSON list of {id, title, level, page_start, page_end} (and anchor, for a paper read from HTML)."),
    offline_dir: Path | None = typer.Option(None, "--offline-dir", help="Resolve arXiv ids from this recorded directory instead of arXiv."),
    data_dir: Path | None = typer.Option(None, "--data-dir", help="Where downloaded PDFs and parsed papers are cached (default: the user's cache directory, ~/.cache/arxiv-monitor)."),
) -> None:
    """Print the section tree of a paper, with the paper's own numbers (3, 3.1, A.2) and pages."""
    from rich.markup import escape
    from rich.tree import Tree

    from agent.sources_factory import make_source
    from tools.paper_cache import PaperCache, user_cache_dir
    from tools.paper_loader import load_paper

    data_dir = data_dir or user_cache_dir()
    source = make_source(offline=False, offline_dir=offline_dir, data_dir=data_dir, today=date.today())
    doc = load_paper(paper, source, PaperCache(data_dir / "papers"))
    rows = section_rows(doc)
    if as_json:
        typer.echo(json.dumps(rows, ensure_ascii=False))
        return
    # Titles come from the paper: printed as text, never as console markup.
    html = doc.source_kind != "pdf"
    where = f"read from {'arXiv' if doc.source_kind == 'arxiv-html' else 'ar5iv'} HTML" if html else f"{doc.page_count} pages, structure from the {doc.structure_source}"
    tree = Tree(f"[bold]{escape(doc.title)}[/] ({where})")
    stack = [(0, tree)]
    for s in doc.headings():
        while stack[-1][0] >= s.level:
            stack.pop()
        if html:
            label = f"[cyan]{escape(s.id)}[/] {escape(s.title)}" + (f" [dim]#{escape(s.anchor)}[/]" if s.anchor else "")
        else:
            label = f"[cyan]{escape(s.id)}[/] {escape(s.title)} [dim]p.{s.page_start}" + (f"-{s.page_end}" if s.page_end != s.page_start else "") + "[/]"
        if s.synthetic:
            label += " [dim](no printed heading)[/]"
        stack.append((s.level, stack[-1][1].add(label)))
    out_console.print(tree)
