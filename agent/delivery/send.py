"""Sending: signed webhook posts for each platform and SMTP e-mail, retried with backoff, secrets only from the environment."""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import re
import smtplib
import ssl
import time
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from html import escape
from pathlib import Path

import httpx

from agent.config import EmailChannel, WebhookChannel
from agent.delivery.messages import body_bytes, payloads, title
from tools.errors import ConfigError


class DeliveryError(Exception):
    """A channel refused or could not be reached; the report is kept and the failure recorded."""


def _env(name: str | None, what: str) -> str | None:
    if not name:
        return None
    value = os.environ.get(name, "").strip()
    if not value:
        raise ConfigError(f"{what}: environment variable {name} is not set")
    return value


def feishu_sign(secret: str, timestamp: int) -> str:
    """Feishu's custom-bot signature: HMAC-SHA256 keyed with "timestamp\\nsecret" over an empty message, base64."""
    return base64.b64encode(hmac.new(f"{timestamp}\n{secret}".encode(), b"", hashlib.sha256).digest()).decode()


def dingtalk_sign(secret: str, timestamp_ms: int) -> str:
    """DingTalk's robot signature: HMAC-SHA256 keyed with the secret over "timestamp\\nsecret", base64, URL-encoded."""
    digest = hmac.new(secret.encode(), f"{timestamp_ms}\n{secret}".encode(), hashlib.sha256).digest()
    return urllib.parse.quote_plus(base64.b64encode(digest).decode())


def webhook_signature(secret: str, timestamp: int, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()


def refusal(platform: str, response: httpx.Response) -> str | None:
    """Why the platform did not take the message, or None if it did. Replies of any shape are read without crashing:
    a bot endpoint that answers `[]`, `null` or HTML has not confirmed anything."""
    if response.status_code >= 300:
        return f"HTTP {response.status_code}: {response.text[:200]}"
    if platform in ("feishu", "wecom", "dingtalk"):
        try:
            data = response.json()
        except ValueError:
            return f"HTTP {response.status_code} with a reply that is not JSON: {response.text[:200]!r}"
        if not isinstance(data, dict):
            return f"HTTP {response.status_code} with an unexpected reply (not a JSON object): {response.text[:200]!r}"
        code = data.get("code", data.get("StatusCode", 0))
        if code != 0 or data.get("errcode", 0) != 0:
            return f"HTTP {response.status_code}: {response.text[:200]}"
    return None


def webhook_payloads(channel: WebhookChannel, report: dict, link: str | None, note: str | None = None) -> list[dict]:
    return payloads(channel.type, report, link, note)


def post_webhook(channel: WebhookChannel, payload: dict, *, client: httpx.Client, now: Callable[[], float] = time.time) -> None:
    """Post one message, signed as the platform wants; raises DeliveryError unless the platform took it."""
    url = channel.url or _env(channel.url_env, f"{channel.type} channel")
    secret = _env(channel.secret_env, f"{channel.type} channel")
    target, headers = url, {"Content-Type": "application/json; charset=utf-8"}
    if channel.type == "feishu" and secret:
        ts = int(now())
        payload = {"timestamp": str(ts), "sign": feishu_sign(secret, ts), **payload}
    elif channel.type == "dingtalk" and secret:
        ts = int(now() * 1000)
        target = f"{url}{'&' if '?' in url else '?'}timestamp={ts}&sign={dingtalk_sign(secret, ts)}"
    body = body_bytes(payload)
    if channel.type == "webhook" and secret:
        ts = int(now())
        headers.update({"X-Arxiv-Monitor-Timestamp": str(ts), "X-Arxiv-Monitor-Signature": webhook_signature(secret, ts, body)})
    try:
        response = client.post(target, content=body, headers=headers)
    except httpx.HTTPError as exc:
        raise DeliveryError(f"{type(exc).__name__}: {exc}") from None
    why = refusal(channel.type, response)
    if why:
        raise DeliveryError(why)


def send_webhook(channel: WebhookChannel, report: dict, link: str | None, *, client: httpx.Client, now: Callable[[], float] = time.time) -> int:
    """Post every part of the message; the number of messages sent. Raises DeliveryError on a refusal."""
    parts = webhook_payloads(channel, report, link)
    for payload in parts:
        post_webhook(channel, payload, client=client, now=now)
    return len(parts)


def _with_link_on_top(html: str, link: str | None, report: dict, note: str | None) -> str:
    """The mail's HTML part opens with the 补发 note and a link to the hosted report (the text part ends with the same)."""
    zh = report["profile"]["language"] == "zh"
    top = ""
    if note:
        top += f'<p style="background:#fff4e5;padding:8px;border-left:4px solid #e69500">{escape(note)}</p>'
    if link:
        label = "在网页中查看完整报告" if zh else "Read the full report on the web"
        top += f'<p><a href="{escape(link, quote=True)}">{label}</a></p>'
    if not top:
        return html
    match = re.search(r"<body[^>]*>", html, flags=re.IGNORECASE)
    return html[: match.end()] + top + html[match.end():] if match else top + html


def email_message(channel: EmailChannel, report: dict, paths: dict[str, Path], link: str | None, note: str | None = None,
                  *, when: float | None = None) -> EmailMessage:
    """One multipart message: the Markdown report as text, the HTML report with its CSS inlined (mail clients drop <style>)."""
    import css_inline

    msg = EmailMessage()
    msg["Subject"] = (("【补发】" if report["profile"]["language"] == "zh" else "[late] ") if note else "") + title(report)
    msg["From"] = channel.sender
    msg["To"] = ", ".join(channel.to)
    msg["Date"] = formatdate(when, localtime=True)
    domain = channel.sender.rpartition("@")[2].strip("<> ") or "arxiv-monitor.invalid"
    msg["Message-ID"] = make_msgid(idstring=f"arxiv-monitor.{report['profile']['name']}.{report['date']}", domain=domain)
    text = paths["md"].read_text(encoding="utf-8")
    zh = report["profile"]["language"] == "zh"
    tail = f"\n\n{'完整报告' if zh else 'Full report'}: {link}\n" if link else "\n"
    msg.set_content((f"{note}\n\n" if note else "") + text + tail, charset="utf-8")
    html = _with_link_on_top(paths["html"].read_text(encoding="utf-8"), link, report, note)
    msg.add_alternative(css_inline.inline(html), subtype="html", charset="utf-8")
    return msg


@dataclass
class MailResult:
    accepted: list[str]
    refused: dict[str, tuple[int, str]] = field(default_factory=dict)  # address → (SMTP code, server's words)

    @property
    def permanently_refused(self) -> dict[str, tuple[int, str]]:
        """5xx refusals: sending again will not help (4xx ones are worth another try)."""
        return {a: r for a, r in self.refused.items() if r[0] >= 500}

    def describe(self) -> str:
        return "; ".join(f"{a} refused ({code} {_decode(words)})" for a, (code, words) in self.refused.items())


def _decode(words) -> str:
    return words.decode("utf-8", "replace") if isinstance(words, bytes) else str(words)


def send_email(channel: EmailChannel, report: dict, paths: dict[str, Path], link: str | None, *, note: str | None = None,
               recipients: list[str] | None = None, timeout: float = 30.0) -> MailResult:
    """Send to `recipients` (default: all of the channel's addresses); which accepted and which the server refused.
    Raises DeliveryError when the server cannot be reached or refuses the message itself."""
    user = _env(channel.username_env, "email channel")
    password = _env(channel.password_env, "email channel")
    msg = email_message(channel, report, paths, link, note)
    to = list(recipients if recipients is not None else channel.to)
    try:
        if channel.security == "ssl":
            server = smtplib.SMTP_SSL(channel.smtp_host, channel.smtp_port, timeout=timeout, context=ssl.create_default_context())
        else:
            server = smtplib.SMTP(channel.smtp_host, channel.smtp_port, timeout=timeout)
        with server:
            if channel.security == "starttls":
                server.starttls(context=ssl.create_default_context())
            if user and password:
                server.login(user, password)
            refused = server.send_message(msg, to_addrs=to)
    except smtplib.SMTPRecipientsRefused as exc:  # nobody accepted it
        return MailResult([], {a: (code, _decode(words)) for a, (code, words) in exc.recipients.items()})
    except (OSError, smtplib.SMTPException) as exc:
        raise DeliveryError(f"{type(exc).__name__}: {exc}") from None
    refused = {a: (code, _decode(words)) for a, (code, words) in (refused or {}).items()}
    return MailResult([a for a in to if a not in refused], refused)
