"""The report page and the site in a real browser: headless Chromium driven by Playwright (Debian's chromium package)."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from typer.testing import CliRunner

from agent.cli import app

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
if os.environ.get("ARXIV_MONITOR_REQUIRE_BROWSER"):  # CI installs Chromium: there a missing browser is a failure, not a skip
    assert CHROMIUM, "ARXIV_MONITOR_REQUIRE_BROWSER is set but no chromium is installed"
playwright = pytest.importorskip("playwright.sync_api", reason="pip install playwright (the test extra) for the browser tests")
if CHROMIUM is None:
    pytest.skip("no Chromium installed (apt-get install chromium fonts-noto-cjk); .ci/run installs it", allow_module_level=True)

ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"]


@contextlib.contextmanager
def served(reports: Path, profile, site: Path):
    """The profile's archive served on a free loopback port, as `arxiv-monitor serve` does; yields its base URL."""
    import threading

    from agent.publish.serve import make_server
    from agent.publish.site import build_site

    build_site(profile.name, reports, site)
    server = make_server(site, profile, 0)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        server.ledger.close()


@pytest.fixture(scope="module")
def browser():
    with playwright.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


@pytest.fixture
def day(tmp_path, profile_file) -> Path:
    result = CliRunner().invoke(app, ["run", "-p", str(profile_file), "--offline"])
    assert result.exit_code == 0, result.output
    return tmp_path / "reports" / "sample" / "2026-11-20"


def test_report_page_on_a_phone_and_a_desktop(browser, day):
    page = browser.new_page(viewport={"width": 390, "height": 844})
    page.goto((day / "report.html").as_uri())
    # Nothing wider than the phone: wide tables scroll inside their own box.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert page.evaluate("[...document.querySelectorAll('.scroll')].every(d => getComputedStyle(d).overflowX === 'auto')")
    # A visible heading hierarchy: h4 is not styled like body text; numbers are right-aligned.
    h4 = page.evaluate("(() => { const s = getComputedStyle(document.querySelector('h4')); return [s.borderLeftStyle, s.fontWeight]; })()")
    assert h4[0] == "solid" and int(h4[1]) >= 600
    assert page.evaluate("getComputedStyle(document.querySelector('td.num')).textAlign") == "right"
    # The table of contents jumps to a paper; citations link to the PDF page they cite.
    page.click("nav.toc a[href='#paper-2']")
    assert page.evaluate("location.hash") == "#paper-2"
    hrefs = page.eval_on_selector_all("a.cite", "els => els.map(e => e.href)")
    assert hrefs and all("arxiv.org/pdf/" in h and "#page=" in h for h in hrefs)
    # What the Markdown has: the threshold and the run details.
    text = page.inner_text("body")
    assert "相关性阈值" in text and "附录 D：运行信息" in text and "数据来源" in text
    desktop = browser.new_page(viewport={"width": 1280, "height": 900})
    desktop.goto((day / "report.html").as_uri())
    width = desktop.evaluate("document.body.getBoundingClientRect().width")
    assert 800 < width <= 960  # a readable column, not the full window


def test_site_index_search_and_feed(browser, day, tmp_path, profile_file):
    # A second day, so the index and the feed have two entries.
    other = day.parent / "2026-11-19"
    other.mkdir()
    report = json.loads((day / "report.json").read_text(encoding="utf-8"))
    report["date"] = "2026-11-19"
    report["papers"] = report["papers"][:1]
    (other / "report.json").write_text(json.dumps(report, ensure_ascii=False), encoding="utf-8")
    out = tmp_path / "site"
    result = CliRunner().invoke(app, ["site", "-p", str(profile_file), "--out", str(out), "--base-url", "https://lab.example.org/arxiv/"])
    assert result.exit_code == 0, result.output

    feed = ET.parse(out / "feed.xml").getroot()
    ns = {"a": "http://www.w3.org/2005/Atom"}
    entries = feed.findall("a:entry", ns)
    assert [e.find("a:link", ns).get("href") for e in entries] == [
        "https://lab.example.org/arxiv/2026-11-20/index.html", "https://lab.example.org/arxiv/2026-11-19/index.html"]
    assert all("T" in e.findtext("a:updated", namespaces=ns) and e.findtext("a:updated", namespaces=ns)[-6] in "+-" for e in entries)

    page = browser.new_page(viewport={"width": 390, "height": 844})
    page.goto((out / "index.html").as_uri())
    assert page.locator("li.paper").count() == 7
    page.fill("#q", "citesee")
    visible = page.eval_on_selector_all("li.paper:not(.hidden)", "els => els.map(e => e.innerText)")
    assert visible and all("CiteSee" in v for v in visible)
    assert page.locator("section.day.hidden").count() == 1  # the day without it disappears
    page.fill("#q", "")
    page.click("section.day >> nth=0 >> h2 a")
    assert page.url.endswith("2026-11-20/index.html") and "REALM" in page.inner_text("body")


def test_like_on_the_served_page_is_recorded(browser, day, tmp_path, profile_file):
    from agent.config import load_profile
    from tools.ledger import Ledger

    profile = load_profile(profile_file)
    with served(day.parent, profile, tmp_path / "served") as base:
        page = browser.new_page()
        page.goto(f"{base}/2026-11-20/index.html")
        page.click("#paper-1 + p.feedback button[data-v='like']")
        page.wait_for_function("document.querySelector('p.feedback .said').textContent === '✓'")
    ledger = Ledger(profile.data_dir / "ledger.sqlite")
    assert ledger.feedback(profile.name) == {"2002.08909": "like"}
    ledger.close()
    # On a file:// page there is nothing to record to: the buttons stay hidden.
    offline = browser.new_page()
    offline.goto((day / "report.html").as_uri())
    assert offline.locator("p.feedback").first.is_hidden()


def test_a_near_miss_can_be_liked_on_the_served_page(browser, tmp_path):
    """差点入选 lists what the filter cut; 👍 on one records a like, which the semantic stage learns from the next run."""
    from agent.config import load_profile
    from tests.conftest import REPO
    from tools.ledger import Ledger

    (tmp_path / "libraries").mkdir()
    shutil.copy(REPO / "profiles" / "libraries" / "3d-reconstruction.bib", tmp_path / "libraries")
    profile_file = tmp_path / "p.toml"
    shutil.copy(REPO / "profiles" / "3d-reconstruction-library.toml", profile_file)
    result = CliRunner().invoke(app, ["run", "-p", str(profile_file), "--offline-dir", str(REPO / "evals" / "datasets" / "days" / "2025-10-24")])
    assert result.exit_code == 0, result.output
    profile = load_profile(profile_file)
    report = json.loads((tmp_path / "reports" / profile.name / "2025-10-24" / "report.json").read_text(encoding="utf-8"))
    first_near_miss = report["near_misses"][0]["arxiv_id"]
    with served(tmp_path / "reports" / profile.name, profile, tmp_path / "served") as base:
        page = browser.new_page()
        page.goto(f"{base}/2025-10-24/index.html")
        page.locator(f"#near-misses ~ .scroll .feedback button[data-id='{first_near_miss}'][data-v='like']").click()
        page.wait_for_function(f"document.querySelector(\"button[data-id='{first_near_miss}']\").parentElement.querySelector('.said').textContent === '✓'")
    ledger = Ledger(profile.data_dir / "ledger.sqlite")
    assert ledger.feedback(profile.name) == {first_near_miss.split("v")[0]: "like"}
    ledger.close()


def _ids_broken_over_lines(page) -> list[str]:
    """The arXiv ids in tables that the layout broke over more than one line."""
    return page.eval_on_selector_all("td a[href^='https://arxiv.org/abs/']", "els => els.filter(e => e.getClientRects().length > 1).map(e => e.textContent)")


@pytest.mark.parametrize("width", [390, 1280])
def test_ids_in_tables_stay_whole_and_wide_tables_scroll(browser, day, width):
    page = browser.new_page(viewport={"width": width, "height": 900})
    page.goto((day / "report.html").as_uri())
    assert page.locator("td a[href^='https://arxiv.org/abs/']").count() >= 4  # appendix A lists the excluded papers by id
    assert _ids_broken_over_lines(page) == []
    # One line tall, not one character per line ("11/11./20/11/v2").
    heights = page.eval_on_selector_all("td a[href^='https://arxiv.org/abs/']", "els => els.map(e => e.getBoundingClientRect().height / parseFloat(getComputedStyle(e).lineHeight))")
    assert max(heights) < 1.5
    assert page.evaluate("document.documentElement.scrollWidth") <= width  # the page itself never scrolls sideways
    if width == 390:
        # The README's promise: a table wider than a phone scrolls inside its own box.
        assert page.evaluate("[...document.querySelectorAll('.scroll')].some(d => d.scrollWidth > d.clientWidth)")


def test_offline_badges_are_not_the_verified_green(browser, day):
    page = browser.new_page()
    page.goto((day / "report.html").as_uri())
    colours = page.eval_on_selector_all("h2[id^='paper-'] ~ p.unchecked, h2[id^='paper-'] ~ p.ok",
                                        "els => els.map(e => [e.className, getComputedStyle(e).backgroundColor])")
    assert colours and all(cls == "unchecked" for cls, _ in colours)  # no critic model ran: nothing was verified
    assert "rgb(218, 251, 225)" not in {bg for _, bg in colours}  # the green of .ok


def test_static_site_pages_show_no_buttons_and_link_back(browser, day, tmp_path, profile_file):
    out = tmp_path / "site"
    assert CliRunner().invoke(app, ["site", "-p", str(profile_file), "--out", str(out)]).exit_code == 0
    with _static_server(out) as base:  # a plain web server: nobody records a click
        page = browser.new_page()
        page.goto(f"{base}/2026-11-20/index.html")
        assert page.locator(".feedback").count() > 0 and page.locator(".feedback:visible").count() == 0
        page.click("nav.crumbs a")
        assert page.url == f"{base}/index.html"
        assert page.evaluate("JSON.parse(document.getElementById('search-index').textContent).length") == 6


@contextlib.contextmanager
def _static_server(directory: Path):
    import threading
    from functools import partial
    from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

    class Quiet(SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(Quiet, directory=str(directory)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
