"""The archive served on loopback, with one write: POST /feedback records a like or dislike in the profile's ledger."""

from __future__ import annotations

import json
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from agent.config import Profile
from tools.arxiv_ids import parse_arxiv_id
from tools.errors import ConfigError
from tools.stores import Store, database_url, open_store


class SiteHandler(SimpleHTTPRequestHandler):
    ledger: Store
    profile: str

    def do_POST(self):  # noqa: N802
        parts = urlsplit(self.path)
        if parts.path != "/feedback":
            self.send_error(404)
            return
        query = parse_qs(parts.query)
        try:
            paper = parse_arxiv_id((query.get("id") or [""])[0]).base
            self.ledger.record_feedback(self.profile, paper, (query.get("v") or [""])[0])
        except ConfigError as exc:
            self._json(400, {"ok": False, "error": str(exc)})
            return
        self._json(200, {"ok": True, "id": paper})

    def _json(self, status: int, data: dict) -> None:
        body = json.dumps(data, ensure_ascii=False).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def make_server(site_dir: Path, profile: Profile, port: int) -> ThreadingHTTPServer:
    ledger = open_store(database_url(profile.database), profile.data_dir)  # the lab's PostgreSQL when one is configured
    handler = type("Handler", (SiteHandler,), {"ledger": ledger, "profile": profile.name})
    server = ThreadingHTTPServer(("127.0.0.1", port), partial(handler, directory=str(site_dir)))
    server.ledger = ledger  # closed with the server
    return server


def serve_site(site_dir: Path, profile: Profile, port: int) -> None:
    server = make_server(site_dir, profile, port)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
        server.ledger.close()
