"""How changes reach the subscribers: an in-process queue, or Redis pub/sub across processes.

``publish`` never waits: the message joins an ordered local queue, so the write that produced
it is not slowed. ``LocalBus`` hands each message to the handler in order. ``RedisBus`` sends
them in order to one Redis channel (``parse-compat:<appId>:livequery``) that every process of
the app subscribes to — its own included, so every process, the writer's too, sees the same
order. Messages are JSON dicts with a type ``t``: ``change`` (a write, see
``fanout.Change``), ``roles`` (role cache invalidation) and ``sessions`` (re-validate tokens);
they carry documents with their ACL lists, never session tokens.

``RedisBus.start`` returns once Redis has confirmed the subscription (its ``subscribe`` reply,
not merely the command sent), however long that takes on a loaded host: a process is ready
only when it hears every change published after that. When Redis is unreachable, start-up goes
on (with a warning), messages published meanwhile are logged and lost, and both loops retry
with back-off (up to 5 s) until Redis is back.

The local queues are bounded (``maxPendingChanges``): when matching falls behind a burst of
writes, the oldest pending message is dropped and counted in the log (rate-limited), so the
writers never wait and memory stays bounded. A message whose handling fails is logged and
skipped; the loops run under the app's supervisor (``spawn``), which restarts them should they
die anyway.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any, Protocol

log = logging.getLogger("parse_compat.livequery")

Handler = Callable[[dict[str, Any]], Awaitable[None]]
Spawn = Callable[[str, Callable[[], Awaitable[None]]], Any]
MAX_BACKOFF = 5.0
SUBSCRIBE_WAIT = 60.0  # start() gives up waiting for a Redis that accepts but never answers
DEFAULT_PENDING = 10_000


def _spawn_plain(name: str, factory: Callable[[], Awaitable[None]]) -> asyncio.Task[None]:
    return asyncio.get_running_loop().create_task(factory(), name=f"parse_compat {name}")  # type: ignore[arg-type]


def _put_dropping_oldest(queue: asyncio.Queue[Any], item: Any) -> bool:
    """Queue ``item``; when full, drop the oldest first. False when something was dropped."""
    try:
        queue.put_nowait(item)
        return True
    except asyncio.QueueFull:
        queue.get_nowait()
        queue.put_nowait(item)
        return False


def _raise_if_cancelled() -> None:
    """Deliver a cancellation that a Redis call swallowed.

    redis-py sends each command through ``asyncio.wait_for``, which on Python 3.11 returns
    normally when the task is cancelled in the loop iteration where the send completes. The
    loop would then wait on Redis for good, and so would the process's shutdown (seen: one
    ``close`` in five hung when it came right after ``start``)."""
    task = asyncio.current_task()
    if task is not None and task.cancelling():
        raise asyncio.CancelledError


class Bus(Protocol):
    async def start(self, handler: Handler) -> None: ...

    def publish(self, message: dict[str, Any]) -> None: ...

    async def close(self) -> None: ...


async def _call(handler: Handler, message: dict[str, Any]) -> None:
    try:
        await handler(message)
    except Exception:  # noqa: BLE001 - one bad message must not stop delivery
        log.exception("live query: handling a %s message failed", message.get("t"))


class LocalBus:
    """One process: an ordered queue drained by one task."""

    def __init__(self, max_pending: int = DEFAULT_PENDING, spawn: Spawn | None = None) -> None:
        self._queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue(max_pending)
        self._task: asyncio.Task[None] | None = None
        self._spawn = spawn or _spawn_plain

    async def start(self, handler: Handler) -> None:
        async def loop() -> None:
            while True:
                message = await self._queue.get()
                await _call(handler, message)

        self._task = self._spawn("livequery.bus", loop)

    def publish(self, message: dict[str, Any]) -> None:
        if not _put_dropping_oldest(self._queue, message):
            log.warning("live query: matching is behind; the oldest pending change was dropped")

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task


class RedisBus:
    """Several processes: Redis PUBLISH / SUBSCRIBE on one channel per app."""

    subscribe_wait = SUBSCRIBE_WAIT

    def __init__(self, url: str, app_id: str, max_pending: int = DEFAULT_PENDING, spawn: Spawn | None = None) -> None:
        self.url = url
        self.channel = f"parse-compat:{app_id}:livequery"
        self._outbox: asyncio.Queue[str] = asyncio.Queue(max_pending)
        self._tasks: list[asyncio.Task[None]] = []
        self._subscribed = asyncio.Event()  # Redis confirmed the subscription (cleared while reconnecting)
        self._first_attempt = asyncio.Event()  # the first subscription attempt was confirmed or failed
        self._spawn = spawn or _spawn_plain

    async def start(self, handler: Handler) -> None:
        """Start both loops; return once Redis has confirmed the subscription (or the first
        attempt failed: Redis down at boot is retried in the background)."""
        self._tasks = [self._spawn("livequery.bus.publisher", self._publisher),
                       self._spawn("livequery.bus.subscriber", lambda: self._subscriber(handler))]
        # Not a short wall-clock bound: on a loaded host the first attempt (importing redis,
        # connecting) can take longer than any such bound, and a process that reported ready
        # before Redis confirmed the subscription lost the writes made in between.
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._first_attempt.wait(), timeout=self.subscribe_wait)
        if not self._subscribed.is_set():
            log.warning("live query: not subscribed to Redis yet; changes made meanwhile by other processes "
                        "will not reach this process's subscribers")

    def publish(self, message: dict[str, Any]) -> None:
        if not _put_dropping_oldest(self._outbox, json.dumps(message, separators=(",", ":"))):
            log.warning("live query: Redis publishing is behind; the oldest pending message was dropped")

    def _client(self) -> Any:
        import redis.asyncio as redis  # imported only when a redisURL is configured

        return redis.from_url(self.url)

    async def _publisher(self) -> None:
        backoff = 0.1
        while True:
            client = self._client()
            try:
                while True:
                    payload = await self._outbox.get()
                    try:
                        await client.publish(self.channel, payload)
                        _raise_if_cancelled()
                    except Exception:
                        log.error("live query: Redis publish failed; one message lost")
                        raise
                    backoff = 0.1
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # noqa: BLE001 - reconnect with back-off
                log.warning("live query: Redis publisher error (%s); retrying in %.1fs", exc, backoff)
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, MAX_BACKOFF)
            finally:
                with contextlib.suppress(Exception):
                    await client.aclose()

    async def _subscriber(self, handler: Handler) -> None:
        backoff = 0.1
        while True:
            client = self._client()
            pubsub = client.pubsub()
            try:
                # SUBSCRIBE is only sent here; Redis confirms it with a "subscribe" message below
                await pubsub.subscribe(self.channel)
                _raise_if_cancelled()
                async for message in pubsub.listen():
                    if message.get("type") == "subscribe":
                        self._subscribed.set()
                        self._first_attempt.set()
                        backoff = 0.1
                    if message.get("type") != "message":
                        continue
                    try:
                        decoded = json.loads(message["data"])
                    except (ValueError, TypeError):
                        log.warning("live query: ignoring a malformed bus message")
                        continue
                    if isinstance(decoded, dict):
                        await _call(handler, decoded)
                raise ConnectionError("Redis subscription ended")
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # noqa: BLE001 - reconnect with back-off
                self._subscribed.clear()
                self._first_attempt.set()
                log.warning("live query: Redis subscriber error (%s); retrying in %.1fs", exc, backoff)
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, MAX_BACKOFF)
            finally:
                with contextlib.suppress(Exception):
                    await pubsub.aclose()
                with contextlib.suppress(Exception):
                    await client.aclose()

    async def close(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks = []


def open_bus(redis_url: str | None, app_id: str, max_pending: int = DEFAULT_PENDING, spawn: Spawn | None = None) -> Bus:
    return RedisBus(redis_url, app_id, max_pending, spawn) if redis_url else LocalBus(max_pending, spawn)
