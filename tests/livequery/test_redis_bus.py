"""``RedisBus`` on the real Redis at 127.0.0.1:6379: ``start`` returns once Redis has confirmed
the subscription, however long the first attempt takes, so a change published right after it
reaches the process; with Redis down it returns at once and the server still starts."""

from __future__ import annotations

import asyncio
import json
import logging
import time
import uuid
from typing import Any

import pytest
import redis.asyncio as redis

from parse_compat.livequery.bus import RedisBus

REDIS_URL = "redis://127.0.0.1:6379/0"
STARVED_SECONDS = 5.5  # longer than the 5 s start() used to wait before reporting ready anyway


class StarvedBus(RedisBus):
    """The first Redis client is made while the event loop is held up, as when a worker boots on a
    loaded host (importing redis there took seconds): the subscription is confirmed late."""

    starved = False

    def _client(self) -> Any:
        if not self.starved:
            self.starved = True
            time.sleep(STARVED_SECONDS)
        return super()._client()


async def test_start_returns_only_once_redis_confirmed_the_subscription() -> None:
    received: list[dict[str, Any]] = []

    async def handler(message: dict[str, Any]) -> None:
        received.append(message)

    bus = StarvedBus(REDIS_URL, f"bus-{uuid.uuid4().hex[:8]}")
    publisher = redis.from_url(REDIS_URL)  # another process, connected already, writes once this one is ready
    try:
        await publisher.ping()
        await bus.start(handler)
        assert await publisher.publish(bus.channel, json.dumps({"t": "change", "n": 1})) == 1
        async with asyncio.timeout(5):
            while not received:
                await asyncio.sleep(0.01)
        assert received == [{"t": "change", "n": 1}]
    finally:
        await publisher.aclose()
        await bus.close()


async def test_start_does_not_wait_for_a_redis_that_is_down(caplog: pytest.LogCaptureFixture) -> None:
    async def handler(message: dict[str, Any]) -> None:
        raise AssertionError(message)

    bus = RedisBus("redis://127.0.0.1:1/0", "down")
    started = time.monotonic()
    try:
        with caplog.at_level(logging.WARNING, "parse_compat.livequery"):
            await bus.start(handler)
        assert time.monotonic() - started < 5
        assert "not subscribed to Redis yet" in caplog.text
    finally:
        await bus.close()


async def test_close_right_after_start_always_ends() -> None:
    """A cancellation landing as redis-py sends SUBSCRIBE used to be swallowed (Python 3.11's
    ``wait_for``): the subscriber then waited on Redis for good and ``close`` with it — about one
    close in five in this sweep."""

    async def handler(message: dict[str, Any]) -> None:
        pass

    for attempt in range(32):
        bus = RedisBus(REDIS_URL, f"bus-{uuid.uuid4().hex[:8]}")
        starting = asyncio.ensure_future(bus.start(handler))
        await asyncio.sleep(0.004 + 0.001 * (attempt % 16))  # around the moment SUBSCRIBE is sent
        closing = asyncio.ensure_future(bus.close())
        done, _ = await asyncio.wait({closing}, timeout=5)
        starting.cancel()
        await asyncio.gather(starting, return_exceptions=True)
        assert closing in done, f"close hung (attempt {attempt})"
