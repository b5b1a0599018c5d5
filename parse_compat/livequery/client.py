"""One websocket client: identity, subscriptions and a bounded outbound queue with its writer task.

``send`` never waits: it appends the frame to the client's queue and, when no writer is running,
starts one task that drains the queue onto the socket and ends. An idle client therefore holds
no task of its own. A client whose queue exceeds ``max_queue`` frames or ``max_bytes``, or whose
socket takes longer than ``send_timeout`` to accept a frame, is dropped: its socket is closed in
its own task and ``on_drop`` removes it from the hub, so a slow or dead client never slows the
others (the fan-out only ever appends to queues).

Knows nothing about aiohttp: the socket is any ``Transport``.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

log = logging.getLogger("parse_compat.livequery")

CLOSE_GOING_AWAY = 1001
CLOSE_TRY_AGAIN_LATER = 1013


class Transport(Protocol):
    async def send(self, text: str) -> None: ...

    async def close(self, code: int, reason: str) -> None: ...


@dataclass(slots=True)
class SubscriptionInfo:
    """One ``subscribe`` of one client: what it asked for and who it is for."""

    client: Client
    request_id: int | float
    class_name: str
    where: dict[str, Any]
    query_hash: str
    keys: tuple[str, ...] | None
    watch: tuple[str, ...] | None
    session_token: str | None  # the token this subscription's access rests on (own or connect-level)
    user_id: str | None
    operation: str  # the CLP operation: "get" for {"objectId": "..."}, else "find"


class Client:
    """Per-connection state. Subscriptions are keyed by the client's requestId."""

    __slots__ = ("id", "transport", "connected", "installation_id", "is_master", "session_token", "user_id",
                 "dead_tokens", "subscriptions", "_queue", "_queued_bytes", "_writer", "closed", "_limits",
                 "_on_drop")

    def __init__(self, client_id: str, transport: Transport, *, max_queue: int = 1000,
                 max_bytes: int = 8 * 1024 * 1024, send_timeout: float = 10.0,
                 on_drop: Callable[[Client], None] | None = None) -> None:
        self.id = client_id
        self.transport = transport
        self.connected = False
        self.installation_id: str | None = None
        self.is_master = False
        self.session_token: str | None = None
        self.user_id: str | None = None
        self.dead_tokens: set[str] | None = None
        self.subscriptions: dict[int | float, SubscriptionInfo] = {}
        self._queue: deque[str] = deque()
        self._queued_bytes = 0
        self._writer: asyncio.Task[None] | None = None
        self.closed = False
        self._limits = (max_queue, max_bytes, send_timeout)
        self._on_drop = on_drop

    @property
    def queued(self) -> int:
        return len(self._queue)

    def token_is_dead(self, token: str | None) -> bool:
        return token is not None and self.dead_tokens is not None and token in self.dead_tokens

    def mark_token_dead(self, token: str) -> None:
        if self.dead_tokens is None:
            self.dead_tokens = set()
        self.dead_tokens.add(token)

    def send(self, frame: str) -> bool:
        """Queue one frame; False when the client is (now) dropped."""
        if self.closed:
            return False
        max_queue, max_bytes, _ = self._limits
        if len(self._queue) >= max_queue or self._queued_bytes + len(frame) > max_bytes:
            self.drop(CLOSE_TRY_AGAIN_LATER, "outbound queue full")
            return False
        self._queue.append(frame)
        self._queued_bytes += len(frame)
        if self._writer is None:
            self._writer = asyncio.get_running_loop().create_task(self._drain())
        return True

    async def _drain(self) -> None:
        timeout = self._limits[2]
        try:
            while self._queue and not self.closed:
                frame = self._queue.popleft()
                self._queued_bytes -= len(frame)
                try:
                    async with asyncio.timeout(timeout):
                        await self.transport.send(frame)
                except TimeoutError:
                    self.drop(CLOSE_TRY_AGAIN_LATER, "send timeout")
                    return
                except (ConnectionError, RuntimeError, OSError) as exc:
                    log.debug("live query client %s: send failed: %s", self.id, exc)
                    self.drop(CLOSE_GOING_AWAY, "send failed")
                    return
        finally:
            self._release()

    def _release(self) -> None:
        if self._writer is asyncio.current_task():
            self._writer = None

    def drop(self, code: int = CLOSE_GOING_AWAY, reason: str = "") -> None:
        """Stop sending, forget the queue, close the socket in the background, notify the owner."""
        if self.closed:
            return
        self.closed = True
        self._queue.clear()
        self._queued_bytes = 0
        writer = self._writer
        if writer is not None and writer is not asyncio.current_task():
            writer.cancel()
        if reason:
            log.info("live query client %s dropped: %s", self.id, reason)
        # Kept on the client so the closing task is not garbage-collected half-way.
        self._writer = asyncio.get_running_loop().create_task(self._close(code, reason))
        if self._on_drop is not None:
            self._on_drop(self)

    async def _close(self, code: int, reason: str) -> None:
        try:
            await self.transport.close(code, reason)
        except Exception as exc:  # noqa: BLE001 - a broken socket is already what we wanted
            log.debug("live query client %s: close failed: %s", self.id, exc)
        finally:
            self._release()

    async def flush(self) -> None:
        """Wait until the queue is empty (tests and shutdown)."""
        while self._writer is not None and not self._writer.done():
            await asyncio.wait({self._writer})
