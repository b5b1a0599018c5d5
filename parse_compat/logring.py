"""The server's own recent log lines, kept in a bounded in-memory ring for `GET /scriptlog`.

One `LogRing` per app state (`state.services.log_ring`), fed by a `logging.Handler` attached to
the `parse_compat` logger while the app runs and detached when it closes. Entries have the shape
Parse Server's winston logger answers: `{"level", "message", "timestamp"}`.

What goes in: the record's formatted message only, cut to `MAX_MESSAGE` characters. Exception
text is never copied (an exception message can hold request values); an entry with an exception
says only its type. Lines from cloud code's own `request.log` (`parse_compat.cloud.user`) are left
out: an app's code may log what its users stored, and this route serves lines over the API.
"""

from __future__ import annotations

import logging
import threading
from collections import deque
from datetime import UTC, datetime, timedelta
from typing import Any

from .codec.dates import format_iso

MAX_ENTRIES = 1000
MAX_MESSAGE = 2000
DEFAULT_SIZE = 10
EXCLUDED_LOGGERS = ("parse_compat.cloud.user",)
SOURCE_LOGGER = "parse_compat"
# Parse's levels, from Python's: 'warn' and 'verbose' as winston names them
LEVELS = {logging.DEBUG: "debug", logging.INFO: "info", logging.WARNING: "warn", logging.ERROR: "error",
          logging.CRITICAL: "error"}


def _level_name(levelno: int) -> str:
    for threshold in (logging.CRITICAL, logging.ERROR, logging.WARNING, logging.INFO):
        if levelno >= threshold:
            return LEVELS[threshold]
    return "debug"


class LogRing(logging.Handler):
    """A handler holding the newest `capacity` entries (oldest dropped first)."""

    def __init__(self, capacity: int = MAX_ENTRIES) -> None:
        super().__init__(level=logging.INFO)
        self._entries: deque[tuple[datetime, dict[str, Any]]] = deque(maxlen=capacity)
        self._guard = threading.Lock()  # records can come from worker threads (to_thread)

    def emit(self, record: logging.LogRecord) -> None:
        if record.name.startswith(EXCLUDED_LOGGERS):
            return
        try:
            message = record.getMessage()
        except (TypeError, ValueError):
            message = str(record.msg)
        if record.exc_info and record.exc_info[1] is not None:
            kind = type(record.exc_info[1])
            message += f" ({kind.__module__}.{kind.__qualname__}; message withheld)"
        if len(message) > MAX_MESSAGE:
            message = message[:MAX_MESSAGE] + "…"
        moment = datetime.fromtimestamp(record.created, UTC)
        entry = {"level": _level_name(record.levelno), "message": message, "timestamp": format_iso(moment)}
        with self._guard:
            self._entries.append((moment, entry))

    def query(self, *, level: str = "info", size: int = DEFAULT_SIZE, order: str = "desc",
              since: datetime | None = None, until: datetime | None = None) -> list[dict[str, Any]]:
        """Parse's `getLogs`: `error` gives error lines only, any other level the rest too."""
        until = until or datetime.now(UTC)
        since = since or until - timedelta(days=7)
        with self._guard:
            rows = [(moment, dict(entry)) for moment, entry in self._entries]
        picked = [entry for moment, entry in rows if since <= moment <= until
                  and (level != "error" or entry["level"] == "error")]
        if order != "asc":
            picked.reverse()
        return picked[:max(size, 0)]

    def attach(self) -> None:
        logging.getLogger(SOURCE_LOGGER).addHandler(self)

    def detach(self) -> None:
        logging.getLogger(SOURCE_LOGGER).removeHandler(self)
