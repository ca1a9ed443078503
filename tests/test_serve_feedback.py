"""`serve` takes feedback only from its own pages (issue 23, finding 8), and a busy port is one line (finding 13).

Feedback trains the relevance model: a page on another site must not be able to like or dislike papers, whether by
fetch(..., {mode: "no-cors"}), an auto-submitted form or a DNS-rebinding host name. Requests are made here the way
a browser would make them, with the headers it would send.
"""

from __future__ import annotations

import contextlib
import json
import re
import socket
import subprocess
import sys
import threading
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from agent.cli import app
from tests.conftest import REPO, SAMPLE_DIR


@pytest.fixture
def reports(tmp_path, profile_file) -> Path:
    result = CliRunner().invoke(app, ["run", "-p", str(profile_file), "--offline"])
    assert result.exit_code == 0, result.output
    return tmp_path / "reports" / "sample"


@contextlib.contextmanager
def serving(reports: Path, profile_file: Path, tmp_path: Path, source=None):
    from agent.config import load_profile
    from agent.publish.serve import make_server
    from agent.publish.site import build_site

    profile = load_profile(profile_file)
    site = tmp_path / "served"
    build_site(profile.name, reports, site)
    server = make_server(site, profile, 0, source=source)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", profile
    finally:
        server.shutdown()
        server.server_close()
        server.ledger.close()


def feedback_of(profile) -> dict[str, str]:
    from tools.ledger import Ledger

    ledger = Ledger(profile.data_dir / "ledger.sqlite")
    try:
        return ledger.feedback(profile.name)
    finally:
        ledger.close()


def page_token(base: str) -> str:
    page = httpx.get(f"{base}/2026-11-20/index.html").text
    match = re.search(r'<meta name="arxiv-monitor-feedback" content="([^"]+)">', page)
    assert match, "the served page carries the session's token"
    return match.group(1)


def test_the_served_page_records_a_like_with_its_token(reports, profile_file, tmp_path):
    with serving(reports, profile_file, tmp_path) as (base, profile):
        token = page_token(base)
        r = httpx.post(f"{base}/feedback?id=2002.08909v1&v=like", headers={"Origin": base, "X-Feedback-Token": token})
        assert r.status_code == 200 and r.json() == {"ok": True, "id": "2002.08909"}
    assert feedback_of(profile) == {"2002.08909": "like"}


def test_another_origin_cannot_record_feedback(reports, profile_file, tmp_path):
    with serving(reports, profile_file, tmp_path) as (base, profile):
        token = page_token(base)
        # fetch(..., {mode: "no-cors"}) from another site: its Origin, and no token (it cannot read our pages).
        assert httpx.post(f"{base}/feedback?id=2002.08909&v=dislike", headers={"Origin": "https://evil.example"}).status_code == 403
        # Even a leaked token does not help a page of another origin.
        r = httpx.post(f"{base}/feedback?id=2002.08909&v=dislike", headers={"Origin": "https://evil.example", "X-Feedback-Token": token})
        assert r.status_code == 403 and "Origin" in r.json()["error"]
        # An auto-submitted form: no custom header, so no token.
        form = httpx.post(f"{base}/feedback?id=2002.08909&v=dislike", headers={"Origin": "null", "Content-Type": "application/x-www-form-urlencoded"})
        assert form.status_code == 403
        # A same-looking request without the token (curl, an old page) is refused and says why.
        stale = httpx.post(f"{base}/feedback?id=2002.08909&v=dislike", headers={"Origin": base, "X-Feedback-Token": "old"})
        assert stale.status_code == 403 and "reload the page" in stale.json()["error"]
        # DNS rebinding: evil.example resolving to 127.0.0.1 sends its own Host.
        port = base.rsplit(":", 1)[1]
        rebound = httpx.post(f"{base}/feedback?id=2002.08909&v=dislike",
                             headers={"Host": f"evil.example:{port}", "Origin": f"http://evil.example:{port}", "X-Feedback-Token": token})
        assert rebound.status_code == 403
    assert feedback_of(profile) == {}


def test_each_session_has_its_own_token(reports, profile_file, tmp_path):
    with serving(reports, profile_file, tmp_path) as (base, _):
        first = page_token(base)
    with serving(reports, profile_file, tmp_path / "again") as (base, _):
        assert page_token(base) != first


def test_an_unknown_id_is_looked_up_or_refused(reports, profile_file, tmp_path):
    from tools.sources import OfflineSource

    # Nobody has seen 2401.99999, and it cannot be looked up: nothing is recorded and the reply says why.
    with serving(reports, profile_file, tmp_path, source=lambda: OfflineSource(SAMPLE_DIR)) as (base, profile):
        token = page_token(base)
        headers = {"Origin": base, "X-Feedback-Token": token}
        unknown = httpx.post(f"{base}/feedback?id=2401.99999&v=like", headers=headers)
        assert unknown.status_code == 404 and "nothing recorded" in unknown.json()["error"]
        garbage = httpx.post(f"{base}/feedback?id=not-an-id&v=like", headers=headers)
        assert garbage.status_code == 400
        bad_value = httpx.post(f"{base}/feedback?id=2002.08909&v=love", headers=headers)
        assert bad_value.status_code == 400
    assert feedback_of(profile) == {}


def test_an_id_no_report_lists_is_recorded_once_found(reports, tmp_path, profile_file):
    """A paper no served report lists and the ledger does not know: looked up as `feedback` does, then recorded."""
    from tools.ledger import Ledger
    from tools.sources import OfflineSource

    path = reports / "2026-11-20" / "report.json"
    report = json.loads(path.read_text(encoding="utf-8"))
    report["papers"] = [p for p in report["papers"] if not p["arxiv_id"].startswith("2005.11401")]
    path.write_text(json.dumps(report, ensure_ascii=False), encoding="utf-8")
    for leftover in (tmp_path / "data").glob("ledger.sqlite*"):
        leftover.unlink()  # a profile that has never seen the paper announced
    with serving(reports, profile_file, tmp_path, source=lambda: OfflineSource(SAMPLE_DIR)) as (base, profile):
        r = httpx.post(f"{base}/feedback?id=2005.11401&v=like", headers={"Origin": base, "X-Feedback-Token": page_token(base)})
        assert r.status_code == 200, r.text
    assert feedback_of(profile) == {"2005.11401": "like"}
    ledger = Ledger(profile.data_dir / "ledger.sqlite")
    try:
        assert "Retrieval" in ledger.latest_meta(profile.name, "2005.11401").title  # the semantic stage can learn from it
    finally:
        ledger.close()


def test_a_busy_port_is_one_line(reports, profile_file):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        out = subprocess.run([sys.executable, "-m", "agent", "serve", "-p", str(profile_file), "--port", str(port)],
                             cwd=REPO, capture_output=True, text=True, timeout=60)
    assert out.returncode == 2 and "Traceback" not in out.stderr
    err = " ".join(out.stderr.split())
    assert f"port {port} on 127.0.0.1 is already in use" in err and "--port" in err
