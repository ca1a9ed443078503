"""A built-in daily scheduler: run at a time of day, on chosen weekdays, forever (or N times)."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from datetime import time as clock_time

from tools.errors import ConfigError, MonitorError

log = logging.getLogger(__name__)
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def parse_at(text: str) -> clock_time:
    try:
        hour, minute = (int(x) for x in text.split(":"))
        return clock_time(hour, minute)
    except ValueError:
        raise ConfigError(f"--at {text!r}: expected HH:MM, e.g. 09:00") from None


def parse_days(text: str) -> set[int]:
    """"mon-fri", "mon,wed,fri" or "daily" -> weekday numbers (Monday is 0)."""
    text = text.strip().lower()
    if text in ("daily", "all", "*"):
        return set(range(7))
    days: set[int] = set()
    for part in text.split(","):
        start, _, end = part.strip().partition("-")
        if start not in DAYS or (end and end not in DAYS):
            raise ConfigError(f"--days {text!r}: use mon..sun, ranges like mon-fri, or 'daily'")
        a, b = DAYS.index(start), DAYS.index(end or start)
        days |= set(range(a, b + 1)) if a <= b else set(range(a, 7)) | set(range(0, b + 1))
    return days


def next_run(now: datetime, at: clock_time, weekdays: set[int]) -> datetime:
    candidate = now.replace(hour=at.hour, minute=at.minute, second=0, microsecond=0)
    if candidate <= now:
        candidate += timedelta(days=1)
    while candidate.weekday() not in weekdays:
        candidate += timedelta(days=1)
    return candidate


class Scheduler:
    def __init__(
        self,
        job: Callable[[], object],
        at: clock_time,
        weekdays: set[int],
        *,
        now: Callable[[], datetime] = datetime.now,
        sleep: Callable[[float], None] = time.sleep,
        announce: Callable[[str], None] = log.info,
    ):
        self.job, self.at, self.weekdays = job, at, weekdays
        self.now, self.sleep, self.announce = now, sleep, announce

    def run(self, max_runs: int | None = None) -> int:
        """Sleep until each run time and run the job; a failed run is reported and the next one still happens."""
        runs = 0
        while max_runs is None or runs < max_runs:
            when = next_run(self.now(), self.at, self.weekdays)
            self.announce(f"next run at {when:%Y-%m-%d %H:%M}")
            while (wait := (when - self.now()).total_seconds()) > 0:
                self.sleep(min(wait, 300))  # wake up now and then: clocks jump (suspend, DST)
            try:
                self.job()
            except MonitorError as exc:
                self.announce(f"run failed: {exc}")
            runs += 1
        return runs
