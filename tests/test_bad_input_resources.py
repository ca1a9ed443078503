"""Bad input and exhausted resources (issue 23, findings 11-14): one line naming the path and what to do, nothing lost.

Run as root, a chmod'ed folder is still writable, so read-only folders and a full disk are made the way the kernel
reports them: SQLite opened read-only, and writes that fail with ENOSPC / EROFS.
"""

from __future__ import annotations

import errno
import json
import os
import random
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from agent.cli import app
from tests.conftest import REPO, SAMPLE_DIR
from tools.errors import ConfigError

SAMPLE_FEED = next(SAMPLE_DIR.glob("*.xml"))


def cli(*args: str, cwd: Path = REPO) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "agent", *args], cwd=cwd, capture_output=True, text=True, timeout=180)


# --- 11: one control character in one feed item --------------------------------------------------------


def _day_with_control_character(tmp_path: Path) -> Path:
    day = tmp_path / "day"
    shutil.copytree(SAMPLE_DIR, day)
    feed = next(day.glob("*.xml"))
    text = feed.read_text(encoding="utf-8")
    # In the middle of the first item's abstract: XML 1.0 forbids \x01 anywhere, so a strict parser rejects the file.
    at = text.index("Abstract:") + len("Abstract:") + 20
    feed.write_text(text[:at] + "\x01" + text[at:], encoding="utf-8")
    return day


def test_a_control_character_costs_nothing_and_is_said(tmp_path):
    from tools.feeds import parse_feed

    day = _day_with_control_character(tmp_path)
    clean = parse_feed(SAMPLE_FEED.read_bytes(), source=str(SAMPLE_FEED))
    feed_path = next(day.glob("*.xml"))
    repaired = parse_feed(feed_path.read_bytes(), source=str(feed_path))
    assert len(repaired.entries) == len(clean.entries) > 1  # not one item lost, let alone the file
    assert repaired.repaired and "control character" in repaired.repaired[0]
    assert parse_feed(feed_path.read_text(encoding="utf-8"), source="as text").entries  # str input too


def test_the_run_keeps_every_paper_and_says_so_on_the_terminal(tmp_path, profile_file):
    day = _day_with_control_character(tmp_path)
    out = cli("run", "-p", str(profile_file), "--offline-dir", str(day))
    assert out.returncode == 0, out.stderr
    err = " ".join(out.stderr.split())
    assert "10 announced" in err and "removed 1 control character" in err


def test_a_skipped_feed_file_is_named_on_the_terminal(tmp_path, profile_file):
    day = tmp_path / "day"
    shutil.copytree(SAMPLE_DIR, day)
    (day / "broken.xml").write_text("<rss><channel><item>unclosed", encoding="utf-8")
    out = cli("run", "-p", str(profile_file), "--offline-dir", str(day))
    assert out.returncode == 0, out.stderr
    err = " ".join(out.stderr.split())
    assert "could not be read and were skipped" in err and "broken.xml" in err


# --- 12: a library that yields nothing, macros and accents ----------------------------------------------


@pytest.mark.parametrize("content", [
    b"These are my favourite papers, one per line.\nAttention is all you need\n",  # plain text named .bib
    b"@article{a, author = {Nobody}, year = 2020}\n@misc{b, note = {no title either}}\n",  # entries without titles
    b"",
])
def test_a_library_file_with_no_paper_is_an_error(tmp_path, content):
    from tools.library import LibraryError, read_library_file

    path = tmp_path / "lib.bib"
    path.write_bytes(content)
    with pytest.raises(LibraryError, match="no paper with a title"):
        read_library_file(path)


@pytest.mark.parametrize("content", [
    bytes(range(256)) * 8,  # not UTF-8
    bytes(random.Random(23).choice(b"abcdefgh {}=@,#%\n\\\"") for _ in range(4000)),  # UTF-8, and BibTeX-looking noise
])
def test_random_bytes_as_a_library_are_one_line_on_the_terminal(tmp_path, write_profile, content):
    (tmp_path / "lib.bib").write_bytes(content)
    profile = write_profile(f'name = "t"\ncategories = ["cs.CL"]\nkeywords = ["retrieval"]\nlibrary = ["lib.bib"]\n'
                            f'data_dir = "{tmp_path / "data"}"\noutput_dir = "{tmp_path / "out"}"\n')
    out = cli("run", "-p", str(profile), "--offline")
    assert out.returncode == 2 and "Traceback" not in out.stderr and "lib.bib" in out.stderr


def test_string_macros_and_accents_are_expanded(tmp_path):
    from tools.library import read_library_file

    path = tmp_path / "lib.bib"
    path.write_text(r"""@string{rag = "Retrieval-Augmented Generation"}
@article{lewis, title = rag # " for Knowledge-Intensive {NLP} Tasks", eprint = {2005.11401},
  abstract = {Sch\"{o}n and G{\"o}del, {\'E}cole \& co.}}
@article{plain, title = {Issue \#5: C# tips}}
""", encoding="utf-8")
    first, second = read_library_file(path)
    assert first.title == "Retrieval-Augmented Generation for Knowledge-Intensive NLP Tasks" and first.arxiv_id == "2005.11401"
    assert first.abstract == "Schön and Gödel, École & co."
    assert second.title == "Issue #5: C# tips"  # a # inside a title is not a concatenation


# --- 13: disk full, read-only folders, malformed report.json ---------------------------------------------


def test_a_read_only_data_dir_is_not_called_a_damaged_ledger(tmp_path, monkeypatch):
    """A healthy ledger in a folder that cannot be written: fix the folder, never move the ledger aside."""
    from tools import ledger as ledger_module
    from tools.ledger import Ledger
    from tools.resource_errors import ResourceError

    path = tmp_path / "data" / "ledger.sqlite"
    Ledger(path).close()
    real_connect = sqlite3.connect
    # What SQLite sees in a read-only folder: the database opens, the first write fails.
    monkeypatch.setattr(ledger_module.sqlite3, "connect",
                        lambda name, **kw: real_connect(f"file:{name}?mode=ro", uri=True, **kw))
    with pytest.raises(ResourceError) as caught:
        ledger = Ledger(path)
        try:
            ledger.record_feedback("t", "2002.08909", "like")
        finally:
            ledger.close()
    message = str(caught.value)
    assert str(path) in message and "writable" in message and "move it aside" not in message and "\n" not in message


def test_a_full_disk_while_writing_the_ledger_is_one_line():
    from tools.resource_errors import sqlite_resource_problem

    problem = sqlite_resource_problem(Path("/data/ledger.sqlite"), sqlite3.OperationalError("database or disk is full"))
    assert problem is not None and "free some space" in str(problem) and "/data/ledger.sqlite" in str(problem)
    assert sqlite_resource_problem(Path("/x.sqlite"), sqlite3.DatabaseError("file is not a database")) is None


def _failing_writes(monkeypatch, code: int, where: str):
    """Every atomic write under `where` fails as the kernel would fail it (ENOSPC: disk full, EROFS: read-only)."""
    from tools import paper_cache

    real = paper_cache.tempfile.mkstemp

    def mkstemp(*args, dir=None, **kw):
        if dir is not None and str(dir).startswith(where):
            raise OSError(code, os.strerror(code), str(dir))
        return real(*args, dir=dir, **kw)

    monkeypatch.setattr(paper_cache.tempfile, "mkstemp", mkstemp)


@pytest.mark.parametrize("code, advice", [(errno.ENOSPC, "free some space"), (errno.EROFS, "read-only")])
def test_an_output_dir_that_cannot_be_written_is_one_line(tmp_path, profile_file, monkeypatch, code, advice):
    from agent.cli.app import main

    _failing_writes(monkeypatch, code, str(tmp_path / "reports"))
    monkeypatch.setattr(sys, "argv", ["arxiv-monitor", "run", "-p", str(profile_file), "--offline"])
    with pytest.raises(SystemExit) as exited:
        main()
    assert exited.value.code == 2


def test_the_one_line_names_the_path_and_what_to_do(tmp_path, profile_file, monkeypatch, capsys):
    from agent.cli.app import main

    _failing_writes(monkeypatch, errno.ENOSPC, str(tmp_path / "reports"))
    monkeypatch.setattr(sys, "argv", ["arxiv-monitor", "run", "-p", str(profile_file), "--offline"])
    with pytest.raises(SystemExit):
        main()
    err = " ".join(capsys.readouterr().err.split())
    assert "Traceback" not in err and "report" in err and str(tmp_path / "reports") in err
    assert "No space left on device" in err and "free some space" in err


def test_a_report_that_could_not_be_written_is_not_computed_again(tmp_path, profile_file, monkeypatch):
    """The day finished, then the output folder filled up: the rerun re-renders the checkpoint, no model call again."""
    from agent.cli.app import main

    with monkeypatch.context() as patched:
        _failing_writes(patched, errno.ENOSPC, str(tmp_path / "reports"))
        patched.setattr(sys, "argv", ["arxiv-monitor", "run", "-p", str(profile_file), "--offline"])
        with pytest.raises(SystemExit):
            main()
    assert not (tmp_path / "reports" / "sample" / "2026-11-20" / "report.json").exists()
    result = CliRunner().invoke(app, ["run", "-p", str(profile_file), "--offline"])
    assert result.exit_code == 0, result.output
    assert "reused" in result.output and "computing it again" not in result.output
    assert (tmp_path / "reports" / "sample" / "2026-11-20" / "report.json").exists()


def test_a_malformed_report_json_under_site_is_skipped_and_named(tmp_path, profile_file):
    assert CliRunner().invoke(app, ["run", "-p", str(profile_file), "--offline"]).exit_code == 0
    bad_day = tmp_path / "reports" / "sample" / "2026-11-19"
    bad_day.mkdir()
    (bad_day / "report.json").write_text('{"date": "2026-11-19", "papers": [{"title": 1}]', encoding="utf-8")
    wrong_day = tmp_path / "reports" / "sample" / "2026-11-18"
    wrong_day.mkdir()
    report = json.loads((tmp_path / "reports" / "sample" / "2026-11-20" / "report.json").read_text(encoding="utf-8"))
    del report["papers"][0]["relevance"]  # valid JSON, not a report this version can render
    (wrong_day / "report.json").write_text(json.dumps({**report, "date": "2026-11-18"}), encoding="utf-8")
    out = cli("site", "-p", str(profile_file), "--out", str(tmp_path / "site"))
    assert out.returncode == 0 and "Traceback" not in out.stderr, out.stderr
    err = " ".join(out.stderr.split())
    assert str(bad_day / "report.json") in err and str(wrong_day / "report.json") in err and "--date 2026-11-18" in err
    assert (tmp_path / "site" / "2026-11-20" / "index.html").exists() and not (tmp_path / "site" / "2026-11-18").exists()


def test_only_malformed_reports_under_site_is_one_line(tmp_path, profile_file):
    day = tmp_path / "reports" / "sample" / "2026-11-19"
    day.mkdir(parents=True)
    (day / "report.json").write_text("[]", encoding="utf-8")
    out = cli("site", "-p", str(profile_file), "--out", str(tmp_path / "site"))
    assert out.returncode == 2 and "Traceback" not in out.stderr and "report.json" in out.stderr


# --- 14: LangGraph context and prompt names --------------------------------------------------------------


def _limited(code: str) -> subprocess.CompletedProcess:
    """Python code in a process that may not grow past 2 GiB: reading /dev/zero whole ends in MemoryError, not the OOM killer."""
    import resource

    def limit():
        resource.setrlimit(resource.RLIMIT_AS, (2 << 30, 2 << 30))

    return subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=120, preexec_fn=limit)


def test_a_profile_that_never_ends_is_refused_without_reading_it_all():
    out = _limited("import sys; from agent.cli.app import main; sys.argv = ['arxiv-monitor', 'run', '-p', '/dev/zero', '--offline']; main()")
    assert out.returncode == 2 and "MemoryError" not in out.stderr and "Traceback" not in out.stderr, out.stderr[-500:]
    assert "/dev/zero" in out.stderr and "not a profile" in out.stderr


def test_the_server_context_with_dev_zero_is_refused():
    """What LangGraph Server builds from a request's context: {"profile": "/dev/zero"}."""
    out = _limited("from agent.context import RunSettings, build_context\n"
                   "from tools.errors import ConfigError\n"
                   "try:\n    build_context(RunSettings(profile='/dev/zero'))\n"
                   "except ConfigError as exc:\n    print('refused:', exc)\n")
    assert out.returncode == 0 and "refused: profile /dev/zero" in out.stdout, out.stderr[-500:]


@pytest.mark.parametrize("variant", ["../judge/strict", "/etc/passwd", "strict/../default", ""])
def test_a_prompt_variant_that_is_a_path_is_refused_at_validation(variant, profile_file):
    from agent.config import parse_profile
    from agent.prompts import PromptLibrary

    with pytest.raises(ConfigError, match="not a path"):
        PromptLibrary({"writer": variant})
    with pytest.raises(ConfigError, match="not a path"):
        parse_profile({"name": "t", "categories": ["cs.CL"], "keywords": ["retrieval"], "prompts": {"writer": variant}})
    if variant:
        result = CliRunner().invoke(app, ["run", "-p", str(profile_file), "--offline", "--prompt", f"writer={variant}"])
        assert result.exit_code != 0 and "not a path" in str(result.exception)


def test_a_server_context_with_a_path_as_prompt_variant_is_refused(tmp_path, profile_file):
    from agent.context import RunSettings, build_context

    with pytest.raises(ConfigError, match="not a path"):
        build_context(RunSettings(profile=str(profile_file), offline=True, prompts={"judge": "../judge/strict"}))


@pytest.mark.parametrize("given", [{"question": "Which datasets?"}, {"question": "Which datasets?", "paper": {}},
                                   {"question": "Which datasets?", "paper": {"title": "no source"}}])
def test_investigate_input_without_a_paper_says_what_is_missing(given, profile_file):
    from agent.context import forget_built_contexts
    from graphs.investigate import build_investigate_graph

    settings = {"profile": str(profile_file), "offline": True, "offline_dir": str(SAMPLE_DIR)}
    try:
        with pytest.raises(ConfigError, match='names no paper: give "paper" with a "source"'):
            build_investigate_graph().invoke(given, context=settings)
    finally:
        forget_built_contexts()


def test_investigate_input_with_a_paper_as_a_plain_id_works(profile_file):
    from agent.context import forget_built_contexts
    from graphs.investigate import build_investigate_graph

    settings = {"profile": str(profile_file), "offline": True, "offline_dir": str(SAMPLE_DIR)}
    try:
        answer = build_investigate_graph().invoke({"question": "Which datasets are used?", "paper": "2002.08909v1"}, context=settings)
    finally:
        forget_built_contexts()
    assert answer["turns"][-1].citations
