"""Mail fixtures: a real SMTP server (aiosmtpd) on a free loopback port, and email switched on."""

from __future__ import annotations

import email
import email.policy
import socket
from collections.abc import Iterator
from email.message import EmailMessage
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from flask import Flask, current_app
from sqlalchemy import func, select

from app.core.db import db
from app.mail.models import MailMessage

BASE_URL = "https://quanzi.example.com"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Inbox:
    """An aiosmtpd handler that keeps what it receives; `refuse` answers the next DATA with a code."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.recipients: list[list[str]] = []
        self.refuse: list[str] = []

    async def handle_DATA(self, _server: Any, _session: Any, envelope: Any) -> str:
        if self.refuse:
            return self.refuse.pop(0)
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        self.messages.append(message)
        self.recipients.append(list(envelope.rcpt_tos))
        return "250 Message accepted for delivery"


@pytest.fixture
def smtp_server() -> Iterator[tuple[Inbox, int]]:
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox, port
    finally:
        controller.stop()


def configure(app: Flask, **values: Any) -> None:
    # Requests run in `app`, test code in its twin (current_app): both read the settings.
    for config in (app.config, current_app.config):
        config.update(values)


@pytest.fixture
def inbox(app: Flask, smtp_server: tuple[Inbox, int]) -> Iterator[Inbox]:
    """Email on, pointing at the loopback SMTP server; links use a public base URL."""
    server, port = smtp_server
    configure(
        app,
        MAIL_SERVER="127.0.0.1",
        MAIL_PORT=port,
        MAIL_FROM="圈子 <noreply@quanzi.example.com>",
        QUANZI_BASE_URL=BASE_URL,
    )
    yield server
    configure(app, MAIL_SERVER=None, MAIL_PORT=25, MAIL_FROM=None, QUANZI_BASE_URL=None)


def queued(**filters: Any) -> list[MailMessage]:
    db.session.rollback()
    query = select(MailMessage).order_by(MailMessage.id)
    for name, value in filters.items():
        query = query.where(getattr(MailMessage, name) == value)
    return list(db.session.scalars(query))


def count_queued() -> int:
    db.session.rollback()
    return int(db.session.scalar(select(func.count()).select_from(MailMessage)) or 0)


def parts(message: EmailMessage) -> tuple[str, str]:
    """The text and HTML parts of a received multipart/alternative message."""
    assert message.get_content_type() == "multipart/alternative"
    text = message.get_body(preferencelist=("plain",))
    html = message.get_body(preferencelist=("html",))
    assert text is not None and html is not None
    return str(text.get_content()), str(html.get_content())
