"""Webhook fixtures: a loopback receiver, a transport that can only reach 127.0.0.1."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask, current_app

from app.webhooks import delivery, services, ssrf
from app.webhooks.transport import Transport
from tests.webhooks.receiver import Receiver, start

SECRET = "test-secret-0123456789abcdef"
PUBLIC_IP = "93.184.215.14"


class Network:
    """Name resolution and sockets for tests: only 127.0.0.1 is ever reached.

    `names` answers DNS; `aliases` sends a pretend public address to 127.0.0.1 so a test can
    exercise the guarded path (public address -> real loopback receiver) without traffic
    leaving the machine.
    """

    def __init__(self) -> None:
        self.names: dict[str, list[str]] = {"localhost": ["127.0.0.1", "::1"]}
        self.aliases: dict[str, str] = {}
        self.connections: list[tuple[str, int]] = []

    def resolve(self, host: str, _port: int) -> list[str]:
        if host not in self.names:
            raise ssrf.UnsafeURL(f"cannot resolve {host}", "unresolvable")
        return list(self.names[host])

    def open(self, address: str, port: int, timeout: float) -> socket.socket:
        self.connections.append((address, port))
        real = self.aliases.get(address, address)
        if real != "127.0.0.1":
            raise ConnectionRefusedError(f"test network: {address} is unreachable")
        return socket.create_connection((real, port), timeout=timeout)


@pytest.fixture(autouse=True)
def network() -> Iterator[Network]:
    net = Network()
    with delivery.use_transport(Transport(resolver=net.resolve, opener=net.open, timeout=2.0)):
        yield net


def set_allow_private(app: Flask, value: bool) -> None:
    # Requests run in `app`, test code in its twin (current_app): both read the flag.
    app.config["QUANZI_WEBHOOK_ALLOW_PRIVATE"] = value
    current_app.config["QUANZI_WEBHOOK_ALLOW_PRIVATE"] = value


@pytest.fixture
def allow_private(app: Flask) -> Iterator[None]:
    set_allow_private(app, True)
    yield
    set_allow_private(app, False)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    rec = Receiver(secret=SECRET)
    server = start(rec)
    yield rec
    server.shutdown()
    server.server_close()


def make_endpoint(actor: Any, url: str, events: list[str] | None = None, secret: str = SECRET) -> Any:
    return services.create_endpoint(actor, url=url, secret=secret, events=events or list(services.EVENTS))
