"""`run` against arXiv's real interfaces, played by a loopback server: RSS today, API look-ups, PDFs, two days."""

import re
from datetime import datetime

from agent.config import load_profile
from agent.run.monitor_run import run_monitor
from evals.scripted_agents import scripted_registry
from tests.conftest import FIXTURES, REPO, SAMPLE_DIR
from tests.loopback import FakeClock, LoopbackServer
from tools.arxiv_api import ArxivAPI
from tools.polite_http import PoliteClient
from tools.sources import OnlineSource

CATS = "cs.CL+cs.LG+cs.CV"


def day_two_feed() -> bytes:
    """The next day: REALM comes back as v2, FiD is announced as new."""
    text = (SAMPLE_DIR / f"rss_{CATS}_2026-11-20.xml").read_text(encoding="utf-8")
    text = text.replace("Fri, 20 Nov 2026", "Mon, 23 Nov 2026")
    items = re.findall(r"    <item>.*?</item>\n", text, re.S)
    keep = [i for i in items if "2002.08909" in i or "2007.01282" in i]
    keep = [i.replace("2002.08909v1 Announce Type: new", "2002.08909v2 Announce Type: replace").replace(
        "oai:arXiv.org:2002.08909v1", "oai:arXiv.org:2002.08909v2").replace("<arxiv:announce_type>new<", "<arxiv:announce_type>replace<")
        if "2002.08909" in i else i for i in keep]
    head, tail = text.split("    <item>", 1)[0], "  </channel>\n</rss>\n"
    return (head + "".join(keep) + tail).encode()


def api_for_realm_v2() -> bytes:
    xml = (FIXTURES / "feeds" / "api_id_1707.08567.xml").read_text(encoding="utf-8")
    xml = xml.replace("1707.08567v1", "2002.08909v2").replace("1707.08567", "2002.08909")
    xml = re.sub(r"<arxiv:comment[^>]*>.*?</arxiv:comment>", '<arxiv:comment xmlns:arxiv="http://arxiv.org/schemas/atom">Accepted at ICML 2020</arxiv:comment>', xml, flags=re.S)
    return xml.encode()


def test_two_days_online(tmp_path):
    with LoopbackServer() as server:
        server.script.add(f"/rss/{CATS}", (200, {}, (SAMPLE_DIR / f"rss_{CATS}_2026-11-20.xml").read_bytes()), (200, {}, day_two_feed()))
        server.script.add("/api/query", (200, {}, api_for_realm_v2()))
        for pdf in SAMPLE_DIR.glob("*.pdf"):
            server.script.add(f"/pdf/{pdf.stem}", (200, {"Content-Type": "application/pdf"}, pdf.read_bytes()))
        profile = load_profile(REPO / "profiles" / "sample.toml").model_copy(update={
            "categories": ["cs.CL", "cs.LG", "cs.CV"], "max_papers": 3, "data_dir": tmp_path / "data", "output_dir": tmp_path / "out",
        })
        http = PoliteClient(clock=FakeClock(), allowed_hosts={"127.0.0.1"})

        def source_for(day):
            return OnlineSource(http, profile.data_dir / "pdfs", today=day, api=ArxivAPI(http, url_format=server.base + "/api/query?{}"),
                                rss_url=server.base + "/rss/{}", pdf_url=server.base + "/pdf/{}")

        registry, _ = scripted_registry()
        first = run_monitor(profile, registry=registry, source=source_for(datetime(2026, 11, 20).date()), now=lambda: datetime(2026, 11, 20, 9))
        reported = [p["arxiv_id"] for p in first.report["papers"]]
        assert first.report["date"] == "2026-11-20" and "2002.08909v1" in reported
        assert first.report["counts"]["pdfs_fetched"] == 3
        assert (profile.data_dir / "pdfs" / "2002.08909v1.pdf").exists()  # cached by (id, version)

        registry2, _ = scripted_registry()
        second = run_monitor(profile, registry=registry2, source=source_for(datetime(2026, 11, 23).date()), now=lambda: datetime(2026, 11, 23, 9))
        report = second.report
        assert report["date"] == "2026-11-23"
        assert "2002.08909v1" not in [p["arxiv_id"] for p in report["papers"]]  # never reported twice
        [update] = report["updates"]
        assert (update["arxiv_id"], update["old_version"], update["new_version"]) == ("2002.08909", 1, 2)
        assert any("Accepted at ICML 2020" in c for c in update["changes"])
        md = second.paths["md"].read_text(encoding="utf-8")
        assert "附录 B：已报告论文的新版本" in md and "Accepted at ICML 2020" in md
        gaps = [b - a for a, b in zip(http.request_times, http.request_times[1:], strict=False)]
        assert all(g >= 3.0 for g in gaps)
