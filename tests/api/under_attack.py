"""Run one hostile request while probing the server as an ordinary client would: GET /health and
a get-by-id, again and again until the hostile request is answered. Shared by the tests that
check no single request stalls the server (hostile queries, the query time budget)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable
from dataclasses import dataclass
from typing import Generic, TypeVar

from parse_compat.looplag import LoopLagMonitor
from tests.quiet_gc import quiet_gc

from .conftest import Client

T = TypeVar("T")


@dataclass
class Siege(Generic[T]):
    answer: T
    elapsed: float  # seconds from sending the hostile request to its answer
    probes: list[float]  # seconds each probe took
    loop_busy_max: float  # the longest loop-thread CPU run the monitor saw, in seconds
    loop_snapshot: dict[str, float]


async def probe_during(api: Client, object_path: str, hostile: Awaitable[T], min_probes: int = 4) -> Siege[T]:
    """Await ``hostile`` while probing /health and ``object_path``; every probe must answer 200."""
    with quiet_gc():
        async with LoopLagMonitor() as monitor:
            started = time.perf_counter()
            task = asyncio.ensure_future(hostile)
            probes: list[float] = []
            while not task.done() or len(probes) < min_probes:
                for path in ("/health", object_path):
                    sent = time.perf_counter()
                    reply = await api.get(path)
                    probes.append(time.perf_counter() - sent)
                    assert reply.status == 200, reply.body
            answer = await task
            elapsed = time.perf_counter() - started
    return Siege(answer, elapsed, probes, monitor.max_busy, monitor.snapshot())
