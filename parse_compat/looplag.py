"""How long the event loop was kept from running other work: a loop-lag monitor.

A task wakes every ``interval`` seconds and records, between two wake-ups:

- ``max_lag``: how much later than planned it woke (wall clock). This includes time the
  process was not scheduled at all, so it also grows when the machine is busy.
- ``max_busy``: how much CPU time the loop thread spent (``time.thread_time``). A callback
  that holds the loop (a long statement, a backtracking regex, a big encode) shows up here;
  time the OS gave to other processes does not, so tests can bound it on a loaded machine.

Both are kept since start and for the last ``window`` seconds (per-second maxima), so a bench
can read the stalls of its last phase. Used by the tests, the bench (``bench/hostile.py``) and
``GET /health?loopLag=1``; it keeps all its state on the instance.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import time


class LoopLagMonitor:
    """Measures the longest stall of the running event loop while started."""

    def __init__(self, interval: float = 0.005, window: int = 10) -> None:
        self.interval = interval
        self.window = window
        self.max_lag = 0.0
        self.max_busy = 0.0
        self.ticks = 0
        # (whole second, max lag, max busy) of the last `window` seconds
        self._recent: collections.deque[list[float]] = collections.deque(maxlen=window)
        self._task: asyncio.Task[None] | None = None
        self._wall = self._cpu = 0.0  # the times of the last tick

    def reset(self) -> None:
        self.max_lag = 0.0
        self.max_busy = 0.0
        self.ticks = 0
        self._recent.clear()

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._run())

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            self._tick()  # the stretch since the last tick counts too (it may be a stall)
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
        self._wall = time.perf_counter()
        self._cpu = time.thread_time()
        while True:
            await asyncio.sleep(self.interval)
            self._tick()

    def _tick(self) -> None:
        now_wall = time.perf_counter()
        now_cpu = time.thread_time()
        self._record(now_wall, max(0.0, now_wall - self._wall - self.interval), now_cpu - self._cpu)
        self._wall, self._cpu = now_wall, now_cpu

    def _record(self, now: float, lag: float, busy: float) -> None:
        self.max_lag = max(self.max_lag, lag)
        self.max_busy = max(self.max_busy, busy)
        self.ticks += 1
        second = float(int(now))
        if not self._recent or self._recent[-1][0] != second:
            self._recent.append([second, 0.0, 0.0])
        bucket = self._recent[-1]
        bucket[1] = max(bucket[1], lag)
        bucket[2] = max(bucket[2], busy)

    def snapshot(self) -> dict[str, float]:
        """The figures in milliseconds (for /health or a bench report): since start, and over
        the last ``window`` seconds."""
        horizon = time.perf_counter() - self.window
        recent = [bucket for bucket in self._recent if bucket[0] >= horizon - 1]
        return {"maxLagMs": round(self.max_lag * 1000, 1), "maxBusyMs": round(self.max_busy * 1000, 1),
                "recentMaxLagMs": round(max((b[1] for b in recent), default=0.0) * 1000, 1),
                "recentMaxBusyMs": round(max((b[2] for b in recent), default=0.0) * 1000, 1)}
