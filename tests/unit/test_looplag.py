"""The loop-lag monitor sees a callback that holds the event loop, and forgets nothing it saw."""

from __future__ import annotations

import asyncio
import time

import pytest

from parse_compat.looplag import LoopLagMonitor

pytestmark = pytest.mark.asyncio


def _hold_the_loop(cpu_seconds: float) -> None:
    start = time.thread_time()
    while time.thread_time() - start < cpu_seconds:
        pass


async def test_a_blocking_callback_shows_as_busy_and_lag() -> None:
    async with LoopLagMonitor(interval=0.002) as monitor:
        while monitor.ticks < 3:
            await asyncio.sleep(0.002)
        _hold_the_loop(0.08)
        ticks = monitor.ticks
        while monitor.ticks == ticks:
            await asyncio.sleep(0.002)
    assert monitor.max_busy >= 0.08
    assert monitor.max_lag >= 0.07
    snapshot = monitor.snapshot()
    assert snapshot["maxBusyMs"] >= 80 and snapshot["recentMaxBusyMs"] >= 80


async def test_yielding_work_stays_below_the_bound() -> None:
    async with LoopLagMonitor(interval=0.002) as monitor:
        for _ in range(50):
            _hold_the_loop(0.001)
            await asyncio.sleep(0)
        while monitor.ticks < 5:
            await asyncio.sleep(0.002)
    assert monitor.max_busy < 0.05


async def test_reset_and_stop() -> None:
    monitor = LoopLagMonitor(interval=0.002)
    monitor.start()
    while monitor.ticks < 2:
        await asyncio.sleep(0.002)
    monitor.reset()
    assert monitor.ticks == 0 and monitor.snapshot()["recentMaxLagMs"] == 0.0
    await monitor.stop()
    await monitor.stop()  # idempotent
