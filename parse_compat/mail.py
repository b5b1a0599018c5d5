"""Outgoing email: one adapter per app, chosen by the `emailAdapter` option.

- no option: `LoggingMailAdapter`, which sends nothing and logs only that a message was
  dropped (never the recipient, subject or body: they may hold patient data);
- `{"host", "port", "from", "username"?, "password"?, "starttls"?, "tls"?, "timeout"?}`
  (or Parse's `{"module": ..., "options": {...}}` form with those options): SMTP through
  aiosmtplib.

The adapter lives on the app state (`state.services.mail`); `mail_of(state)` creates it on
first use.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Any, Protocol

log = logging.getLogger("parse_compat.mail")


@dataclass(frozen=True)
class Email:
    to: str
    subject: str
    text: str
    html: str | None = None


class MailAdapter(Protocol):
    async def send(self, message: Email) -> None:
        """Deliver the message or raise."""
        ...


class LoggingMailAdapter:
    """The default: nothing leaves the server; the log says a message was dropped, no content."""

    def __init__(self) -> None:
        self.dropped = 0

    async def send(self, message: Email) -> None:
        self.dropped += 1
        log.info("email not sent: no emailAdapter configured (message %d dropped)", self.dropped)


class SmtpMailAdapter:
    def __init__(self, host: str, port: int = 25, sender: str = "no-reply@localhost", *,
                 username: str | None = None, password: str | None = None, starttls: bool | None = None,
                 tls: bool = False, timeout: float = 30.0) -> None:
        self.host = host
        self.port = port
        self.sender = sender
        self.username = username
        self.password = password
        self.starttls = starttls
        self.tls = tls
        self.timeout = timeout

    def build(self, message: Email) -> EmailMessage:
        mime = EmailMessage()
        mime["From"] = self.sender
        mime["To"] = message.to
        mime["Subject"] = message.subject
        mime.set_content(message.text)
        if message.html:
            mime.add_alternative(message.html, subtype="html")
        return mime

    async def send(self, message: Email) -> None:
        import aiosmtplib

        await aiosmtplib.send(self.build(message), hostname=self.host, port=self.port, username=self.username,
                              password=self.password, start_tls=self.starttls, use_tls=self.tls,
                              timeout=self.timeout)


def mail_adapter(options: dict[str, Any] | None) -> MailAdapter:
    """The adapter the `emailAdapter` option asks for."""
    if not options:
        return LoggingMailAdapter()
    values = dict(options.get("options") or {}) if "options" in options else dict(options)
    if not values.get("host"):
        raise ValueError("emailAdapter needs a host (SMTP), e.g. {\"host\": \"smtp.example.com\", \"port\": 587}")
    return SmtpMailAdapter(str(values["host"]), int(values.get("port", 25)),
                           str(values.get("from") or values.get("fromAddress") or "no-reply@localhost"),
                           username=values.get("username"), password=values.get("password"),
                           starttls=values.get("starttls"), tls=bool(values.get("tls", False)),
                           timeout=float(values.get("timeout", 30.0)))


def mail_of(state: Any) -> MailAdapter:
    adapter = state.services.mail
    if adapter is None:
        adapter = mail_adapter(getattr(state.settings, "emailAdapter", None))
        state.services.mail = adapter
    return adapter
