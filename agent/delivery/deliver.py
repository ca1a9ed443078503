"""Deliver a day's report to every channel of the profile, once each; a failure is retried, recorded and never fails the run."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import httpx

from agent.config import EmailChannel, Profile
from agent.delivery.messages import report_link
from agent.delivery.send import DeliveryError, send_email, send_webhook
from tools.errors import ConfigError
from tools.ledger import Ledger

log = logging.getLogger(__name__)
ATTEMPTS = 3


@dataclass
class Delivery:
    channel: str
    status: str  # "sent", "skipped" (sent before), "failed"
    messages: int = 0
    error: str | None = None


def deliver_report(
    profile: Profile, report: dict, paths: dict[str, Path], ledger: Ledger, *, only: str | None = None, force: bool = False,
    sleep: Callable[[float], None] = time.sleep, client: httpx.Client | None = None,
) -> list[Delivery]:
    """Send to each channel that has not had this day's report (all of them, or `only`, with `force`)."""
    names = profile.channel_names()
    if only is not None and only not in names:
        raise ConfigError(f"no delivery channel {only!r} in profile {profile.name} (channels: {', '.join(names) or 'none'})")
    day = date.fromisoformat(report["date"])
    link = report_link(report, profile.report_url, paths["html"].resolve().as_uri())
    own_client = client is None
    client = client or httpx.Client(timeout=20.0)
    results = []
    try:
        for name, channel in zip(names, profile.delivery, strict=True):
            if only is not None and name != only:
                continue
            if not force and ledger.delivery(profile.name, day, name) == "sent":
                results.append(Delivery(name, "skipped"))
                continue
            results.append(_send_with_retries(name, channel, report, paths, link, ledger, profile.name, day, sleep, client))
    finally:
        if own_client:
            client.close()
    return results


def _send_with_retries(name, channel, report, paths, link, ledger, profile_name, day, sleep, client) -> Delivery:
    error = ""
    for attempt in range(ATTEMPTS):
        try:
            if isinstance(channel, EmailChannel):
                sent = send_email(channel, report, paths, link)
            else:
                sent = send_webhook(channel, report, link, client=client)
            ledger.record_delivery(profile_name, day, name, "sent", attempt + 1)
            return Delivery(name, "sent", sent)
        except ConfigError as exc:  # a missing secret: retrying will not help
            error = str(exc)
            break
        except DeliveryError as exc:
            error = str(exc)
            log.warning("delivery to %s failed (%s)%s", name, error, "; retrying" if attempt + 1 < ATTEMPTS else "")
            if attempt + 1 < ATTEMPTS:
                sleep(2.0 * 2**attempt)
    ledger.record_delivery(profile_name, day, name, "failed", ATTEMPTS, error)
    return Delivery(name, "failed", 0, error)
