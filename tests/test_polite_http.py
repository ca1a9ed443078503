from datetime import date
from itertools import pairwise

import pytest

from tests.conftest import FIXTURES, SAMPLE_DIR
from tests.loopback import FakeClock, LoopbackServer
from tools.arxiv_api import ArxivAPI
from tools.arxiv_ids import parse_arxiv_id
from tools.errors import PaperError, SourceError
from tools.polite_http import HostNotAllowed, Limits, PoliteClient, TooLarge
from tools.sources import OnlineSource

OK = (200, {}, b"ok")


@pytest.fixture
def server():
    with LoopbackServer() as srv:
        yield srv


def client(clock, **kw):
    kw.setdefault("allowed_hosts", {"127.0.0.1"})
    return PoliteClient(clock=clock, **kw)


def test_no_two_requests_closer_than_three_seconds(server):
    server.script.add("/a", OK)
    clock = FakeClock()
    http = client(clock)
    for _ in range(4):
        assert http.get(f"{server.base}/a").text == "ok"
    gaps = [b - a for a, b in pairwise(http.request_times)]
    assert len(gaps) == 3 and all(g >= 3.0 for g in gaps)
    assert server.script.hits["/a"] == 4


def test_backoff_on_429_honours_retry_after(server):
    server.script.add("/busy", (429, {"Retry-After": "7"}, b"slow down"), OK)
    clock = FakeClock()
    http = client(clock)
    assert http.get(f"{server.base}/busy").text == "ok"
    assert server.script.hits["/busy"] == 2
    assert 7 in clock.sleeps
    assert http.request_times[1] - http.request_times[0] >= 7


def test_exponential_backoff_without_retry_after(server):
    server.script.add("/flaky", (503, {}, b""), (503, {}, b""), (429, {}, b""), OK)
    clock = FakeClock()
    http = client(clock, backoff_base=3.0)
    assert http.get(f"{server.base}/flaky").text == "ok"
    assert clock.sleeps == [3.0, 6.0, 12.0]


def test_clear_error_when_arxiv_stays_unreachable(server):
    server.script.add("/down", (503, {}, b""))
    http = client(FakeClock(), max_retries=2)
    with pytest.raises(SourceError, match=r"unreachable: .*/down failed 3 times \(last: HTTP 503\)"):
        http.get(f"{server.base}/down")
    assert server.script.hits["/down"] == 3


def test_connection_refused_is_retried_then_reported():
    http = client(FakeClock(), max_retries=1)
    with pytest.raises(SourceError, match="failed 2 times"):
        http.get("http://127.0.0.1:9/nothing-listens-here")


def test_only_allowed_hosts(server):
    server.script.add("/ok", OK)
    http = PoliteClient(clock=FakeClock())  # the default allow-list: arXiv hosts only
    with pytest.raises(HostNotAllowed, match="only arXiv hosts"):
        http.get(f"{server.base}/ok")
    assert server.script.hits["/ok"] == 0
    with pytest.raises(HostNotAllowed):
        http.check_host("https://evil.example/pdf/2501.00001")
    http.check_host("https://arxiv.org/pdf/2501.00001v1")
    http.check_host("https://export.arxiv.org/api/query")


def test_redirect_off_the_allow_list_is_refused(server):
    server.script.add("/pdf/1", (302, {"Location": "https://evil.example/x.pdf"}, b""))
    server.script.add("/pdf/2", (302, {"Location": "/real.pdf"}, b""))
    server.script.add("/real.pdf", (200, {}, b"%PDF-1.5 data"))
    http = client(FakeClock())
    with pytest.raises(HostNotAllowed):
        http.get(f"{server.base}/pdf/1")
    assert http.get(f"{server.base}/pdf/2").content == b"%PDF-1.5 data"


def test_declared_size_over_the_limit_is_refused_before_reading(server, tmp_path):
    big = b"%PDF" + b"x" * 300_000
    server.script.add("/declared", (200, {}, big))
    http = client(FakeClock())
    dest = tmp_path / "p.pdf"
    with pytest.raises(TooLarge, match="is 300004 bytes, over the 100000-byte limit"):
        http.download(f"{server.base}/declared", dest, Limits(max_bytes=100_000))
    assert list(tmp_path.iterdir()) == []
    http.download(f"{server.base}/declared", dest, Limits(max_bytes=1_000_000))
    assert dest.read_bytes() == big


def test_undeclared_size_is_limited_while_streaming(server, tmp_path):
    server.script.add("/nolen", (200, {"Content-Length": ""}, b"%PDF" + b"y" * 200_000))
    http = client(FakeClock())
    with pytest.raises(TooLarge, match="exceeded the 50000-byte limit"):
        http.download(f"{server.base}/nolen", tmp_path / "a.pdf", Limits(max_bytes=50_000))
    assert list(tmp_path.iterdir()) == []  # no partial file either


def test_slow_download_hits_the_time_limit(server, tmp_path):
    server.script.add("/slow", (200, {"Content-Length": ""}, b"%PDF" + b"z" * 300_000))

    class SlowClock(FakeClock):
        def now(self):
            self.t += 1.0  # every look at the clock costs a second
            return self.t

    http = client(SlowClock())
    with pytest.raises(SourceError, match="took longer than 2s"):
        http.download(f"{server.base}/slow", tmp_path / "s.pdf", Limits(max_seconds=2))
    assert list(tmp_path.iterdir()) == []


def test_online_source_fetches_feed_api_and_pdf_through_one_policy(server, tmp_path):
    rss = (FIXTURES / "feeds" / "rss_cs.LG+cs.AI+cs.CL+stat.ML_2026-09-24.xml").read_bytes()
    api = (FIXTURES / "feeds" / "api_id_1707.08567.xml").read_bytes()
    pdf = (SAMPLE_DIR / "2304.02623v1.pdf").read_bytes()
    server.script.add("/rss/cs.LG+cs.AI", (200, {}, rss))
    server.script.add("/api/query", (200, {}, api))
    server.script.add("/pdf/2304.02623v1", (200, {"Content-Type": "application/pdf"}, pdf))
    server.script.add("/pdf/2304.02623v9", (200, {"Content-Type": "text/html"}, b"<html>processing</html>"))
    clock = FakeClock()
    http = client(clock)
    source = OnlineSource(
        http, tmp_path / "pdfs", today=date(2026, 9, 24), api=ArxivAPI(http, url_format=server.base + "/api/query?{}"),
        rss_url=server.base + "/rss/{}", pdf_url=server.base + "/pdf/{}",
    )
    day = source.announcements(["cs.LG", "cs.AI"])
    assert str(day.day) == "2026-09-24"
    # stat.ME's cross-listing is outside cs.LG/cs.AI and is filtered out.
    assert [e.versioned_id for e in day.entries] == ["2609.26811v1", "2609.26820v1", "2009.13987v3"]
    assert day.counts["cs.LG"] == {"new": 2, "cross": 0, "replace": 1, "replace-cross": 0}
    assert day.counts["cs.AI"] == {"new": 0, "cross": 1, "replace": 0, "replace-cross": 0}

    found = source.lookup([parse_arxiv_id("1707.08567")])
    assert found["1707.08567"].versioned_id == "1707.08567v1"

    path = source.fetch_pdf(parse_arxiv_id("2304.02623v1"))
    assert path.read_bytes() == pdf
    assert source.fetch_pdf(parse_arxiv_id("2304.02623v1")) == path  # cached by (id, version)
    assert server.script.hits["/pdf/2304.02623v1"] == 1
    with pytest.raises(PaperError, match="did not return a PDF"):
        source.fetch_pdf(parse_arxiv_id("2304.02623v9"))
    assert not (tmp_path / "pdfs" / "2304.02623v9.pdf").exists()

    gaps = [b - a for a, b in pairwise(http.request_times)]
    assert gaps and all(g >= 3.0 for g in gaps)


def test_a_name_that_does_not_resolve_fails_at_once_not_after_retries(tmp_path):
    """Offline, getaddrinfo fails: no wait and retry (minutes), and no trying ar5iv and the PDF after the HTML."""
    import httpx

    from tools.polite_http import NoNetwork

    tries: list[str] = []

    def offline(request: httpx.Request) -> httpx.Response:
        tries.append(str(request.url))
        raise httpx.ConnectError("[Errno -2] Name or service not known", request=request)

    clock = FakeClock()
    http = PoliteClient(clock=clock, transport=httpx.MockTransport(offline))
    with pytest.raises(NoNetwork, match=r"arxiv\.org does not resolve \(no network\?\)"):
        http.get("https://arxiv.org/html/2002.08909v1")
    assert len(tries) == 1 and clock.sleeps == []
    source = OnlineSource(http=http, pdf_dir=tmp_path / "pdf", today=date(2026, 11, 20))
    with pytest.raises(NoNetwork):
        source.fetch_paper(parse_arxiv_id("2002.08909v1"))
    assert len(tries) == 2  # the HTML only: the same answer would come from ar5iv and the PDF


def test_a_temporary_resolver_failure_is_retried():
    import httpx

    tries: list[str] = []

    def flaky(request: httpx.Request) -> httpx.Response:
        tries.append(str(request.url))
        if len(tries) == 1:
            raise httpx.ConnectError("[Errno -3] Temporary failure in name resolution", request=request)
        return httpx.Response(200, content=b"ok")

    http = PoliteClient(clock=FakeClock(), transport=httpx.MockTransport(flaky))
    assert http.get("https://arxiv.org/abs/2002.08909").content == b"ok" and len(tries) == 2
