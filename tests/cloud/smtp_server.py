"""A real SMTP server for the tests (aiosmtpd on a free loopback port, in its own thread).

It records every delivered message, can refuse chosen recipients (550) and can take a while
per message so concurrent job runs really overlap.
"""

from __future__ import annotations

import asyncio
import socket
import threading
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import Message
from typing import Any

from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Delivered:
    sender: str
    recipients: list[str]
    message: Message


@dataclass
class RecordingHandler:
    delay: float = 0.0
    refuse: set[str] = field(default_factory=set)
    delivered: list[Delivered] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str,  # noqa: N802 - aiosmtpd API
                          rcpt_options: list[str]) -> str:
        if address in self.refuse:
            return "550 mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 - aiosmtpd API
        if self.delay:
            await asyncio.sleep(self.delay)
        with self.lock:
            self.delivered.append(Delivered(envelope.mail_from, list(envelope.rcpt_tos),
                                            message_from_bytes(envelope.content)))
        return "250 Message accepted for delivery"

    def recipients(self) -> list[str]:
        with self.lock:
            return sorted(address for item in self.delivered for address in item.recipients)


class SmtpServer:
    def __init__(self, delay: float = 0.0) -> None:
        self.port = free_port()
        self.handler = RecordingHandler(delay=delay)
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port)

    def __enter__(self) -> SmtpServer:
        self.controller.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.controller.stop()

    @property
    def adapter_options(self) -> dict[str, Any]:
        return {"host": "127.0.0.1", "port": self.port, "from": "clinic@example.com"}
