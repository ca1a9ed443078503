"""What a daily job meets on the wire: dropped and stalled downloads, truncated PDFs, throttling, other processes."""

from __future__ import annotations

import subprocess
import sys
from itertools import pairwise

import pytest

from tests.conftest import REPO, SAMPLE_DIR
from tests.loopback import FakeClock, LoopbackServer
from tools.arxiv_ids import parse_arxiv_id
from tools.errors import PaperError, SourceError
from tools.polite_http import PoliteClient, SharedPacing
from tools.sources import OnlineSource

PDF = (SAMPLE_DIR / "2002.08909v1.pdf").read_bytes()


@pytest.fixture
def server():
    with LoopbackServer() as srv:
        yield srv


def client(**kw):
    kw.setdefault("allowed_hosts", {"127.0.0.1"})
    kw.setdefault("clock", FakeClock())
    return PoliteClient(**kw)


def dropped(body: bytes) -> tuple:
    """Headers promise the whole body; the connection ends halfway."""
    return (200, {"Content-Length": str(len(body))}, body[: len(body) // 2])


def test_a_connection_dropped_mid_body_is_retried(server, tmp_path):
    server.script.add("/pdf/x", dropped(PDF), (200, {}, PDF))
    dest = client().download(f"{server.base}/pdf/x", tmp_path / "x.pdf")
    assert dest.read_bytes() == PDF and server.script.hits["/pdf/x"] == 2
    assert not list(tmp_path.glob("*.part"))


def test_a_download_that_keeps_breaking_becomes_one_error_and_leaves_nothing(server, tmp_path):
    server.script.add("/pdf/x", dropped(PDF))
    with pytest.raises(SourceError, match=r"kept breaking off \(3 tries"):
        client(max_retries=2).download(f"{server.base}/pdf/x", tmp_path / "x.pdf")
    assert list(tmp_path.iterdir()) == []


def test_a_download_that_stalls_after_the_headers_is_retried(server, tmp_path):
    server.script.add("/pdf/x", (200, {}, PDF, 1.5), (200, {}, PDF))
    dest = client(timeout=0.5).download(f"{server.base}/pdf/x", tmp_path / "x.pdf")
    assert dest.read_bytes() == PDF and server.script.hits["/pdf/x"] == 2


def test_406_is_throttling_like_429_and_requests_say_who_asks(server, monkeypatch):
    monkeypatch.setenv("ARXIV_MONITOR_CONTACT", "lab@example.org")
    server.script.add("/a", (406, {"Retry-After": "5"}, b""), (200, {}, b"ok"))
    clock = FakeClock()
    assert client(clock=clock).get(f"{server.base}/a").text == "ok"
    assert 5 in clock.sleeps
    headers = server.script.headers[-1]
    assert "mailto:lab@example.org" in headers["User-Agent"] and "application/atom+xml" in headers["Accept"]


def online(server, tmp_path) -> OnlineSource:
    http = client()
    return OnlineSource(http, tmp_path / "pdfs", today=__import__("datetime").date(2026, 11, 20), pdf_url=server.base + "/pdf/{}")


def test_a_truncated_pdf_never_enters_the_cache(server, tmp_path):
    """Served whole as far as HTTP can tell (a correct Content-Length), but the PDF ends early."""
    cut = PDF[: len(PDF) * 2 // 3]
    server.script.add("/pdf/2002.08909v1", (200, {}, cut))
    source = online(server, tmp_path)
    with pytest.raises(PaperError, match="broken PDF twice.*truncated"):
        source.fetch_pdf(parse_arxiv_id("2002.08909v1"))
    assert not (tmp_path / "pdfs" / "2002.08909v1.pdf").exists()
    # The next run asks arXiv again, and keeps the good copy.
    server.script.add("/pdf/2002.08909v1", (200, {}, PDF))
    assert source.fetch_pdf(parse_arxiv_id("2002.08909v1")).read_bytes() == PDF


def test_a_bad_file_in_the_cache_is_dropped_and_fetched_again(server, tmp_path):
    (tmp_path / "pdfs").mkdir()
    (tmp_path / "pdfs" / "2002.08909v1.pdf").write_bytes(PDF[:5000])  # left by an older version, or a full disk
    server.script.add("/pdf/2002.08909v1", (200, {}, PDF))
    path = online(server, tmp_path).fetch_pdf(parse_arxiv_id("2002.08909v1"))
    assert path.read_bytes() == PDF and server.script.hits["/pdf/2002.08909v1"] == 1


def test_a_truncated_pdf_is_called_truncated(tmp_path):
    from tools.pdf_parse import parse_pdf

    cut = tmp_path / "cut.pdf"
    cut.write_bytes(PDF[:20000])
    with pytest.raises(PaperError, match="truncated PDF"):
        parse_pdf(cut)


def test_a_pdf_cut_after_some_readable_pages_is_refused_not_half_read(tmp_path):
    """MuPDF repairs a cut file and reads the pages before the cut: a user's investigate answered from 7 of 30
    pages and said the rest of the paper held nothing."""
    from tools.pdf_parse import parse_pdf

    whole = SAMPLE_DIR / "2005.11401v4.pdf"  # its pages come first: half the file still opens with all its pages listed
    cut = tmp_path / "cut.pdf"
    cut.write_bytes(whole.read_bytes()[: whole.stat().st_size // 2])
    with pytest.raises(PaperError, match=r"truncated PDF .*only \d+ page\(s\) readable"):
        parse_pdf(cut)
    assert parse_pdf(whole).page_count == 19


PACED_PROCESS = """
import sys
from pathlib import Path
from tools.polite_http import PoliteClient, SharedPacing
http = PoliteClient(min_interval=0.4, allowed_hosts={"127.0.0.1"}, shared_pacing=SharedPacing(Path(sys.argv[2])))
for _ in range(3):
    http.get(sys.argv[1])
"""


def test_two_processes_keep_the_spacing_between_them(server, tmp_path):
    """Two monitors started together (two profiles, or cron and a manual run) still space their requests."""
    server.script.add("/a", (200, {}, b"ok"))
    pacing = tmp_path / "pacing"
    procs = [subprocess.Popen([sys.executable, "-c", PACED_PROCESS, f"{server.base}/a", str(pacing)], cwd=REPO) for _ in range(2)]
    assert all(p.wait(timeout=60) == 0 for p in procs)
    times = sorted(server.script.times)
    assert len(times) == 6
    assert min(b - a for a, b in pairwise(times)) >= 0.35


def test_shared_pacing_survives_a_garbled_state_file(tmp_path):
    path = tmp_path / "pacing"
    path.write_text("not a number")
    assert SharedPacing(path).wait_turn(0.0) > 0


def test_fresh_forgets_the_days_downloads(server, tmp_path):
    """--fresh: that day's PDFs are fetched again from arXiv, not taken from the cache."""
    from datetime import datetime

    from agent.config import load_profile
    from agent.llm.registry import offline_registry
    from agent.run.monitor_run import run_monitor
    from tools.arxiv_api import ArxivAPI

    cats = "cs.CL+cs.LG+cs.HC+cs.CV+cond-mat.str-el"
    feed = (SAMPLE_DIR / "rss_cs.CL+cs.LG+cs.CV_2026-11-20.xml").read_bytes()
    server.script.add(f"/rss/{cats}", (200, {}, feed))
    for pdf in SAMPLE_DIR.glob("*.pdf"):
        server.script.add(f"/pdf/{pdf.stem}", (200, {}, pdf.read_bytes()))
    profile = load_profile(REPO / "profiles" / "sample.toml").model_copy(
        update={"data_dir": tmp_path / "data", "output_dir": tmp_path / "out", "max_papers": 2})
    http = client()

    def go(fresh: bool):
        source = OnlineSource(http, profile.data_dir / "pdfs", today=datetime(2026, 11, 20).date(),
                              api=ArxivAPI(http, url_format=server.base + "/api/query?{}"), rss_url=server.base + "/rss/{}",
                              pdf_url=server.base + "/pdf/{}")
        return run_monitor(profile, registry=offline_registry("test"), source=source, fresh=fresh, now=lambda: datetime(2026, 11, 20, 9))

    go(False)
    fetched = {p: n for p, n in server.script.hits.items() if p.startswith("/pdf/") and n}
    assert len(fetched) == 2
    go(False)
    assert {p: n for p, n in server.script.hits.items() if p.startswith("/pdf/") and n} == fetched  # reused: nothing asked again
    go(True)
    assert all(server.script.hits[p] == 2 for p in fetched)  # --fresh: downloaded again
