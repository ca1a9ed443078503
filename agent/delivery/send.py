"""Sending: signed webhook posts for each platform and SMTP e-mail, retried with backoff, secrets only from the environment."""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import smtplib
import ssl
import time
import urllib.parse
from collections.abc import Callable
from email.message import EmailMessage
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


def _accepted(platform: str, response: httpx.Response) -> bool:
    if response.status_code >= 300:
        return False
    if platform in ("feishu", "wecom", "dingtalk"):
        try:
            data = response.json()
        except ValueError:
            return False
        return data.get("code", data.get("StatusCode", 0)) == 0 and data.get("errcode", 0) == 0
    return True


def send_webhook(channel: WebhookChannel, report: dict, link: str, *, client: httpx.Client, now: Callable[[], float] = time.time) -> int:
    """Post every part of the message; the number of messages sent. Raises DeliveryError on a refusal."""
    url = channel.url or _env(channel.url_env, f"{channel.type} channel")
    secret = _env(channel.secret_env, f"{channel.type} channel")
    sent = 0
    for payload in payloads(channel.type, report, link):
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
        if not _accepted(channel.type, response):
            raise DeliveryError(f"HTTP {response.status_code}: {response.text[:200]}")
        sent += 1
    return sent


def email_message(channel: EmailChannel, report: dict, paths: dict[str, Path], link: str) -> EmailMessage:
    """One multipart message: the Markdown report as text, the HTML report with its CSS inlined (mail clients drop <style>)."""
    import css_inline

    msg = EmailMessage()
    msg["Subject"] = title(report)
    msg["From"] = channel.sender
    msg["To"] = ", ".join(channel.to)
    text = paths["md"].read_text(encoding="utf-8")
    msg.set_content(f"{text}\n\n{link}\n", charset="utf-8")
    msg.add_alternative(css_inline.inline(paths["html"].read_text(encoding="utf-8")), subtype="html", charset="utf-8")
    return msg


def send_email(channel: EmailChannel, report: dict, paths: dict[str, Path], link: str, *, timeout: float = 30.0) -> int:
    user = _env(channel.username_env, "email channel")
    password = _env(channel.password_env, "email channel")
    msg = email_message(channel, report, paths, link)
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
            server.send_message(msg)
    except (OSError, smtplib.SMTPException) as exc:
        raise DeliveryError(f"{type(exc).__name__}: {exc}") from None
    return 1
