"""Logs a client cannot flood: repeated records are rate-limited and summed up.

``FloodGuard`` is a ``logging.Filter`` for handlers. Records are grouped by logger, level and
message *template* (``record.msg`` before ``%`` formatting, so "upload from %s aborted" is one
group whatever the address). Each group lets ``burst`` records through per ``window`` seconds;
the rest are counted and dropped, and the first record of the group let through after the
window carries "(… and N more like this in the last minute)". At most ``max_groups`` groups are
tracked; past that every new template shares one overflow group per level, so a client that
makes each message different cannot grow memory or the log either.

``install_flood_guard()`` puts one guard on every handler of the root logger (``cli`` calls it
after ``logging.basicConfig``). The guard lives on the handler, nowhere else.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from dataclasses import dataclass

WINDOW_SECONDS = 60.0
BURST = 10
MAX_GROUPS = 1000
_OVERFLOW = "<other messages>"


@dataclass(slots=True)
class _Group:
    window_start: float
    passed: int = 0
    dropped: int = 0


class FloodGuard(logging.Filter):
    def __init__(self, burst: int = BURST, window: float = WINDOW_SECONDS, max_groups: int = MAX_GROUPS) -> None:
        super().__init__()
        self.burst = burst
        self.window = window
        self.max_groups = max_groups
        self._groups: OrderedDict[tuple[str, int, str], _Group] = OrderedDict()

    def _key(self, record: logging.LogRecord) -> tuple[str, int, str]:
        key = (record.name, record.levelno, str(record.msg))
        if key not in self._groups and len(self._groups) >= self.max_groups:
            self._expire(record.created)
            if len(self._groups) >= self.max_groups:
                return ("", record.levelno, _OVERFLOW)
        return key

    def _expire(self, now: float) -> None:
        """Forget groups whose window ended with nothing left to report."""
        for key in [k for k, g in self._groups.items() if now - g.window_start >= self.window and not g.dropped]:
            del self._groups[key]

    def filter(self, record: logging.LogRecord) -> bool:
        now = record.created
        key = self._key(record)
        group = self._groups.get(key)
        if group is None:
            group = self._groups[key] = _Group(now)
        if now - group.window_start >= self.window:
            dropped = group.dropped
            group.window_start, group.passed, group.dropped = now, 0, 0
            if dropped:
                self._annotate(record, dropped)
        if group.passed >= self.burst:
            group.dropped += 1
            return False
        group.passed += 1
        return True

    def _annotate(self, record: logging.LogRecord, dropped: int) -> None:
        # Formatting the message now keeps the record's own arguments intact for the handler.
        record.msg = f"{record.getMessage()} (… and {dropped} more like this in the last minute)"
        record.args = None

    @property
    def group_count(self) -> int:
        return len(self._groups)


def install_flood_guard(logger: logging.Logger | None = None) -> None:
    """Add a ``FloodGuard`` to each handler of ``logger`` (the root logger by default), once."""
    for handler in (logger or logging.getLogger()).handlers:
        if not any(isinstance(f, FloodGuard) for f in handler.filters):
            handler.addFilter(FloodGuard())
