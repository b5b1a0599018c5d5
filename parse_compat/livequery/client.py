"""One websocket client: identity, subscriptions and a bounded outbound queue with its writers.

``send`` never waits: it appends the frame to the client's queue (bounded by ``max_queue``
frames and ``max_bytes``) and schedules the client for writing. Two writers drain queues:

- the shared ``Outbox`` task (one per app) writes, for every scheduled client, the frames its
  socket can take *without blocking* — the transport's buffer has room below its high-water
  mark, so aiohttp writes synchronously and never waits for a drain. Fanning one event out to
  a thousand clients thus costs a thousand buffer writes, not a thousand tasks;
- a client whose socket has no room gets a writer task of its own, which waits for the socket
  with ``send_timeout`` per frame and ends when the queue is empty.

A client whose queue overflows, or whose socket stays blocked past ``send_timeout``, is dropped:
its socket is closed in the background and ``on_drop`` removes it from the hub. So a slow or
dead client never slows the others, and an idle client holds no task.

Knows nothing about aiohttp: the socket is any ``Transport``.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Protocol

log = logging.getLogger("parse_compat.livequery")

CLOSE_GOING_AWAY = 1001
CLOSE_POLICY_VIOLATION = 1008
CLOSE_TRY_AGAIN_LATER = 1013
SEND_ERRORS = (ConnectionError, RuntimeError, OSError)
_EMPTY: deque[str] = deque(maxlen=0)  # shared and immutable in practice: nothing is ever appended to it


class Transport(Protocol):
    async def send(self, text: str) -> None: ...

    def fits(self, text: str) -> bool:
        """Whether the socket takes ``text`` now without making the sender wait for a drain."""
        ...

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
    frame_ids: str = ""  # protocol.event_ids(...), filled on first use


class Outbox:
    """The shared writer: one task writes the frames of every scheduled client that has room.

    A client whose write fails in an unexpected way (a bug, a frame its socket cannot encode)
    is logged and dropped; the outbox goes on with the next one. With ``spawn`` (the app's
    supervisor) the task is also restarted should it die anyway.
    """

    def __init__(self, spawn: Callable[[str, Callable[[], Awaitable[None]]], Any] | None = None) -> None:
        self._ready: deque[Client] = deque()
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._spawn = spawn

    def schedule(self, client: Client) -> None:
        self._ready.append(client)
        if self._task is None:
            if self._spawn is not None:
                self._task = self._spawn("livequery.outbox", self._run)
            else:
                self._task = asyncio.get_running_loop().create_task(self._run())
        self._wake.set()

    async def _run(self) -> None:
        self._wake.set()  # a restarted outbox first serves the clients already waiting
        while True:
            await self._wake.wait()
            self._wake.clear()
            while self._ready:
                client = self._ready.popleft()
                client.scheduled = False
                try:
                    await client.write_available()
                except Exception:  # noqa: BLE001 - one client's failure must not stop the others
                    log.exception("live query client %s: write failed; dropping it", client.id)
                    client.drop(CLOSE_GOING_AWAY, "write failed")

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None


class Client:
    """Per-connection state. Subscriptions are keyed by the client's requestId."""

    __slots__ = ("id", "transport", "ip", "connected", "installation_id", "is_master", "session_token", "user_id",
                 "dead_tokens", "subscriptions", "_queue", "_queued_bytes", "_writer", "closed", "scheduled",
                 "_limits", "_on_drop", "_outbox", "refusals")

    def __init__(self, client_id: str, transport: Transport, *, max_queue: int = 1000,
                 max_bytes: int = 8 * 1024 * 1024, send_timeout: float = 10.0,
                 on_drop: Callable[[Client], None] | None = None, outbox: Outbox | None = None,
                 ip: str | None = None) -> None:
        self.id = client_id
        self.transport = transport
        self.ip = ip  # the subscriber's address (trustProxy applied), for the audit trail
        self.connected = False
        self.installation_id: str | None = None
        self.is_master = False
        self.session_token: str | None = None
        self.user_id: str | None = None
        self.dead_tokens: set[str] | None = None
        self.subscriptions: dict[int | float, SubscriptionInfo] = {}
        self._queue: deque[str] = _EMPTY  # a real deque (~600 bytes) only once something is queued
        self._queued_bytes = 0
        self._writer: asyncio.Task[None] | None = None
        self.closed = False
        self.scheduled = False
        self._limits = (max_queue, max_bytes, send_timeout)
        self._on_drop = on_drop
        self._outbox = outbox
        self.refusals = 0  # subscribes refused for a limit (operations disconnects past a bound)

    @property
    def queued(self) -> int:
        return len(self._queue)

    def token_is_dead(self, token: str | None) -> bool:
        return token is not None and self.dead_tokens is not None and token in self.dead_tokens

    def mark_token_dead(self, token: str) -> None:
        if self.dead_tokens is None:
            self.dead_tokens = set()
        self.dead_tokens.add(token)

    # --- sending ---------------------------------------------------------------------------
    def send(self, frame: str) -> bool:
        """Queue one frame; False when the client is (now) dropped."""
        if self.closed:
            return False
        max_queue, max_bytes, _ = self._limits
        if len(self._queue) >= max_queue or self._queued_bytes + len(frame) > max_bytes:
            self.drop(CLOSE_TRY_AGAIN_LATER, "outbound queue full")
            return False
        if self._queue is _EMPTY:
            self._queue = deque()
        self._queue.append(frame)
        self._queued_bytes += len(frame)
        if self._writer is None and not self.scheduled:
            if self._outbox is None:
                self._start_writer()
            else:
                self.scheduled = True
                self._outbox.schedule(self)
        return True

    def _take(self) -> str:
        frame = self._queue.popleft()
        self._queued_bytes -= len(frame)
        if not self._queue:
            self._queue = _EMPTY
        return frame

    async def write_available(self) -> None:
        """Write what the socket takes without blocking; hand the rest to a writer of its own."""
        while self._queue and not self.closed and self._writer is None:
            if not self.transport.fits(self._queue[0]):
                self._start_writer()
                return
            try:
                await self.transport.send(self._take())
            except SEND_ERRORS as exc:
                log.debug("live query client %s: send failed: %s", self.id, exc)
                self.drop(CLOSE_GOING_AWAY, "send failed")
                return

    def _start_writer(self) -> None:
        self._writer = asyncio.get_running_loop().create_task(self._drain())

    async def _drain(self) -> None:
        timeout = self._limits[2]
        try:
            while self._queue and not self.closed:
                try:
                    async with asyncio.timeout(timeout):
                        await self.transport.send(self._take())
                except TimeoutError:
                    self.drop(CLOSE_TRY_AGAIN_LATER, "send timeout")
                    return
                except SEND_ERRORS as exc:
                    log.debug("live query client %s: send failed: %s", self.id, exc)
                    self.drop(CLOSE_GOING_AWAY, "send failed")
                    return
                except Exception:  # noqa: BLE001 - a frame the socket cannot take ends this client only
                    log.exception("live query client %s: write failed; dropping it", self.id)
                    self.drop(CLOSE_GOING_AWAY, "write failed")
                    return
        finally:
            self._release()

    def _release(self) -> None:
        if self._writer is asyncio.current_task():
            self._writer = None

    # --- closing ---------------------------------------------------------------------------
    def drop(self, code: int = CLOSE_GOING_AWAY, reason: str = "") -> None:
        """Stop sending, forget the queue, close the socket in the background, notify the owner."""
        if self.closed:
            return
        self.closed = True
        self._queue = _EMPTY
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
        """Wait until the queue is empty or the client is closed (tests and shutdown)."""
        while not self.closed and (self._queue or self.scheduled):
            if self._writer is not None and not self._writer.done():
                await asyncio.wait({self._writer})
            else:
                await asyncio.sleep(0.001)
        while self._writer is not None and not self._writer.done():
            await asyncio.wait({self._writer})
