"""Background tasks that cannot die: each one is restarted with back-off when it fails or ends.

Long-running loops of an app (the Live Query outbox and bus listener, the job scheduler, the
session watch, the audit trail's writer, the account-mail outbox...) run under the app's
``Supervisor`` (``supervisor_of(state)``, kept in ``state.services.supervisor``). A loop is
expected to catch, log and skip a bad item itself; the supervisor is the net below that: when
the coroutine raises (or returns), the failure is logged once with its type only (messages can
carry request data), the task waits ``0.1 s`` doubling up to ``30 s`` (reset after a minute of
healthy running) and starts again.

``problems()`` names the tasks that are not running right now (``restarting``); ``/health``
answers 503 ``{"status": "error", "tasks": {...}}`` while there are any, and Parse's plain
``{"status": "ok"}`` otherwise.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from .logsafe import redacted_traceback

log = logging.getLogger("parse_compat.supervisor")
MIN_BACKOFF = 0.1
MAX_BACKOFF = 30.0
HEALTHY_AFTER = 60.0


@dataclass
class _Supervised:
    name: str
    factory: Callable[[], Awaitable[None]]
    task: asyncio.Task[None] | None = None
    status: str = "running"
    failures: int = 0
    last_error: str = ""


class Supervisor:
    def __init__(self, min_backoff: float = MIN_BACKOFF, max_backoff: float = MAX_BACKOFF) -> None:
        self.min_backoff = min_backoff
        self.max_backoff = max_backoff
        self._tasks: dict[str, _Supervised] = {}

    def start(self, name: str, factory: Callable[[], Awaitable[None]]) -> asyncio.Task[None]:
        """Run ``factory()`` under supervision; a second start of ``name`` replaces the first."""
        old = self._tasks.get(name)
        if old is not None and old.task is not None:
            old.task.cancel()
        entry = self._tasks[name] = _Supervised(name, factory)
        entry.task = asyncio.get_running_loop().create_task(self._keep(entry), name=f"parse_compat {name}")
        return entry.task

    async def _keep(self, entry: _Supervised) -> None:
        backoff = self.min_backoff
        while True:
            started = time.monotonic()
            entry.status = "running"
            try:
                await entry.factory()
                entry.last_error = "ended"
                log.error("background task %s ended; restarting in %.1fs", entry.name, backoff)
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # noqa: BLE001 - the point of a supervisor
                entry.last_error = type(exc).__name__
                log.error("background task %s failed; restarting in %.1fs\n%s", entry.name, backoff,
                          redacted_traceback(exc))
            entry.failures += 1
            if time.monotonic() - started > HEALTHY_AFTER:
                backoff = self.min_backoff
            entry.status = "restarting"
            await asyncio.sleep(backoff)
            backoff = min(backoff * 2, self.max_backoff)

    def problems(self) -> dict[str, str]:
        return {name: entry.status for name, entry in self._tasks.items() if entry.status != "running"}

    def failures(self, name: str) -> int:
        entry = self._tasks.get(name)
        return entry.failures if entry else 0

    async def stop(self, name: str, timeout: float | None = None) -> None:
        """Cancel ``name`` and wait for it to end (at most ``timeout`` seconds when given: a task
        stuck in a library that swallows the cancellation cannot hold up shutdown)."""
        entry = self._tasks.pop(name, None)
        if entry is not None and entry.task is not None:
            entry.task.cancel()
            if timeout is not None:
                await asyncio.wait({entry.task}, timeout=timeout)
                return
            with contextlib.suppress(asyncio.CancelledError):
                await entry.task

    async def close(self) -> None:
        for name in list(self._tasks):
            await self.stop(name)


def supervisor_of(state: Any) -> Supervisor:
    """The app's supervisor, created on first use (stopped with the app)."""
    supervisor: Supervisor | None = state.services.supervisor
    if supervisor is None:
        supervisor = state.services.supervisor = Supervisor()
        state.services.on_close.append(supervisor.close)
    return supervisor


def health(state: Any) -> tuple[int, dict[str, Any]]:
    """``/health``: Parse's ``{"status": "ok"}``, or 503 naming the background tasks that are down."""
    supervisor = state.services.supervisor if state is not None else None
    problems = supervisor.problems() if supervisor is not None else {}
    if problems:
        return 503, {"status": "error", "tasks": problems}
    return 200, {"status": "ok"}
