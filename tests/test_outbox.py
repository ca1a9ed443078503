"""The delivery outbox against loopback servers: nothing lost, nothing sent twice, and links and text the reader can trust.

Each test is a finding of issue 23 (the Delivery part), reproduced against an
aiosmtpd server or an HTTP stand-in on 127.0.0.1.
"""

from __future__ import annotations

import json
import re
import shlex
import socket
from datetime import datetime, timedelta, timezone
from email import message_from_bytes
from email.policy import default as email_policy
from pathlib import Path

import pytest
from markdown_it import MarkdownIt
from typer.testing import CliRunner

from agent.cli import app
from agent.config import load_profile
from agent.delivery.deliver import deliver_report
from agent.delivery.links import hosted_report_url
from agent.delivery.messages import payloads
from agent.llm.registry import offline_registry
from agent.run.monitor_run import run_monitor
from tests.conftest import REPO, SAMPLE_DIR
from tests.loopback import LoopbackServer
from tests.report_files import write_report
from tools.ledger import Ledger
from tools.outbox import SqliteOutbox
from tools.sources import OfflineSource

aiosmtpd = pytest.importorskip("aiosmtpd.controller")

FEISHU_OK = (200, {"Content-Type": "application/json"}, b'{"code":0,"msg":"success"}')
SLACK_OK = (200, {}, b"ok")
T0 = datetime(2026, 11, 20, 8, 0, tzinfo=timezone.utc)


class Inbox:
    """An SMTP server's handler that refuses the addresses in `refuse` (with their reply) and keeps every message."""

    def __init__(self, refuse: dict[str, str] | None = None):
        self.messages = []
        self.refuse = refuse or {}

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802 - aiosmtpd's hook name
        if address in self.refuse:
            return self.refuse[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        self.messages.append((envelope.mail_from, list(envelope.rcpt_tos), message_from_bytes(envelope.content, policy=email_policy)))
        return "250 OK"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Smtp:
    """An SMTP server on a fixed loopback port that can be switched off and on, like a mail server down for a day."""

    def __init__(self, inbox: Inbox):
        self.inbox, self.port, self.controller = inbox, free_port(), None

    def on(self):
        self.controller = aiosmtpd.Controller(self.inbox, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def off(self):
        if self.controller:
            self.controller.stop()
            self.controller = None


@pytest.fixture
def smtp():
    server = Smtp(Inbox())
    yield server
    server.off()


@pytest.fixture
def hooks():
    with LoopbackServer() as server:
        server.script.add("/feishu", FEISHU_OK)
        server.script.add("/slack", SLACK_OK)
        yield server


def write_profile(tmp_path: Path, channels: str, *, top: str = "") -> Path:
    text = (REPO / "profiles" / "sample.toml").read_text(encoding="utf-8")
    text = text.replace('output_dir = "reports"', f'output_dir = "{tmp_path / "reports"}"').replace(
        'data_dir = ".arxiv-monitor"', f'data_dir = "{tmp_path / "data"}"')
    path = tmp_path / "p.toml"
    path.write_text(top + text + channels, encoding="utf-8")
    return path


def mail_channel(port: int, to=("group@lab.example", "prof@lab.example")) -> str:
    return f"""
[[delivery]]
type = "email"
name = "lab-mail"
smtp_host = "127.0.0.1"
smtp_port = {port}
security = "none"
from = "arxiv-monitor@lab.example"
to = {json.dumps(list(to))}
"""


def hook_channel(kind: str, url: str, name: str) -> str:
    return f'\n[[delivery]]\ntype = "{kind}"\nname = "{name}"\nurl = "{url}"\n'


def run(profile: Path, *, now=None, source=None, day=None):
    return run_monitor(load_profile(profile), registry=offline_registry("t"), source=source or OfflineSource(SAMPLE_DIR),
                       deliver_sleep=lambda s: None, now=now, day=day)


def clock(moment: datetime):
    return lambda: moment


# --- finding 1: a reply that is not a JSON object ----------------------------------------------


@pytest.mark.parametrize("reply", [b"[]", b"null", b'"ok"'])
def test_a_reply_that_is_not_a_json_object_is_a_refusal_and_later_channels_are_still_tried(tmp_path, hooks, reply):
    hooks.script.add("/feishu", (200, {"Content-Type": "application/json"}, reply))
    profile = write_profile(tmp_path, hook_channel("feishu", f"{hooks.base}/feishu", "feishu") + hook_channel("slack", f"{hooks.base}/slack", "slack"))
    outcome = run(profile, now=clock(T0))
    status = {d.channel: (d.status, d.error) for d in outcome.deliveries}
    assert status["slack"] == ("sent", None)
    assert status["feishu"][0] == "failed" and "not a JSON object" in status["feishu"][1]
    ledger = Ledger(tmp_path / "data" / "ledger.sqlite")
    assert [(day, ch) for day, ch, _ in ledger.failed_deliveries("sample")] == [("2026-11-20", "feishu")]
    ledger.close()
    # The CLI says so in its exit status (3: report written, a channel still lacks it), with the report on disk.
    cli = CliRunner().invoke(app, ["run", "-p", str(profile), "--offline"])
    assert cli.exit_code == 3, cli.output
    assert (tmp_path / "reports" / "sample" / "2026-11-20" / "report.md").exists()


# --- finding 2: SMTP refusing one of two recipients --------------------------------------------


def test_smtp_refusing_one_recipient_is_reported_as_partial_not_sent(tmp_path):
    server = Smtp(Inbox(refuse={"prof@lab.example": "550 5.1.1 no such user"}))
    server.on()
    try:
        profile = write_profile(tmp_path, mail_channel(server.port))
        outcome = run(profile, now=clock(T0))
        [mail] = outcome.deliveries
        assert mail.status == "partial" and "prof@lab.example refused (550" in mail.error
        [(_, rcpts, _)] = server.inbox.messages
        assert rcpts == ["group@lab.example"]
        # Recorded, listed by doctor, and the papers are not marked delivered.
        doctor = " ".join(CliRunner().invoke(app, ["doctor", "-p", str(profile)]).output.split())
        assert "not delivered 2026-11-20 → lab-mail" in doctor and "some recipients refused it" in doctor
        ledger = Ledger(tmp_path / "data" / "ledger.sqlite")
        assert ledger.state("sample", "2002.08909") == "written"
        ledger.close()
        # A later run does not send the accepted address a second copy.
        run(profile, now=clock(T0 + timedelta(days=1)))
        assert len(server.inbox.messages) == 1
    finally:
        server.off()


def test_a_temporary_refusal_is_retried_to_that_address_only(tmp_path):
    inbox = Inbox(refuse={"prof@lab.example": "450 4.2.1 mailbox busy"})
    server = Smtp(inbox)
    server.on()
    try:
        profile = write_profile(tmp_path, mail_channel(server.port))
        first = run(profile, now=clock(T0))
        assert first.deliveries[0].status == "failed"
        inbox.refuse = {}
        second = run(profile, now=clock(T0 + timedelta(hours=2)))
        assert second.deliveries[0].status == "sent"
        # The group got it once (not once per attempt); the busy mailbox got it when it could take it, marked as late.
        assert [rcpts for _, rcpts, _ in inbox.messages] == [["group@lab.example"], ["prof@lab.example"]]
        assert inbox.messages[1][2]["Subject"].startswith("【补发】")
    finally:
        server.off()


# --- finding 3: doctor's resend command works as printed ---------------------------------------


def test_doctors_resend_command_works_as_printed(tmp_path, hooks, monkeypatch):
    hooks.script.add("/slack", (500, {}, b"boom"))
    profile = write_profile(tmp_path, hook_channel("slack", f"{hooks.base}/slack", "slack"))
    out = tmp_path / "elsewhere-reports"
    assert CliRunner().invoke(app, ["run", "-p", str(profile), "--offline", "--out", str(out)]).exit_code == 3
    elsewhere = tmp_path / "cwd"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    doctor = CliRunner().invoke(app, ["doctor", "-p", str(profile)]).output
    [command] = [line.split("resend now: ", 1)[1] for line in doctor.splitlines() if "resend now: " in line]
    argv = shlex.split(command)
    assert argv[:2] == ["arxiv-monitor", "deliver"] and "-p" in argv and "--out" in argv
    hooks.script.add("/slack", SLACK_OK)
    resend = CliRunner().invoke(app, argv[1:])
    assert resend.exit_code == 0, resend.output
    assert "slack: sent" in resend.output and hooks.script.posts[-1][0] == "/slack"
    assert "resend now" not in CliRunner().invoke(app, ["doctor", "-p", str(profile)]).output


# --- finding 4: a multi-part message resumes at the failed part --------------------------------


def part_numbers(hooks) -> list[str]:
    return [re.search(r"\((\d+/\d+)\)$", json.loads(body)["text"]).group(1) for path, _, body in hooks.script.posts if path == "/slack"]


def test_a_retry_of_a_split_message_resumes_at_the_part_that_failed(tmp_path, hooks):
    profile_path = write_profile(tmp_path, hook_channel("slack", f"{hooks.base}/slack", "slack"))
    profile = load_profile(profile_path)
    report, paths = write_report(tmp_path, copies=8)  # several Slack messages
    total = len(payloads("slack", report, None))
    assert total >= 3
    hooks.script.add("/slack", SLACK_OK, (500, {}, b"busy"))  # part 1 goes out, part 2 is refused (three times)
    ledger = Ledger(profile.data_dir / "ledger.sqlite")
    try:
        [first] = deliver_report(profile, report, paths, ledger, sleep=lambda s: None, now=clock(T0))
        assert first.status == "failed"
        assert part_numbers(hooks) == [f"1/{total}"] + [f"2/{total}"] * 3
        item = SqliteOutbox(ledger).get("sample", report["date"], "slack")
        assert (item.parts_sent, item.parts_total, item.status) == (1, total, "pending")
        hooks.script.add("/slack", SLACK_OK)
        [second] = deliver_report(profile, report, paths, ledger, sleep=lambda s: None, now=clock(T0 + timedelta(hours=1)))
        assert second.status == "sent" and second.messages == total - 1
    finally:
        ledger.close()
    sent_ok = part_numbers(hooks)[4:]
    assert sent_ok == [f"{k}/{total}" for k in range(2, total + 1)]  # part 1 arrived once; the retry started at part 2
    assert all(json.loads(body)["text"].startswith("【补发】") for _, _, body in hooks.script.posts[4:])


# --- finding 5: a kill between sending and recording -------------------------------------------


class Killed(BaseException):
    """Stands for SIGKILL: nothing after it runs (it is not an Exception, so no handler swallows it)."""


def test_a_run_killed_between_send_and_record_resends_with_a_note_and_papers_wait_for_the_send(tmp_path, hooks, monkeypatch):
    profile = write_profile(tmp_path, hook_channel("slack", f"{hooks.base}/slack", "slack"))

    def killed(self, item, part, *, now):
        raise Killed

    with monkeypatch.context() as patch:
        patch.setattr(SqliteOutbox, "part_sent", killed)
        with pytest.raises(Killed):
            run(profile, now=clock(T0))
    assert len(hooks.script.posts) == 1  # it went out; the run died before recording it
    ledger = Ledger(tmp_path / "data" / "ledger.sqlite")
    assert SqliteOutbox(ledger).get("sample", "2026-11-20", "slack").status == "sending"
    assert ledger.state("sample", "2002.08909") == "written"  # not "delivered": nothing was confirmed
    ledger.close()

    again = run(profile, now=clock(T0 + timedelta(minutes=1)))
    assert [(d.channel, d.status, d.late) for d in again.deliveries] == [("slack", "sent", True)]
    resent = json.loads(hooks.script.posts[1][2])
    assert resent["text"].startswith("【补发】") and "无法确认是否已送达" in resent["blocks"][1]["text"]["text"]
    ledger = Ledger(tmp_path / "data" / "ledger.sqlite")
    assert ledger.state("sample", "2002.08909") == "delivered"
    ledger.close()
    run(profile, now=clock(T0 + timedelta(days=1)))
    assert len(hooks.script.posts) == 2  # and never a third time


# --- finding 6: titles are text, not markup ----------------------------------------------------

EVIL = "Click me](https://evil.example/phish) [REALM <!channel> <at id=all></at> <b>bold</b> <https://evil.example|x>"


def evil_report() -> dict:
    report = json.loads((REPO / "tests" / "fixtures" / "report-sample.json").read_text(encoding="utf-8"))
    report["papers"][0]["title"] = EVIL
    report["papers"][1]["analysis"]["summary"]["text"] = "see [here](https://evil.example/x) <at id=all></at>"
    return report


def markdown_links(text: str) -> list[str]:
    tokens = MarkdownIt("commonmark").parseInline(text)
    return [child.attrs["href"] for t in tokens for child in t.children or [] if child.type == "link_open"]


@pytest.mark.parametrize("platform", ["feishu", "wecom", "dingtalk"])
def test_markdown_platforms_show_titles_as_text(platform):
    report = evil_report()
    [payload] = payloads(platform, report, "https://lab.example.org/arxiv/2026-11-20/index.html")
    content = payload["card"]["elements"][0]["content"] if platform == "feishu" else payload["markdown"].get("content") or payload["markdown"]["text"]
    links = markdown_links(content)
    assert links and all(h.startswith("https://arxiv.org/abs/") or h.startswith("https://lab.example.org/") for h in links), links
    assert "<at" not in content and "<!channel>" not in content and "<b>" not in content
    assert "Click me" in content and "REALM" in content  # the title is still there, as text


def test_slack_shows_titles_as_text():
    report = evil_report()
    [payload] = payloads("slack", report, "https://lab.example.org/arxiv/2026-11-20/index.html")
    text = payload["blocks"][1]["text"]["text"]
    controls = re.findall(r"<([^>]*)>", text)  # every <...> Slack will act on
    assert controls and all(c.split("|")[0].startswith(("https://arxiv.org/abs/", "https://lab.example.org/")) for c in controls), controls
    assert "&lt;!channel&gt;" in text and "evil.example" not in " ".join(c.split("|")[0] for c in controls)


# --- finding 7: links that work for the reader -------------------------------------------------


def test_without_report_url_messages_say_there_is_no_hosted_report(tmp_path, hooks, smtp):
    smtp.on()
    profile = write_profile(tmp_path, mail_channel(smtp.port) + hook_channel("feishu", f"{hooks.base}/feishu", "feishu")
                            + hook_channel("slack", f"{hooks.base}/slack", "slack"))
    run(profile, now=clock(T0))
    bodies = [body.decode() for _, _, body in hooks.script.posts]
    assert len(bodies) == 2 and all("file://" not in b and "没有发布到网上" in b for b in bodies)
    [(_, _, mail)] = smtp.inbox.messages
    assert "file://" not in mail.get_body(("plain",)).get_content() and "file://" not in mail.get_body(("html",)).get_content()


def test_report_url_and_site_share_one_layout_and_mail_links_the_hosted_report(tmp_path, hooks, smtp):
    smtp.on()
    profile = write_profile(tmp_path, mail_channel(smtp.port) + hook_channel("slack", f"{hooks.base}/slack", "slack"),
                            top='report_url = "https://lab.example.org/arxiv"\n')
    run(profile, now=clock(T0))
    day_page = "https://lab.example.org/arxiv/2026-11-20/index.html"
    # The site built for that base URL (no trailing slash) has the page the messages link, and a feed that links it too.
    site = tmp_path / "site"
    built = CliRunner().invoke(app, ["site", "-p", str(profile), "--out", str(site), "--base-url", "https://lab.example.org/arxiv"])
    assert built.exit_code == 0, built.output
    assert (site / day_page.removeprefix("https://lab.example.org/arxiv/")).exists()
    feed = (site / "feed.xml").read_text(encoding="utf-8")
    assert 'href="https://lab.example.org/arxiv/feed.xml"' in feed and f'href="{day_page}"' in feed
    assert f"<{day_page}|" in json.loads(hooks.script.posts[0][2])["blocks"][1]["text"]["text"]
    [(_, _, mail)] = smtp.inbox.messages
    assert f'href="{day_page}"' in mail.get_body(("html",)).get_content()
    assert day_page in mail.get_body(("plain",)).get_content()
    assert mail["Date"] and re.fullmatch(r"<[^<>@\s]+@lab\.example>", mail["Message-ID"])


def test_the_readme_report_url_points_at_the_page_site_builds():
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    [pattern] = re.findall(r'^report_url = "([^"]+)"', readme, flags=re.MULTILINE)
    url = hosted_report_url(pattern, "sample", "2026-11-20")
    base = "https://lab.example.org/arxiv/"
    assert url == base + "2026-11-20/index.html", url  # where `site --out <dir> --base-url https://lab.example.org/arxiv` puts that day


# --- done when: the mail server is off for a day --------------------------------------------------


def two_recorded_days(folder: Path) -> list:
    """Three announcement days with papers on the sample profile's topics, in the sample's format (new ids, the sample's real
    PDFs), as tests/test_thirty_days.py builds them."""
    from tests.test_thirty_days import DAYS, feed_for, pdf_bytes

    folder.mkdir()
    for d in range(1, 4):
        body, pdfs = feed_for(d)
        (folder / f"rss_day{d}.xml").write_bytes(body)
        for vid, tpl in pdfs.items():
            (folder / f"{vid}.pdf").write_bytes(pdf_bytes(tpl))
    return DAYS[1:4]


def test_a_mail_server_off_for_a_day_gets_that_days_mail_with_the_next_days_run_exactly_once(tmp_path, smtp):
    days = two_recorded_days(tmp_path / "feeds")
    source = OfflineSource(tmp_path / "feeds")
    profile = write_profile(tmp_path, mail_channel(smtp.port))
    morning = [datetime(d.year, d.month, d.day, 8, 0, tzinfo=timezone.utc) for d in days]

    # Day 1: the SMTP server is off. The report is written, the run says the mail did not go, nothing is marked delivered.
    first = run(profile, source=source, day=days[0], now=clock(morning[0]))
    assert [(d.day, d.status) for d in first.deliveries] == [(days[0].isoformat(), "failed")]
    assert first.paths["md"].exists()
    ledger = Ledger(tmp_path / "data" / "ledger.sqlite")
    reported_day1 = [p["arxiv_id"] for p in first.report["papers"]]
    assert reported_day1 and all(ledger.state("sample", a.split("v")[0]) == "written" for a in reported_day1)
    ledger.close()

    # Day 2: the server is back. The next day's run sends day 1's mail (补发) and its own, one each.
    smtp.on()
    second = run(profile, source=source, day=days[1], now=clock(morning[1]))
    assert [(d.day, d.status, d.late) for d in second.deliveries] == [(days[0].isoformat(), "sent", True), (days[1].isoformat(), "sent", False)]
    subjects = [m["Subject"] for _, _, m in smtp.inbox.messages]
    assert len(subjects) == 2 and subjects[0].startswith("【补发】") and f"{days[0].month}月{days[0].day}日" in subjects[0]
    assert "补发" in smtp.inbox.messages[0][2].get_body(("plain",)).get_content() and not subjects[1].startswith("【补发】")
    ledger = Ledger(tmp_path / "data" / "ledger.sqlite")
    assert all(ledger.state("sample", a.split("v")[0]) == "delivered" for a in reported_day1)
    assert ledger.failed_deliveries("sample") == []
    ledger.close()

    # A rerun of day 2 and the run of day 3: day 1's mail is never sent again.
    run(profile, source=source, day=days[1], now=clock(morning[1] + timedelta(hours=1)))
    run(profile, source=source, day=days[2], now=clock(morning[2]))
    subjects = [m["Subject"] for _, _, m in smtp.inbox.messages]
    assert len(subjects) == 3 and sum(f"{days[0].month}月{days[0].day}日" in s for s in subjects) == 1


# --- the outbox itself -----------------------------------------------------------------------------


def test_backoff_grows_per_failed_run_stays_under_a_day_and_a_row_is_given_up_after_a_week():
    from datetime import date

    from tools.outbox import GIVE_UP_AFTER, MAX_BACKOFF

    ledger = Ledger(":memory:")
    outbox = SqliteOutbox(ledger)
    item = outbox.enqueue("p", date(2026, 11, 20), "mail", "/r", now=T0)
    assert [i.channel for i in outbox.due("p", now=T0)] == ["mail"]
    waits = []
    moment = T0
    for _ in range(6):
        outbox.fail(item, "down", 3, now=moment)
        nxt = datetime.fromisoformat(item.next_attempt)
        waits.append(nxt - moment)
        assert outbox.due("p", now=nxt - timedelta(seconds=1)) == [] and len(outbox.due("p", now=nxt)) == 1
        moment = nxt
    assert waits[:3] == [timedelta(minutes=15), timedelta(minutes=30), timedelta(hours=1)] and max(waits) == MAX_BACKOFF < timedelta(days=1)
    assert item.status == "pending" and item.attempts == 18
    outbox.fail(item, "still down", 3, now=T0 + GIVE_UP_AFTER)
    assert item.status == "given_up" and outbox.due("p", now=T0 + GIVE_UP_AFTER * 2) == []
    assert ledger.failed_deliveries("p") == [("2026-11-20", "mail", "still down")]
    # A resend on purpose brings it back, whole.
    again = outbox.reset("p", date(2026, 11, 20), "mail", "/r", now=T0 + GIVE_UP_AFTER * 2)
    assert (again.status, again.parts_sent) == ("pending", 0)


def test_a_ledger_from_before_the_outbox_does_not_send_a_delivered_day_again():
    from datetime import date

    ledger = Ledger(":memory:")
    ledger.record_delivery("p", date(2026, 11, 19), "mail", "sent", 1)
    ledger.record_delivery("p", date(2026, 11, 19), "slack", "failed", 3, "HTTP 500")
    outbox = SqliteOutbox(ledger)
    assert outbox.get("p", "2026-11-19", "mail").status == "sent"
    assert ledger.failed_deliveries("p") == [("2026-11-19", "slack", "HTTP 500")]
    assert outbox.enqueue("p", date(2026, 11, 19), "mail", "/r", now=T0).status == "sent"


def test_a_late_note_with_a_long_error_keeps_every_part_within_the_platform_limit():
    from agent.delivery.messages import LIMITS, late_note

    report = json.loads((REPO / "tests" / "fixtures" / "report-sample.json").read_text(encoding="utf-8"))
    report["papers"] = report["papers"] * 10
    note = late_note(report, error="拒绝" * 400, uncertain=True)
    text = {"slack": lambda p: p["blocks"][1]["text"]["text"], "wecom": lambda p: p["markdown"]["content"],
            "dingtalk": lambda p: p["markdown"]["text"]}
    for platform, body in text.items():
        plain, late = payloads(platform, report, "https://h/a/"), payloads(platform, report, "https://h/a/", note)
        assert len(plain) == len(late) > (platform != "dingtalk")  # the same split, so a retry resumes at the same part
        assert all(len(body(p).encode()) <= LIMITS[platform] + 100 for p in late)  # + the part's title line
