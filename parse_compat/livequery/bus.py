"""How changes reach the subscribers: an in-process queue, or Redis pub/sub across processes.

``publish`` never waits: the message joins an ordered local queue, so the write that produced
it is not slowed. ``LocalBus`` hands each message to the handler in order. ``RedisBus`` sends
them in order to one Redis channel (``parse-compat:<appId>:livequery``) that every process of
the app subscribes to — its own included, so every process, the writer's too, sees the same
order. Messages are JSON dicts with a type ``t``: ``change`` (a write, see
``fanout.Change``), ``roles`` (role cache invalidation) and ``sessions`` (re-validate tokens);
they carry documents with their ACL lists, never session tokens.

When Redis is unreachable, messages published meanwhile are logged and lost; both loops retry
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

    def __init__(self, url: str, app_id: str, max_pending: int = DEFAULT_PENDING, spawn: Spawn | None = None) -> None:
        self.url = url
        self.channel = f"parse-compat:{app_id}:livequery"
        self._outbox: asyncio.Queue[str] = asyncio.Queue(max_pending)
        self._tasks: list[asyncio.Task[None]] = []
        self._subscribed = asyncio.Event()
        self._spawn = spawn or _spawn_plain

    async def start(self, handler: Handler) -> None:
        self._tasks = [self._spawn("livequery.bus.publisher", self._publisher),
                       self._spawn("livequery.bus.subscriber", lambda: self._subscriber(handler))]
        # Wait (briefly) for the subscription, so that a write right after start-up is not missed.
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._subscribed.wait(), timeout=5.0)

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
                await pubsub.subscribe(self.channel)
                self._subscribed.set()
                backoff = 0.1
                async for message in pubsub.listen():
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
