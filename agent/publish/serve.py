"""The archive served on loopback, with one write: POST /feedback records a like or dislike in the profile's ledger.

Feedback trains the relevance model, so only the served pages may give it. Each page is served with a token made
for this session (a <meta> the page's script reads); a POST must carry it in a header, come from this server's own
origin and name this server as its Host. Another site cannot read the token, and cannot set the header without a
CORS preflight this server never grants; a DNS-rebinding page fails the Host check. A paper that no served report
lists and the ledger does not know is looked up, as `arxiv-monitor feedback` does, and refused when not found.
"""

from __future__ import annotations

import errno
import hmac
import json
import secrets
from collections.abc import Callable
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

from agent.config import Profile
from agent.feedback import look_up
from tools.arxiv_ids import parse_arxiv_id
from tools.errors import ConfigError, MonitorError
from tools.sources import PaperSource
from tools.stores import Store, database_url, open_store

TOKEN_HEADER = "X-Feedback-Token"
TOKEN_META = "arxiv-monitor-feedback"
LOOPBACK_NAMES = ("127.0.0.1", "localhost")


def report_ids(site_dir: Path) -> set[str]:
    """Every paper (id without version) a served day lists: reported, judged, near misses and excluded."""
    ids: set[str] = set()
    for path in site_dir.glob("*/report.json"):
        try:
            report = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        for key in ("papers", "judged", "near_misses", "excluded"):
            for entry in report.get(key) or []:
                try:
                    ids.add(parse_arxiv_id(str(entry.get("arxiv_id", ""))).base)
                except (ConfigError, AttributeError):
                    continue
    return ids


class SiteHandler(SimpleHTTPRequestHandler):
    ledger: Store
    profile: str
    token: str
    known: set[str]
    source: Callable[[], PaperSource] | None

    # --- pages: served with the session's token --------------------------------------------------------

    def do_GET(self):  # noqa: N802
        path = Path(self.translate_path(self.path))
        if path.is_dir():
            path = path / "index.html"
        if path.suffix != ".html" or not path.is_file():
            super().do_GET()
            return
        page = path.read_text(encoding="utf-8")
        meta = f'<meta name="{TOKEN_META}" content="{self.token}">'
        body = page.replace("<head>", f"<head>\n{meta}", 1).encode("utf-8")
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")  # a token of an earlier session is refused
        self.end_headers()
        self.wfile.write(body)

    # --- feedback --------------------------------------------------------------------------------------

    def _refusal(self) -> str | None:
        """Why this POST is not from one of the served pages, or None."""
        port = self.server.server_address[1]
        own = {f"{name}:{port}" for name in LOOPBACK_NAMES}
        host = self.headers.get("Host", "")
        if host not in own:
            return f"Host {host!r} is not this server"
        origin = self.headers.get("Origin")
        if origin is not None and origin not in {f"http://{h}" for h in own}:
            return f"Origin {origin!r} is not this server: feedback is accepted only from its own pages"
        if not hmac.compare_digest(self.headers.get(TOKEN_HEADER, ""), self.token):
            return "missing or stale page token: reload the page and click again"
        return None

    def do_POST(self):  # noqa: N802
        parts = urlsplit(self.path)
        if parts.path != "/feedback":
            self.send_error(404)
            return
        refusal = self._refusal()
        if refusal:
            self._json(403, {"ok": False, "error": refusal})
            return
        query = parse_qs(parts.query)
        try:
            pid = parse_arxiv_id(unquote((query.get("id") or [""])[0]))
            value = (query.get("v") or [""])[0]
            if value not in ("like", "dislike"):
                raise ConfigError(f"feedback is like or dislike, not {value!r}")
            if pid.base not in self.known:
                meta, error = look_up(self.ledger, self.profile, pid, self.source) if self.source else (None, "no lookup")
                if meta is None:
                    self._json(404, {"ok": False, "error": f"{pid.base} is in no served report and could not be looked up"
                                                           + (f" ({error})" if error else "") + "; nothing recorded"})
                    return
            self.ledger.record_feedback(self.profile, pid.base, value)
        except MonitorError as exc:
            self._json(400, {"ok": False, "error": str(exc)})
            return
        self._json(200, {"ok": True, "id": pid.base})

    def _json(self, status: int, data: dict) -> None:
        body = json.dumps(data, ensure_ascii=False).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def make_server(site_dir: Path, profile: Profile, port: int, *, source: Callable[[], PaperSource] | None = None,
                token: str | None = None) -> ThreadingHTTPServer:
    """The server on 127.0.0.1:port; `source` looks up papers the served reports do not list (None: refuse them)."""
    ledger = open_store(database_url(profile.database), profile.data_dir)  # the lab's PostgreSQL when one is configured
    attrs = {"ledger": ledger, "profile": profile.name, "token": token or secrets.token_urlsafe(24),
             "known": report_ids(site_dir), "source": staticmethod(source) if source else None}
    handler = type("Handler", (SiteHandler,), attrs)
    try:
        server = ThreadingHTTPServer(("127.0.0.1", port), partial(handler, directory=str(site_dir)))
    except OSError as exc:
        ledger.close()
        if exc.errno == errno.EADDRINUSE:
            raise ConfigError(f"port {port} on 127.0.0.1 is already in use (another `serve`?): stop that one or pick another with --port") from None
        raise
    server.ledger = ledger  # closed with the server
    server.token = attrs["token"]
    return server


def serve_site(site_dir: Path, profile: Profile, port: int, *, source: Callable[[], PaperSource] | None = None,
               on_ready: Callable[[int], None] | None = None) -> None:
    server = make_server(site_dir, profile, port, source=source)
    if on_ready:
        on_ready(server.server_address[1])
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
        server.ledger.close()
