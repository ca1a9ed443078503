"""The static site and the report's text (issue 23, findings 9 and 10), without a browser.

test_browser.py checks the same pages in Chromium: buttons, links, line breaks of ids, scrolling tables, colours.
"""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from typer.testing import CliRunner

from agent.cli import app


@pytest.fixture(scope="module")
def day(tmp_path_factory) -> Path:
    """One offline run of the sample day (module-wide: it takes seconds)."""
    from tests.conftest import REPO

    root = tmp_path_factory.mktemp("day")
    text = (REPO / "profiles" / "sample.toml").read_text(encoding="utf-8")
    text = text.replace('output_dir = "reports"', f'output_dir = "{root / "reports"}"').replace(
        'data_dir = ".arxiv-monitor"', f'data_dir = "{root / "data"}"')
    (root / "sample.toml").write_text(text, encoding="utf-8")
    result = CliRunner().invoke(app, ["run", "-p", str(root / "sample.toml"), "--offline"])
    assert result.exit_code == 0, result.output
    return root / "reports" / "sample" / "2026-11-20"


@pytest.fixture(scope="module")
def site(day, tmp_path_factory) -> Path:
    from agent.publish.site import build_site

    out = tmp_path_factory.mktemp("site")
    # A title that tries to close the script element the search index lives in.
    report = json.loads((day / "report.json").read_text(encoding="utf-8"))
    report["papers"][0]["title"] = "</script><script>alert(1)</script> & \"quotes\" <b>"
    other = day.parent.parent / "with-evil-title" / "2026-11-20"
    other.mkdir(parents=True)
    (other / "report.json").write_text(json.dumps(report, ensure_ascii=False), encoding="utf-8")
    build_site("sample", other.parent, out)
    return out


class ScriptText(HTMLParser):
    """The text of <script id=...> elements, as a browser reads it (no entity decoding inside <script>)."""

    def __init__(self):
        super().__init__()
        self.scripts: dict[str, str] = {}
        self._current: str | None = None

    def handle_starttag(self, tag, attrs):
        if tag == "script":
            self._current = dict(attrs).get("id") or ""
            self.scripts.setdefault(self._current, "")

    def handle_endtag(self, tag):
        if tag == "script":
            self._current = None

    def handle_data(self, data):
        if self._current is not None:
            self.scripts[self._current] += data


def test_the_search_index_is_json_a_browser_can_parse(site):
    parser = ScriptText()
    parser.feed((site / "index.html").read_text(encoding="utf-8"))
    entries = json.loads(parser.scripts["search-index"])  # was entity-escaped (&#34;) and did not parse
    assert len(entries) == 6
    assert entries[0]["title"] == "</script><script>alert(1)</script> & \"quotes\" <b>"  # the data survives intact
    assert "<script>alert(1)" not in (site / "index.html").read_text(encoding="utf-8")  # and cannot close the element


def test_day_pages_link_back_to_the_index(site):
    page = (site / "2026-11-20" / "index.html").read_text(encoding="utf-8")
    assert re.search(r'<nav class="crumbs"><a href="\.\./index\.html">', page)


def test_report_html_of_a_run_has_no_link_to_a_site_index(day):
    assert '<nav class="crumbs">' not in (day / "report.html").read_text(encoding="utf-8")  # report.html stands alone (mail, file://)


def test_static_pages_show_the_buttons_only_with_a_served_token(site):
    page = (site / "2026-11-20" / "index.html").read_text(encoding="utf-8")
    assert '<meta name="arxiv-monitor-feedback"' not in page  # the static site has no token...
    script = page[page.rindex("<script>"):]
    assert "feedbackToken &&" in script  # ...and the buttons are shown only when there is one


def test_arxiv_id_and_categories_are_separate_lines_in_markdown(day):
    md = (day / "report.md").read_text(encoding="utf-8")
    lines = md.splitlines()
    ids = [line for line in lines if line.startswith("- **arXiv ID**")]
    assert len(ids) == 6
    assert all("分类" not in line for line in ids)  # was "…（new）- **分类**：cs.CL" on one line
    assert sum(line.startswith("- **分类**") for line in lines) == 6


def test_the_mail_text_part_has_them_on_separate_lines(day):
    from agent.config import EmailChannel
    from agent.delivery.send import email_message

    channel = EmailChannel.model_validate({"type": "email", "smtp_host": "127.0.0.1", "from": "a@b.example", "to": ["c@d.example"]})
    report = json.loads((day / "report.json").read_text(encoding="utf-8"))
    paths = {"md": day / "report.md", "html": day / "report.html", "json": day / "report.json"}
    message = email_message(channel, report, paths, "https://lab.example.org/arxiv/2026-11-20/index.html")
    text = message.get_body(("plain",)).get_content()
    assert re.search(r"^- \*\*arXiv ID\*\*：.*\n- \*\*分类\*\*：", text, re.M)
    assert not re.search(r"arXiv ID.*分类", text)


def test_every_inline_endif_that_ends_a_list_line_keeps_its_newline():
    """The same mistake elsewhere: a line ending in `{% endif %}` runs into the next one unless the next is a tag or blank."""
    from agent.publish.render import TEMPLATES

    for name in ("report.md.j2", "paper.md.j2"):
        lines = (TEMPLATES / name).read_text(encoding="utf-8").splitlines()
        for number, (line, following) in enumerate(zip(lines, lines[1:], strict=False), 1):
            if re.search(r"\S.*\{% end(if|for) %\}$", line) and following.strip() and not following.lstrip().startswith("{%"):
                raise AssertionError(f"{name}:{number}: ends in a block tag that swallows the newline before {following[:30]!r}")


def test_offline_badges_do_not_use_the_verified_class(day):
    page = (day / "report.html").read_text(encoding="utf-8")
    badges = re.findall(r'<p class="(ok|unchecked|warn)">(?:离线|引文|自检)', page)
    assert badges and set(badges) == {"unchecked"}
