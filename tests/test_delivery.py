"""Delivery against real servers on loopback: an SMTP server (aiosmtpd) and HTTP stand-ins for Feishu, DingTalk, WeCom and Slack.

Each stand-in checks what the platform checks: the payload format, and for
Feishu and DingTalk the signature made with the channel's secret.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import urllib.parse
from datetime import datetime, timedelta, timezone
from email import message_from_bytes
from email.policy import default as email_policy

import pytest
from typer.testing import CliRunner

from agent.cli import app
from agent.delivery.messages import LIMITS, chunks, payloads
from tests.conftest import REPO
from tests.loopback import LoopbackServer

aiosmtpd = pytest.importorskip("aiosmtpd.controller")

FEISHU_OK = (200, {"Content-Type": "application/json"}, b'{"code":0,"msg":"success"}')
DING_OK = (200, {"Content-Type": "application/json"}, b'{"errcode":0,"errmsg":"ok"}')
SLACK_OK = (200, {}, b"ok")


class Inbox:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        self.messages.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.content))
        return "250 OK"


@pytest.fixture
def smtp():
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    inbox = Inbox()
    controller = aiosmtpd.Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield inbox, port
    controller.stop()


@pytest.fixture
def hooks():
    with LoopbackServer() as server:
        server.script.add("/feishu", FEISHU_OK)
        server.script.add("/ding", DING_OK)
        server.script.add("/slack", SLACK_OK)
        yield server


def profile_with_channels(tmp_path, smtp_port: int, base: str):
    text = (REPO / "profiles" / "sample.toml").read_text(encoding="utf-8")
    text = text.replace('output_dir = "reports"', f'output_dir = "{tmp_path / "reports"}"').replace(
        'data_dir = ".arxiv-monitor"', f'data_dir = "{tmp_path / "data"}"')
    text += f"""
[[delivery]]
type = "email"
name = "lab-mail"
smtp_host = "127.0.0.1"
smtp_port = {smtp_port}
security = "none"
from = "arxiv-monitor@lab.example"
to = ["group@lab.example", "prof@lab.example"]

[[delivery]]
type = "feishu"
name = "feishu"
url_env = "FEISHU_HOOK"
secret_env = "FEISHU_SECRET"

[[delivery]]
type = "slack"
url = "{base}/slack"
"""
    path = tmp_path / "p.toml"
    path.write_text(text, encoding="utf-8")
    return path


def feishu_signature_ok(body: dict, secret: str) -> bool:
    expected = base64.b64encode(hmac.new(f"{body['timestamp']}\n{secret}".encode(), b"", hashlib.sha256).digest()).decode()
    return body.get("sign") == expected


def test_one_run_sends_one_message_per_channel_and_a_rerun_sends_none(tmp_path, smtp, hooks, monkeypatch):
    inbox, port = smtp
    monkeypatch.setenv("FEISHU_HOOK", f"{hooks.base}/feishu")
    monkeypatch.setenv("FEISHU_SECRET", "s3cret")
    profile = profile_with_channels(tmp_path, port, hooks.base)
    first = CliRunner().invoke(app, ["run", "-p", str(profile), "--offline"])
    assert first.exit_code == 0, first.output

    # E-mail: one multipart message, Chinese subject with the profile and the date, CSS inlined in the HTML part.
    [(sender, rcpts, raw)] = inbox.messages
    assert sender == "arxiv-monitor@lab.example" and rcpts == ["group@lab.example", "prof@lab.example"]
    msg = message_from_bytes(raw, policy=email_policy)
    assert msg["Subject"] == "arXiv 论文监控 · sample · 2026年11月20日（6 篇）"
    html = msg.get_body(("html",)).get_content()
    plain = msg.get_body(("plain",)).get_content()
    assert "<style>" not in html and 'style="' in html and "REALM" in html and "## 1. REALM" in plain

    # Feishu: one signed interactive card; Slack: one message with blocks.
    posts = {path: (headers, json.loads(body)) for path, headers, body in hooks.script.posts}
    assert [p for p, _, _ in hooks.script.posts] == ["/feishu", "/slack"]
    card = posts["/feishu"][1]
    assert feishu_signature_ok(card, "s3cret") and card["msg_type"] == "interactive"
    assert "REALM" in card["card"]["elements"][0]["content"] and "sample" in card["card"]["header"]["title"]["content"]
    slack = posts["/slack"][1]
    assert slack["blocks"][0]["type"] == "header" and "<https://arxiv.org/abs/" in slack["blocks"][1]["text"]["text"]

    again = CliRunner().invoke(app, ["run", "-p", str(profile), "--offline"])
    assert again.exit_code == 0 and "reused" in again.output
    assert len(inbox.messages) == 1 and len(hooks.script.posts) == 2  # delivered once per channel

    resend = CliRunner().invoke(app, ["deliver", "-p", str(profile), "--date", "2026-11-20", "--channel", "feishu"])
    assert resend.exit_code == 0 and "feishu: sent" in resend.output
    assert len(hooks.script.posts) == 3 and len(inbox.messages) == 1


def test_a_failing_channel_is_retried_recorded_and_never_fails_the_run(tmp_path, smtp, hooks, monkeypatch):
    inbox, port = smtp
    monkeypatch.setenv("FEISHU_HOOK", f"{hooks.base}/feishu")
    monkeypatch.setenv("FEISHU_SECRET", "s3cret")
    hooks.script.add("/slack", (500, {}, b"boom"))
    profile = profile_with_channels(tmp_path, port, hooks.base)
    from agent.config import load_profile
    from agent.llm.registry import offline_registry
    from agent.run.monitor_run import run_monitor
    from tests.conftest import SAMPLE_DIR
    from tools.sources import OfflineSource

    waits = []
    outcome = run_monitor(load_profile(profile), registry=offline_registry("t"), source=OfflineSource(SAMPLE_DIR), deliver_sleep=waits.append)
    assert outcome.paths["md"].exists() and outcome.status == "completed"
    status = {d.channel: d.status for d in outcome.deliveries}
    assert status == {"lab-mail": "sent", "feishu": "sent", "slack-3": "failed"}
    assert hooks.script.hits["/slack"] == 3 and waits == [2.0, 4.0]
    doctor = CliRunner().invoke(app, ["doctor", "-p", str(profile)])
    assert "not delivered 2026-11-20 → slack-3" in " ".join(doctor.output.split())
    # The next report says so, until the delivery goes out.
    from tools.ledger import Ledger

    ledger = Ledger(load_profile(profile).data_dir / "ledger.sqlite")
    assert ledger.failed_deliveries("sample") == [("2026-11-20", "slack-3", "HTTP 500: boom")]
    ledger.close()
    # A rerun right away waits for the outbox's backoff instead of hammering the endpoint...
    hooks.script.add("/slack", SLACK_OK)
    soon = run_monitor(load_profile(profile), registry=offline_registry("t"), source=OfflineSource(SAMPLE_DIR), deliver_sleep=waits.append)
    assert {d.channel: d.status for d in soon.deliveries} == {"lab-mail": "skipped", "feishu": "skipped", "slack-3": "waiting"}
    assert hooks.script.hits["/slack"] == 0
    # ...and a run after it tries the failed channel again, and only that one, saying it is a 补发.
    later = lambda: datetime.now(timezone.utc) + timedelta(hours=1)  # noqa: E731
    again = run_monitor(load_profile(profile), registry=offline_registry("t"), source=OfflineSource(SAMPLE_DIR), deliver_sleep=waits.append, now=later)
    assert {d.channel: d.status for d in again.deliveries} == {"lab-mail": "skipped", "feishu": "skipped", "slack-3": "sent"}
    path, _, body = hooks.script.posts[-1]
    assert path == "/slack" and json.loads(body)["text"].startswith("【补发】") and "HTTP 500: boom" in body.decode()


def test_dingtalk_and_wecom_formats_and_limits(tmp_path, hooks, monkeypatch):
    from agent.config import WebhookChannel
    from agent.delivery.send import send_webhook

    report = json.loads((REPO / "tests" / "fixtures" / "report-sample.json").read_text(encoding="utf-8"))  # the sample day's report
    monkeypatch.setenv("DING_SECRET", "ding-secret")
    import httpx

    with httpx.Client() as client:
        sent = send_webhook(WebhookChannel(type="dingtalk", url=f"{hooks.base}/ding?access_token=x", secret_env="DING_SECRET"), report, "http://r",
                            client=client, now=lambda: 1_700_000_000.0)
    assert sent == 1
    path, _, body = hooks.script.posts[-1]
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(path).query)
    ts = query["timestamp"][0]
    expected = base64.b64encode(hmac.new(b"ding-secret", f"{ts}\nding-secret".encode(), hashlib.sha256).digest()).decode()
    assert query["sign"][0] == expected and json.loads(body)["msgtype"] == "markdown"
    wecom = payloads("wecom", report, "http://r")
    assert all(len(p["markdown"]["content"].encode()) <= 4096 for p in wecom)


def test_long_digests_are_split_within_the_limit():
    lines = [f"{i}. " + "很长的标题" * 40 for i in range(60)]
    parts = chunks(lines, LIMITS["wecom"])
    assert len(parts) > 1 and all(len("\n".join(p).encode()) <= LIMITS["wecom"] for p in parts)
    assert sum(len(p) for p in parts) == 60
