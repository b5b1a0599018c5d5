"""How long the event loop was kept from running other work: a loop-lag monitor.

A task wakes every ``interval`` seconds and records, between two wake-ups:

- ``max_lag``: how much later than planned it woke (wall clock). This includes time the
  process was not scheduled at all, so it also grows when the machine is busy.
- ``max_busy``: how much CPU time the loop thread spent (``time.thread_time``). A callback
  that holds the loop (a long statement, a backtracking regex, a big encode) shows up here;
  time the OS gave to other processes does not, so tests can bound it on a loaded machine.

Used by the tests and the bench (``bench/hostile.py``); it keeps all its state on the instance.
"""

from __future__ import annotations

import asyncio
import contextlib
import time


class LoopLagMonitor:
    """Measures the longest stall of the running event loop while started."""

    def __init__(self, interval: float = 0.005) -> None:
        self.interval = interval
        self.max_lag = 0.0
        self.max_busy = 0.0
        self.ticks = 0
        self._task: asyncio.Task[None] | None = None

    def reset(self) -> None:
        self.max_lag = 0.0
        self.max_busy = 0.0
        self.ticks = 0

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._run())

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def __aenter__(self) -> LoopLagMonitor:
        self.start()
        await asyncio.sleep(0)  # let the first tick take its reference times
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    async def _run(self) -> None:
        wall = time.perf_counter()
        cpu = time.thread_time()
        while True:
            await asyncio.sleep(self.interval)
            now_wall = time.perf_counter()
            now_cpu = time.thread_time()
            self.max_lag = max(self.max_lag, now_wall - wall - self.interval)
            self.max_busy = max(self.max_busy, now_cpu - cpu)
            self.ticks += 1
            wall, cpu = now_wall, now_cpu

    def snapshot(self) -> dict[str, float]:
        """The figures in milliseconds (for /health or a bench report)."""
        return {"maxLagMs": round(self.max_lag * 1000, 1), "maxBusyMs": round(self.max_busy * 1000, 1)}
