"""An independent webhook receiver: a real http.server on 127.0.0.1 that checks signatures.

It shares no code with app.webhooks: the signature is recomputed here from the secret, the
timestamp header and the raw body, the way a receiver's own code would.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

REPLAY_WINDOW = 300


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes
    signature_ok: bool
    fresh: bool

    @property
    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Receiver:
    secret: str
    now: Callable[[], float] = time.time
    requests: list[Received] = field(default_factory=list)
    # (status, extra headers) answered in turn; the last one repeats.
    answers: list[tuple[int, dict[str, str]]] = field(default_factory=lambda: [(200, {})])
    lock: threading.Lock = field(default_factory=threading.Lock)
    port: int = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hooks/quanzi"

    def verify(self, headers: dict[str, str], body: bytes) -> tuple[bool, bool]:
        timestamp = headers.get("X-Quanzi-Timestamp", "")
        expected = hmac.new(
            self.secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256
        ).hexdigest()
        signature_ok = hmac.compare_digest(headers.get("X-Quanzi-Signature", ""), f"sha256={expected}")
        fresh = timestamp.isdigit() and abs(int(timestamp) - self.now()) <= REPLAY_WINDOW
        return signature_ok, fresh

    def delivery_ids(self) -> list[str]:
        with self.lock:
            return [r.headers["X-Quanzi-Delivery"] for r in self.requests]


def start(receiver: Receiver) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            body = self.rfile.read(length)
            headers = {key: value for key, value in self.headers.items()}
            signature_ok, fresh = receiver.verify(headers, body)
            with receiver.lock:
                receiver.requests.append(Received(self.path, headers, body, signature_ok, fresh))
                index = min(len(receiver.requests), len(receiver.answers)) - 1
                status, extra = receiver.answers[index]
            # A real receiver refuses what it cannot verify.
            if not (signature_ok and fresh):
                status, extra = 401, {}
            self.send_response(status)
            for key, value in extra.items():
                self.send_header(key, value)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, *_args: Any) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    receiver.port = server.server_address[1]
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    return server
