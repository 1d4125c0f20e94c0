"""Sending one signed webhook request with the standard library, pinned to a checked address.

Only the worker calls this, never a request handler. Redirects are not followed: a 3xx is
a failed attempt whose Location is logged (following it could lead anywhere).
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import http.client
import socket
import ssl
import threading
from collections.abc import Callable
from dataclasses import dataclass, field

from . import ssrf

USER_AGENT = "Quanzi-Webhooks/1"
TIMEOUT_SECONDS = 5.0
# A whole attempt, however slowly a receiver drips its answer (keeps batches inside the lease).
DEADLINE_SECONDS = 15.0
# What we read of a response: enough for a useful error line, never a whole page.
MAX_RESPONSE_BYTES = 2 * 1024

Opener = Callable[[str, int, float], socket.socket]


def open_socket(address: str, port: int, timeout: float) -> socket.socket:
    """A TCP connection to exactly this address (no name lookup)."""
    return socket.create_connection((address, port), timeout=timeout)


@dataclass
class Transport:
    """How deliveries reach the network; tests swap the resolver and the socket opener."""

    resolver: ssrf.Resolver = ssrf.system_resolver
    opener: Opener = open_socket
    timeout: float = TIMEOUT_SECONDS
    deadline: float = DEADLINE_SECONDS
    ssl_context: ssl.SSLContext | None = field(default=None, repr=False)


@dataclass(frozen=True)
class Outcome:
    ok: bool
    status: int | None = None
    error: str = ""


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """`sha256=` + hex HMAC-SHA256 of `timestamp + "." + body` under the endpoint's secret."""
    message = str(timestamp).encode("ascii") + b"." + body
    return "sha256=" + hmac.new(secret.encode("utf-8"), message, hashlib.sha256).hexdigest()


def build_headers(
    *, event: str, delivery_id: str, timestamp: int, secret: str, body: bytes
) -> dict[str, str]:
    """The headers of a delivery (Host is added from the URL by the connection)."""
    return {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "X-Quanzi-Event": event,
        "X-Quanzi-Delivery": delivery_id,
        "X-Quanzi-Timestamp": str(timestamp),
        "X-Quanzi-Signature": sign(secret, timestamp, body),
    }


class _PinnedHTTPConnection(http.client.HTTPConnection):
    """Connects to a checked address while the Host header keeps the URL's name."""

    def __init__(self, target: ssrf.Target, address: str, transport: Transport) -> None:
        super().__init__(target.host, target.port, timeout=transport.timeout)
        self._address = address
        self._transport = transport

    def connect(self) -> None:
        self.sock = self._transport.opener(self._address, self.port, self._transport.timeout)


class _PinnedHTTPSConnection(_PinnedHTTPConnection):
    default_port = 443

    def connect(self) -> None:
        raw = self._transport.opener(self._address, self.port, self._transport.timeout)
        context = self._transport.ssl_context or ssl.create_default_context()
        # The certificate is checked against the URL's host name, not the pinned address.
        self.sock = context.wrap_socket(raw, server_hostname=self.host)


def _abort(connection: http.client.HTTPConnection) -> None:
    sock = connection.sock
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)


def _short(text: str, limit: int = 300) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def post(
    url: str,
    *,
    body: bytes,
    headers: dict[str, str],
    allow_private: bool,
    transport: Transport,
) -> Outcome:
    """POST `body` to `url` once; any failure (guard, network, non-2xx) is an Outcome."""
    try:
        target = ssrf.parse_url(url)
        address = ssrf.resolve(target, allow_private=allow_private, resolver=transport.resolver)
    except ssrf.UnsafeURL as exc:
        return Outcome(False, None, f"refused: {exc}")
    connection_class = _PinnedHTTPSConnection if target.scheme == "https" else _PinnedHTTPConnection
    connection = connection_class(target, str(address), transport)
    watchdog = threading.Timer(transport.deadline, _abort, args=(connection,))
    watchdog.daemon = True
    watchdog.start()
    try:
        connection.request("POST", target.path, body=body, headers=headers)
        response = connection.getresponse()
        status = response.status
        location = response.getheader("Location") or ""
        text = "" if 200 <= status < 300 else response.read(MAX_RESPONSE_BYTES).decode("utf-8", "replace")
    except (OSError, ValueError, http.client.HTTPException) as exc:
        return Outcome(False, None, _short(f"{type(exc).__name__}: {exc}"))
    finally:
        watchdog.cancel()
        connection.close()
    if 200 <= status < 300:
        return Outcome(True, status)
    if 300 <= status < 400:
        return Outcome(False, status, _short(f"redirect not followed: Location {location or '(none)'}"))
    return Outcome(False, status, _short(f"HTTP {status}: {text}"))
