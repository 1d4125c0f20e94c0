"""Building and sending email with the standard library (`smtplib`, `email.message`).

Only the worker calls `Mailer.send`; requests never wait on SMTP.
"""

from __future__ import annotations

import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formataddr, formatdate
from types import TracebackType
from typing import Any

TIMEOUT_SECONDS = 10.0


@dataclass(frozen=True)
class Settings:
    """SMTP settings from the environment (MAIL_*)."""

    server: str
    port: int = 25
    username: str | None = None
    password: str | None = None
    use_tls: bool = False
    sender: str = "noreply@localhost"

    @classmethod
    def from_config(cls, config: Any, *, default_sender: str) -> Settings | None:
        server = config.get("MAIL_SERVER")
        if not server:
            return None
        return cls(
            server=str(server),
            port=int(config.get("MAIL_PORT") or 25),
            username=config.get("MAIL_USERNAME") or None,
            password=config.get("MAIL_PASSWORD") or None,
            use_tls=bool(config.get("MAIL_USE_TLS")),
            sender=str(config.get("MAIL_FROM") or default_sender),
        )


@dataclass(frozen=True)
class Outcome:
    ok: bool
    error: str = ""
    # A 5xx answer (unknown mailbox, rejected message): retrying would not help.
    permanent: bool = False


def build_message(
    *,
    sender: str,
    to: str,
    subject: str,
    text: str,
    html: str,
    headers: dict[str, str],
) -> EmailMessage:
    """A multipart/alternative message: the text part first, then the HTML part."""
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = formatdate(localtime=False, usegmt=True)
    for name, value in headers.items():
        message[name] = value
    message.set_content(text, subtype="plain", charset="utf-8")
    message.add_alternative(html, subtype="html", charset="utf-8")
    return message


def default_sender(site_name: str, domain: str) -> str:
    return formataddr((site_name, f"noreply@{domain}"))


class Mailer:
    """One SMTP connection for a batch: `with Mailer(settings) as m: m.send(message)`."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._smtp: smtplib.SMTP | None = None

    def __enter__(self) -> Mailer:
        self.open()
        return self

    def __exit__(
        self, _type: type[BaseException] | None, _exc: BaseException | None, _tb: TracebackType | None
    ) -> None:
        self.close()

    def open(self) -> None:
        """Connect (and STARTTLS and log in as configured); raises OSError or SMTPException."""
        s = self.settings
        # Port 465 speaks TLS from the first byte; elsewhere MAIL_USE_TLS means STARTTLS.
        if s.use_tls and s.port == 465:
            self._smtp = smtplib.SMTP_SSL(
                s.server, s.port, timeout=TIMEOUT_SECONDS, context=ssl.create_default_context()
            )
        else:
            self._smtp = smtplib.SMTP(s.server, s.port, timeout=TIMEOUT_SECONDS)
            if s.use_tls:
                self._smtp.starttls(context=ssl.create_default_context())
        if s.username:
            self._smtp.login(s.username, s.password or "")

    def close(self) -> None:
        if self._smtp is not None:
            try:
                self._smtp.quit()
            except (smtplib.SMTPException, OSError):
                self._smtp.close()
            self._smtp = None

    def send(self, message: EmailMessage) -> Outcome:
        """Hand one message to the server; the outcome says whether to retry."""
        assert self._smtp is not None, "use the Mailer as a context manager"
        try:
            refused = self._smtp.send_message(message)
        except smtplib.SMTPRecipientsRefused as exc:
            codes = [code for code, _msg in exc.recipients.values()]
            return Outcome(
                ok=False, error=f"recipient refused: {exc.recipients}", permanent=all(c >= 500 for c in codes)
            )
        except smtplib.SMTPResponseException as exc:
            return Outcome(
                ok=False, error=f"{exc.smtp_code} {exc.smtp_error!r}", permanent=exc.smtp_code >= 500
            )
        except (smtplib.SMTPException, OSError) as exc:
            return Outcome(ok=False, error=f"{type(exc).__name__}: {exc}")
        if refused:
            return Outcome(ok=False, error=f"recipient refused: {refused}")
        return Outcome(ok=True)
