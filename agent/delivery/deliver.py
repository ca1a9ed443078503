"""Deliver reports through the outbox (tools/outbox.py): every channel × report is a row, sent once, retried by any later run.

A run queues its report on every channel of the profile and sends whatever is due:
its own report and any earlier one that has not gone out (a 补发, with a note saying
so). A failure never fails the run or loses the report; the run's result lists it
and the CLI's exit status says so. Papers are marked delivered only once every
channel has the report.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timezone
from pathlib import Path

import httpx

from agent.config import EmailChannel, Profile
from agent.delivery.links import hosted_report_url
from agent.delivery.messages import late_note
from agent.delivery.send import DeliveryError, post_webhook, send_email, webhook_payloads
from tools.errors import ConfigError
from tools.outbox import Outbox, OutboxItem, outbox_for
from tools.stores import Store

log = logging.getLogger(__name__)
ATTEMPTS = 3  # within one run, 2 s and 4 s apart; later runs retry with the outbox's backoff

# Statuses a Delivery can have. "sent" and "skipped" (sent before) are fine; the others mean someone did not get it.
DELIVERED = ("sent", "skipped")


@dataclass
class Delivery:
    channel: str
    status: str  # "sent", "skipped" (sent before), "failed" (retried by a later run), "waiting" (backoff), "partial", "given_up"
    messages: int = 0
    error: str | None = None
    day: str = ""
    late: bool = False  # a 补发 of a report whose first attempt failed or was cut short

    @property
    def ok(self) -> bool:
        return self.status in DELIVERED

    def describe(self) -> str:
        what = f"{self.day} → {self.channel}: {self.status}"
        if self.late and self.status == "sent":
            what += " (补发)"
        if self.messages:
            what += f" ({self.messages} message(s))"
        return what + (f" — {self.error}" if self.error else "")


def _utc(now: Callable[[], datetime] | None) -> Callable[[], datetime]:
    if now is None:
        return lambda: datetime.now(timezone.utc)
    return lambda: now().astimezone(timezone.utc)  # a naive clock (datetime.now) is local time


def deliver_report(
    profile: Profile, report: dict, paths: dict[str, Path], ledger: Store, *, only: str | None = None, force: bool = False,
    sleep: Callable[[float], None] = time.sleep, client: httpx.Client | None = None, now: Callable[[], datetime] | None = None,
) -> list[Delivery]:
    """Queue this report on each channel (or `only`) and send what is due, earlier days' reports included.

    `force` (the `deliver` command) sends this report again now, to every channel asked for, whatever was sent before.
    """
    names = profile.channel_names()
    if only is not None and only not in names:
        raise ConfigError(f"no delivery channel {only!r} in profile {profile.name} (channels: {', '.join(names) or 'none'})")
    clock = _utc(now)
    outbox = outbox_for(ledger)
    day = date.fromisoformat(report["date"])
    folder = str(paths["json"].resolve().parent)
    wanted = [n for n in names if only is None or n == only]
    for name in wanted:
        if force:
            outbox.reset(profile.name, day, name, folder, now=clock())
        else:
            outbox.enqueue(profile.name, day, name, folder, now=clock())
    results = flush_outbox(profile, ledger, sleep=sleep, client=client, now=now, days=[report["date"]] if (force or only) else None,
                           channels=wanted if only else None)
    # This report's channels that were not due: sent before, or waiting for their backoff.
    covered = {(d.day, d.channel) for d in results}
    for name in wanted:
        if (report["date"], name) in covered:
            continue
        item = outbox.get(profile.name, day, name)
        if item.status == "sent":
            results.append(Delivery(name, "skipped", day=item.day))
        elif item.status == "pending":
            results.append(Delivery(name, "waiting", error=f"{item.error}; next try after {item.next_attempt}", day=item.day))
        else:
            results.append(Delivery(name, item.status, error=item.error, day=item.day))
    return results


def flush_outbox(
    profile: Profile, ledger: Store, *, sleep: Callable[[float], None] = time.sleep, client: httpx.Client | None = None,
    now: Callable[[], datetime] | None = None, days: list[str] | None = None, channels: list[str] | None = None,
) -> list[Delivery]:
    """Send every outbox row of the profile that is due (or every row of `days`), oldest day first."""
    clock = _utc(now)
    outbox = outbox_for(ledger)
    if days is None:
        items = outbox.due(profile.name, now=clock())
    else:
        items = [i for d in days for n in profile.channel_names() if (i := outbox.get(profile.name, d, n)) and not i.done]
    if channels is not None:
        items = [i for i in items if i.channel in channels]
    if not items:
        return []
    own_client = client is None
    client = client or httpx.Client(timeout=20.0)
    results = []
    try:
        for item in items:
            results.append(_deliver_item(profile, outbox, item, sleep=sleep, client=client, clock=clock))
            if outbox.day_delivered(profile.name, item.day):
                ledger.mark_delivered(profile.name, date.fromisoformat(item.day))
    finally:
        if own_client:
            client.close()
    return results


def _deliver_item(profile: Profile, outbox: Outbox, item: OutboxItem, *, sleep, client, clock) -> Delivery:
    channels = dict(zip(profile.channel_names(), profile.delivery, strict=True))
    channel = channels.get(item.channel)
    if channel is None:
        outbox.finish(item, "given_up", now=clock(), error=f"channel {item.channel} is no longer in profile {profile.name}")
        return Delivery(item.channel, "given_up", error=item.error, day=item.day)
    if item.status == "sending":
        # The last run stopped between sending and recording: the part in flight may have arrived. Send it again, and say so.
        outbox.mark_uncertain(item, now=clock())
    folder = Path(item.report_dir)
    paths = {kind: folder / f"report.{kind}" for kind in ("md", "html", "json")}
    try:
        report = json.loads(paths["json"].read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        error = f"the report to send is gone or unreadable ({paths['json']}: {type(exc).__name__}); run {item.day} again"
        outbox.fail(item, error, 1, now=clock())
        return Delivery(item.channel, "failed", error=error, day=item.day)
    late = item.late
    note = late_note(report, error=item.error, uncertain=item.uncertain) if late else None
    link = hosted_report_url(profile.report_url, profile.name, item.day)
    error = ""
    for attempt in range(ATTEMPTS):
        try:
            if isinstance(channel, EmailChannel):
                status, sent, error = _send_mail(outbox, item, channel, report, paths, link, note, clock)
            else:
                status, sent, error = _send_parts(outbox, item, channel, report, link, note, client, clock)
            return Delivery(item.channel, status, sent, error or None, item.day, late)
        except ConfigError as exc:  # a missing secret: retrying now will not help, a later run may
            error = str(exc)
            break
        except DeliveryError as exc:
            error = str(exc)
            log.warning("delivery of %s to %s failed (%s)%s", item.day, item.channel, error, "; retrying" if attempt + 1 < ATTEMPTS else "")
            if attempt + 1 < ATTEMPTS:
                sleep(2.0 * 2**attempt)
        except Exception as exc:  # noqa: BLE001 - whatever one channel does, the others are still tried and the row kept
            log.warning("delivery of %s to %s failed unexpectedly", item.day, item.channel, exc_info=True)
            error = f"{type(exc).__name__}: {exc}"
            break
    outbox.fail(item, error, attempt + 1, now=clock())
    return Delivery(item.channel, item.status if item.status == "given_up" else "failed", 0, error, item.day, late)


def _send_parts(outbox, item, channel, report, link, note, client, clock) -> tuple[str, int, str]:
    """Post the parts not yet sent, recording each one before and after it goes out."""
    parts = webhook_payloads(channel, report, link, note)
    start = min(item.parts_sent, len(parts))
    for k in range(start, len(parts)):
        outbox.begin(item, k, len(parts), now=clock())
        post_webhook(channel, parts[k], client=client)
        outbox.part_sent(item, k, now=clock())
    outbox.finish(item, "sent", now=clock())
    return "sent", len(parts) - start, ""


def _send_mail(outbox, item, channel, report, paths, link, note, clock) -> tuple[str, int, str]:
    """Send to the addresses that have not accepted it yet; a permanent refusal is reported, a temporary one retried."""
    remaining = [a for a in channel.to if a not in item.recipients_done]
    if not remaining:
        outbox.finish(item, "sent", now=clock())
        return "sent", 0, ""
    outbox.begin(item, 0, 1, now=clock())
    result = send_email(channel, report, paths, link, note=note, recipients=remaining)
    outbox.recipients_sent(item, result.accepted, now=clock())
    if not result.refused:
        outbox.finish(item, "sent", now=clock())
        return "sent", 1, ""
    if len(result.permanently_refused) < len(result.refused):
        raise DeliveryError(result.describe())  # a temporary refusal (4xx): worth another try, to those addresses only
    status = "partial" if item.recipients_done else "given_up"
    outbox.finish(item, status, now=clock(), error=result.describe())
    return status, 1 if result.accepted else 0, result.describe()
