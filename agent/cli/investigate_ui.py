"""The investigate session on a terminal: opening the paper, printing answers, the /commands (loaded only when the command runs)."""

from __future__ import annotations

import json
import shlex
from datetime import date
from pathlib import Path

import typer
from rich.console import Console
from rich.markdown import Markdown
from rich.markup import escape

from agent.cli.app import err_console, out_console
from agent.cli.common import load_setup
from agent.investigate import Turn, question_language
from agent.prompts import PromptLibrary
from agent.run.investigate_session import InvestigateSession, PaperRef
from agent.sources_factory import make_source
from agent.writing.validators import section_location
from tools.arxiv_ids import parse_arxiv_id
from tools.errors import ConfigError, MonitorError
from tools.feeds import PaperMeta
from tools.paper_cache import PaperCache
from tools.paper_loader import parsed_before
from tools.paper_model import PaperDocument
from tools.reader_tools import render_listing, render_search
from tools.sources import PaperSource, resolve_paper_arg

HELP = """命令 / commands:
  /sections        论文的章节树 (the section tree)
  /read 3.1        某一节的原文 (a section's text)
  /find 关键词      检索原文段落 (search the paper; English words work best)
  /quotes          上一个回答引用的原文 (the quotes behind the last answer)
  /report          完整六部分分析与自检 (the six-part analysis with self-check)
  /save 文件.md     保存对话与引用 (save the conversation with its citations)
  /help  /quit"""


def _cached_paper(arg: str, data_dir: Path) -> tuple[PaperDocument, str] | None:
    """A paper parsed before (by arXiv id, with or without version): no PDF, no network needed."""
    doc = parsed_before(arg, PaperCache(data_dir / "papers"))
    return (doc, doc.arxiv_id or str(parse_arxiv_id(arg))) if doc is not None else None


def _metadata(source: PaperSource | None, arxiv_id: str | None) -> PaperMeta | None:
    """Authors and categories from the feeds or the API, when the source has them; a session works without."""
    if source is None or not arxiv_id:
        return None
    try:
        return source.lookup([parse_arxiv_id(arxiv_id)]).get(arxiv_id)
    except MonitorError:
        return None


def _open_session(paper: str | None, session: str | None, profile: Path, offline: bool, offline_dir: Path | None) -> InvestigateSession:
    setup = load_setup(profile, offline=offline, offline_dir=offline_dir, required=False)
    data_dir = setup.profile.data_dir
    stored = InvestigateSession.stored_paper(data_dir, session) if session else None
    source: PaperSource | None = None
    if paper is None:
        if session is None:
            raise ConfigError("give a paper (PDF path or arXiv id), or --session NAME to resume a conversation")
        if stored is None:
            raise ConfigError(f"no saved session named {session!r}; start it with a paper: investigate PAPER --session {session}")
        pdf, arxiv_id = Path(stored["source"]), stored.get("arxiv_id")
        cached = _cached_paper(arxiv_id, data_dir) if arxiv_id else None
        doc = cached[0] if cached else PaperCache(data_dir / "papers").load(pdf, arxiv_id)
    elif (cached := _cached_paper(paper, data_dir)) is not None:
        doc, arxiv_id = cached
        pdf = Path(doc.source)
    else:
        source = make_source(offline=offline, offline_dir=offline_dir, data_dir=data_dir, today=date.today())
        pdf, pid = resolve_paper_arg(paper, source)
        arxiv_id = str(pid) if pid and pid.versioned else None
        doc = PaperCache(data_dir / "papers").load(pdf, arxiv_id)
    if stored and stored.get("arxiv_id") and arxiv_id and stored["arxiv_id"] != arxiv_id or (
        stored and not stored.get("arxiv_id") and Path(stored["source"]).resolve() != pdf.resolve()
    ):
        raise ConfigError(f"session {session!r} is about «{stored['title']}»; use another --session name for this paper")
    if source is None and (offline or offline_dir is not None):
        source = make_source(offline=True, offline_dir=offline_dir, data_dir=data_dir, today=date.today())  # local feeds only
    meta = _metadata(source, arxiv_id)
    ref = PaperRef(source=str(pdf.resolve()) if pdf.exists() else str(pdf), arxiv_id=arxiv_id, title=meta.title if meta else doc.title,
                   authors=list(meta.authors) if meta else list((stored or {}).get("authors", [])),
                   categories=list(meta.categories) if meta else list((stored or {}).get("categories", [])))
    return InvestigateSession(doc, ref, profile=setup.profile, registry=setup.registry, prompts=PromptLibrary(setup.profile.prompts),
                              session=session, data_dir=data_dir)


def _print_turn(console: Console, s: InvestigateSession, turn: Turn) -> None:
    """The answer, then each quote once: excerpt answers already hold their quotes, model answers get them listed."""
    style = {"retrieval": "cyan", "model": "green", "error": "red"}[turn.mode]
    console.print(turn.answer, style=style, markup=False, highlight=False)
    if turn.citations and turn.mode == "model":
        zh = question_language(turn.question) == "zh"
        for i, c in enumerate(turn.citations, 1):
            section = s.doc.section(c.section_id)
            label = section_location(section, c.page, "zh" if zh else "en") if section else f"§{c.section_id}" + (f", p.{c.page}" if c.page else "")
            link = f" {c.url}" if c.url else ""
            console.print(f"[{i}] {label}：“{c.quote}”{link}", style="dim", markup=False, highlight=False)


def _command(console: Console, s: InvestigateSession, line: str, last: Turn | None) -> bool:
    """Run a /command; False means quit."""
    name, _, arg = line.partition(" ")
    arg = arg.strip()
    if name in ("/quit", "/exit", "/q"):
        return False
    if name == "/help":
        console.print(HELP)
    elif name == "/sections":
        console.print(render_listing(s.index.list_sections()), markup=False, highlight=False)
    elif name == "/read":
        if not arg:
            raise ConfigError("/read needs a section id, e.g. /read 3.1")
        result = s.read(arg)
        console.print(f"[bold]{escape(result.section_id)} {escape(result.title)}[/] (p.{result.citations[0].page if result.citations and result.citations[0].page else '?'})", highlight=False)
        console.print(result.text, markup=False, highlight=False)
    elif name == "/find":
        console.print(render_search(s.find(arg)), markup=False, highlight=False)
    elif name == "/quotes":
        if last is None or not last.citations:
            console.print("上一个回答没有引用。 (The last answer has no citations.)")
        for i, c in enumerate(last.citations if last else [], 1):
            console.print(f"[{i}] §{c.section_id}" + (f" p.{c.page}" if c.page else "") + f": “{c.quote}”" + (f" {c.url}" if c.url else ""), markup=False, highlight=False)
    elif name == "/report":
        console.print("正在生成完整分析…… (writing the six-part analysis)")
        console.print(Markdown(s.report()))
    elif name == "/save":
        if not arg:
            raise ConfigError("/save needs a file name, e.g. /save notes.md")
        path = s.save(Path(shlex.split(arg)[0]).expanduser())
        console.print(f"saved {len(s.turns())} question(s) to {path}", markup=False)
    else:
        raise ConfigError(f"unknown command {name}; /help lists them")
    return True


def _interactive(s: InvestigateSession, session: str | None) -> None:
    console = out_console
    mode = "离线检索模式 (offline: answers are excerpts)" if s.registry.is_offline("reader") else f"模型: {s.registry.describe('reader')}"
    console.print(f"[bold]{escape(s.doc.title)}[/]  [dim]{escape(s.ref.arxiv_id or s.ref.source)}[/]", highlight=False)
    console.print(f"{len(s.doc.headings())} sections · {mode}" + (f" · session {session}" if session else ""), highlight=False)
    previous = s.turns()
    if previous:
        console.print(f"[dim]resumed: {len(previous)} earlier question(s); last: {escape(previous[-1].question)}[/]", highlight=False)
    console.print("[dim]输入问题，或 /help 查看命令。[/]")
    last = previous[-1] if previous else None
    while True:
        try:
            line = console.input("[bold]问> [/]").strip()
        except (EOFError, KeyboardInterrupt):
            console.print()
            break
        if not line:
            continue
        try:
            if line.startswith("/"):
                if not _command(console, s, line, last):
                    break
                continue
            with console.status("思考中…"):
                last = s.ask(line)
            _print_turn(console, s, last)
        except MonitorError as exc:
            console.print(f"[red]error:[/] {escape(str(exc))}", highlight=False)


def run_investigate(paper: str | None, session: str | None, ask: str | None, as_json: bool, profile: Path, offline: bool,
                    offline_dir: Path | None) -> None:
    s = _open_session(paper, session, profile, offline, offline_dir)
    try:
        if ask is not None:
            turn = s.ask(ask)
            if as_json:
                typer.echo(json.dumps({"answer": turn.answer, "citations": [c.model_dump() for c in turn.citations]}, ensure_ascii=False))
            else:
                _print_turn(out_console, s, turn)
            if turn.mode == "error":
                raise typer.Exit(1)
            return
        _interactive(s, session)
    finally:
        s.close()
    err_console.print(f"[dim]session {session} saved; resume with: arxiv-monitor investigate --session {session}[/]" if session else "")
