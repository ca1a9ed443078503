"""A scripted HTTP server on 127.0.0.1 for tests of everything that talks to arXiv."""

from __future__ import annotations

import threading
import time
from collections import defaultdict
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Script:
    """Responses per path, served in order; the last one repeats."""

    def __init__(self):
        self.routes: dict[str, list[tuple[int, dict, bytes]]] = {}
        self.hits: dict[str, int] = defaultdict(int)
        self.log: list[str] = []
        self.times: list[float] = []  # when each request arrived (time.time())
        self.headers: list[dict[str, str]] = []
        self.posts: list[tuple[str, dict[str, str], bytes]] = []  # (path, headers, body) of every POST

    def add(self, path: str, *responses: tuple) -> None:
        """Responses are (status, headers, body) or (status, headers, body, stall_seconds): the body waits that long."""
        self.routes[path] = list(responses)
        self.hits[path] = 0  # a new script for this path starts from its first response

    def respond(self, path: str) -> tuple:
        key = path if path in self.routes else path.split("?", 1)[0]
        if key not in self.routes:
            return 404, {}, b"not found"
        queue = self.routes[key]
        n = self.hits[key]
        self.hits[key] += 1
        return queue[min(n, len(queue) - 1)]


class LoopbackServer:
    def __init__(self):
        self.script = Script()
        script = self.script

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802
                script.log.append(self.path)
                script.times.append(time.time())
                script.headers.append(dict(self.headers.items()))
                status, headers, body, *stall = script.respond(self.path)
                self.send_response(status)
                for k, v in headers.items():
                    if v:  # an empty value means: do not send this header
                        self.send_header(k, v)
                if "Content-Length" not in headers:
                    self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if stall:
                    self.wfile.flush()
                    time.sleep(stall[0])
                try:
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up waiting

            def do_POST(self):  # noqa: N802
                length = int(self.headers.get("Content-Length") or 0)
                script.posts.append((self.path, dict(self.headers.items()), self.rfile.read(length)))
                status, headers, body, *_ = script.respond(self.path)
                self.send_response(status)
                for k, v in headers.items():
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()


class FakeClock:
    """Time that moves only when someone sleeps: pacing is measured, not waited for."""

    def __init__(self):
        self.t = 1000.0
        self.sleeps: list[float] = []

    def now(self) -> float:
        return self.t

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.t += seconds
