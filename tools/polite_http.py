"""The one HTTP policy for every request to arXiv: feeds, API and PDFs.

At most one request per `min_interval` seconds over a single connection, and
across processes too when a shared pacing file is given (a file lock in the
user's cache directory); retries with exponential backoff on 429/406/503
honouring Retry-After and on connections that drop or stall mid-body; only
arXiv hosts (or the mirror named by ARXIV_MONITOR_ARXIV_BASE); size and time
limits on downloads; a body shorter than its Content-Length is an error; and
nothing half-written.
"""

from __future__ import annotations

import fcntl
import logging
import os
import tempfile
import threading
import time
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Protocol
from urllib.parse import urljoin, urlsplit

import httpx

from tools.errors import SourceError

log = logging.getLogger(__name__)

ARXIV_HOSTS = frozenset({"arxiv.org", "www.arxiv.org", "export.arxiv.org", "rss.arxiv.org", "ar5iv.labs.arxiv.org", "ar5iv.org"})
# arXiv throttles with 429 and also 406; 503 means "come back later".
RETRY_STATUS = frozenset({406, 429, 503})
USER_AGENT = "arxiv-monitor/0.1 (daily digest for a research group)"
ACCEPT = "application/atom+xml, application/rss+xml, application/xml;q=0.9, application/pdf;q=0.9, */*;q=0.5"


def default_user_agent(contact: str | None = None) -> str:
    """The User-Agent arXiv asks for: the tool and a way to reach whoever runs it (ARXIV_MONITOR_CONTACT)."""
    contact = contact or os.environ.get("ARXIV_MONITOR_CONTACT", "").strip()
    return f"{USER_AGENT[:-1]}; mailto:{contact})" if contact else USER_AGENT


class SharedPacing:
    """The time of the last request to arXiv from any process on this machine, behind a file lock."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)

    def wait_turn(self, min_interval: float) -> float:
        """Sleep until `min_interval` seconds after the last request of any process; record this one (epoch seconds)."""
        with self.path.open("a+") as fh:
            fcntl.flock(fh, fcntl.LOCK_EX)
            try:
                fh.seek(0)
                text = fh.read().strip()
                last = float(text) if text.replace(".", "", 1).isdigit() else 0.0
                wait = min_interval - (time.time() - last)
                if wait > 0:
                    time.sleep(wait)
                now = time.time()
                fh.seek(0)
                fh.truncate()
                fh.write(f"{now:.6f}")
                fh.flush()
                return now
            finally:
                fcntl.flock(fh, fcntl.LOCK_UN)


def default_pacing_file() -> Path:
    from tools.paper_cache import user_cache_dir

    return user_cache_dir() / "arxiv-pacing"


class Truncated(Exception):
    """The connection ended before the announced Content-Length."""


class Clock(Protocol):
    def now(self) -> float: ...

    def sleep(self, seconds: float) -> None: ...


class SystemClock:
    def now(self) -> float:
        return time.monotonic()

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)


class HostNotAllowed(SourceError):
    pass


class NotFound(SourceError):
    """HTTP 404: arXiv has no such resource (for /html/: no HTML conversion of this version)."""


class TooLarge(SourceError):
    pass


class NoNetwork(SourceError):
    """The host's name does not resolve: this machine is offline, and waiting and retrying will not change that."""


# What getaddrinfo says when a name has no address (EAI_NONAME on Linux, glibc and macOS wordings); a temporary
# failure in name resolution (EAI_AGAIN) is retried like a busy server.
_NO_SUCH_NAME = ("Name or service not known", "nodename nor servname provided", "No address associated with hostname")


@dataclass
class Limits:
    max_bytes: int = 60 * 1024 * 1024
    max_seconds: float = 180.0


def _retry_after(value: str | None, now_epoch: float) -> float | None:
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        return max(0.0, parsedate_to_datetime(value).timestamp() - now_epoch)
    except (TypeError, ValueError):
        return None


class PoliteClient:
    def __init__(
        self,
        *,
        min_interval: float = 3.0,
        max_retries: int = 4,
        backoff_base: float = 3.0,
        max_backoff: float = 300.0,
        timeout: float = 30.0,
        allowed_hosts: frozenset[str] | set[str] = ARXIV_HOSTS,
        clock: Clock | None = None,
        transport: httpx.BaseTransport | None = None,
        user_agent: str | None = None,
        shared_pacing: SharedPacing | None = None,
    ):
        self.min_interval = min_interval
        self.max_retries = max_retries
        self.backoff_base = backoff_base
        self.max_backoff = max_backoff
        self.allowed_hosts = frozenset(allowed_hosts)
        self.clock = clock or SystemClock()
        self.shared_pacing = shared_pacing
        self.request_times: list[float] = []  # clock time of every request sent, for auditing
        self._last: float | None = None
        self._lock = threading.Lock()
        self._client = httpx.Client(
            timeout=timeout,
            transport=transport,
            limits=httpx.Limits(max_connections=1, max_keepalive_connections=1),
            headers={"User-Agent": user_agent or default_user_agent(), "Accept": ACCEPT},
            follow_redirects=False,
        )

    def close(self) -> None:
        self._client.close()

    def check_host(self, url: str) -> None:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or (parts.hostname or "").lower() not in self.allowed_hosts:
            raise HostNotAllowed(f"refusing to fetch {url}: only arXiv hosts are allowed ({', '.join(sorted(self.allowed_hosts))})")

    def _wait_turn(self) -> None:
        if self.shared_pacing is not None:
            self.shared_pacing.wait_turn(self.min_interval)
        if self._last is not None:
            wait = self.min_interval - (self.clock.now() - self._last)
            if wait > 0:
                self.clock.sleep(wait)
        self._last = self.clock.now()
        self.request_times.append(self._last)

    def _backoff(self, attempt: int, response: httpx.Response | None) -> float:
        hinted = _retry_after(response.headers.get("Retry-After"), time.time()) if response is not None else None
        delay = hinted if hinted is not None else self.backoff_base * (2**attempt)
        return min(delay, self.max_backoff)

    def _pause(self, attempt: int, response: httpx.Response | None, why: str) -> None:
        delay = self._backoff(attempt, response)
        log.info("%s in %.0fs", why, delay)
        self.clock.sleep(delay)

    def _send(self, url: str, *, stream: bool) -> httpx.Response:
        """One logical GET: paced, retried, redirects followed within the allow-list."""
        self.check_host(url)
        last_problem = ""
        for attempt in range(self.max_retries + 1):
            current = url
            try:
                for _hop in range(6):
                    self._wait_turn()
                    request = self._client.build_request("GET", current)
                    response = self._client.send(request, stream=stream)
                    if response.is_redirect:
                        location = urljoin(current, response.headers.get("Location", ""))
                        response.close()
                        self.check_host(location)
                        current = location
                        continue
                    break
                else:
                    raise SourceError(f"too many redirects fetching {url}")
            except httpx.TransportError as exc:
                if isinstance(exc, httpx.ConnectError) and any(words in str(exc) for words in _NO_SUCH_NAME):
                    host = urlsplit(current).hostname
                    raise NoNetwork(f"arXiv is unreachable: {host} does not resolve (no network?); "
                                    "use --offline-dir with a recorded day, or a paper parsed before") from None
                last_problem = f"{type(exc).__name__}: {exc}"
                response = None
            else:
                if response.status_code not in RETRY_STATUS:
                    if response.status_code >= 400:
                        response.close()
                        if response.status_code == 404:
                            raise NotFound(f"arXiv answered HTTP 404 for {url}")
                        raise SourceError(f"arXiv answered HTTP {response.status_code} for {url}")
                    return response
                last_problem = f"HTTP {response.status_code}"
                response.close()
            if attempt < self.max_retries:
                self._pause(attempt, response, f"arXiv busy ({last_problem}); retrying {url}")
        raise SourceError(f"arXiv is unreachable: {url} failed {self.max_retries + 1} times (last: {last_problem})")

    def get(self, url: str) -> httpx.Response:
        with self._lock:
            response = self._send(url, stream=False)
            return response

    def get_bytes(self, url: str) -> bytes:
        return self.get(url).content

    def download(self, url: str, dest: Path, limits: Limits | None = None) -> Path:
        """Stream `url` to `dest` via a temporary file.

        A connection that drops or stalls mid-body, or a body shorter than its
        Content-Length, is retried like a 503; over-size or over-time downloads
        are refused. Nothing half-written is ever left at `dest` or as a .part file.
        """
        limits = limits or Limits()
        dest.parent.mkdir(parents=True, exist_ok=True)
        last_problem = ""
        with self._lock:
            for attempt in range(self.max_retries + 1):
                response = self._send(url, stream=True)
                try:
                    self._stream_to(response, url, dest, limits)
                    return dest
                except (httpx.TransportError, httpx.StreamError, Truncated) as exc:
                    last_problem = f"{type(exc).__name__}: {exc}"
                finally:
                    response.close()
                if attempt < self.max_retries:
                    self._pause(attempt, None, f"download of {url} broke off ({last_problem}); retrying")
        raise SourceError(f"download of {url} kept breaking off ({self.max_retries + 1} tries; last: {last_problem})")

    def _stream_to(self, response: httpx.Response, url: str, dest: Path, limits: Limits) -> None:
        started = self.clock.now()
        fd, tmp = tempfile.mkstemp(dir=dest.parent, prefix=f".{dest.name}.", suffix=".part")
        try:
            declared = response.headers.get("Content-Length")
            expected = int(declared) if declared and declared.isdigit() else None
            if expected is not None and expected > limits.max_bytes:
                raise TooLarge(f"{url} is {expected} bytes, over the {limits.max_bytes}-byte limit")
            size = 0
            with os.fdopen(fd, "wb") as fh:
                for chunk in response.iter_bytes():
                    size += len(chunk)
                    if size > limits.max_bytes:
                        raise TooLarge(f"{url} exceeded the {limits.max_bytes}-byte limit")
                    if self.clock.now() - started > limits.max_seconds:
                        raise SourceError(f"{url} took longer than {limits.max_seconds:.0f}s")
                    fh.write(chunk)
            if expected is not None and size < expected:
                raise Truncated(f"got {size} of {expected} bytes")
            os.replace(tmp, dest)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise


def clean_partial_downloads(directory: Path, older_than: float = 3600.0) -> int:
    """Remove .part files an interrupted process left behind (older than an hour: not a download under way)."""
    removed = 0
    now = time.time()
    for part in Path(directory).glob(".*.part"):
        try:
            if now - part.stat().st_mtime > older_than:
                part.unlink()
                removed += 1
        except FileNotFoundError:
            pass
    return removed
