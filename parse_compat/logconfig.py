"""The process's log output, from Parse Server's logging options.

- `logLevel` (`error`, `warn`, `info`, `verbose`/`debug`) and `verbose` (debug);
- `silent`: nothing on the console;
- `jsonLogs`: console lines as JSON objects `{"level", "message", "timestamp"}` (winston's shape);
- `logsFolder`: also write `parse-server.info` (every line at the level) and `parse-server.err`
  (errors) there, one JSON object a line, rotated at midnight UTC; `maxLogFiles` (a number, or
  days as `"10d"`) bounds how many rotated files are kept. parse-compat: unset by default (Parse
  writes `./logs`), so a container's read-only disk is never written to unasked.

File writes happen on a background thread fed through a bounded queue (lines beyond it are dropped
and counted), so a slow disk never holds the event loop.
"""

from __future__ import annotations

import json
import logging
import logging.handlers
import queue
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from .settings import Settings

LEVELS = {"error": logging.ERROR, "warn": logging.WARNING, "info": logging.INFO, "verbose": logging.DEBUG,
          "debug": logging.DEBUG, "silly": logging.DEBUG}
WINSTON = {logging.DEBUG: "debug", logging.INFO: "info", logging.WARNING: "warn", logging.ERROR: "error",
           logging.CRITICAL: "error"}
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
QUEUE_SIZE = 10_000


class JsonLines(logging.Formatter):
    """One JSON object a line, winston's field names (exception text is never included)."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {"level": WINSTON.get(record.levelno, "info"), "message": record.getMessage(),
                                 "timestamp": datetime.fromtimestamp(record.created, UTC).isoformat(
                                     timespec="milliseconds").replace("+00:00", "Z")}
        if record.exc_info and record.exc_info[1] is not None:
            entry["error"] = type(record.exc_info[1]).__qualname__
        return json.dumps(entry, ensure_ascii=False)


class DroppingQueueHandler(logging.handlers.QueueHandler):
    """A full queue drops the line (and counts it) instead of blocking or raising."""

    def __init__(self, target: queue.Queue[Any]) -> None:
        super().__init__(target)
        self.dropped = 0

    def enqueue(self, record: logging.LogRecord) -> None:
        try:
            self.queue.put_nowait(record)
        except queue.Full:
            self.dropped += 1


def kept_files(value: Any) -> int:
    """`maxLogFiles`: 10 or "10d" → 10 rotated files (one a day); unset → 0 (all kept)."""
    if value in (None, ""):
        return 0
    text = str(value).strip().lower().removesuffix("d")
    number = int(text)
    if number < 0:
        raise ValueError("maxLogFiles must not be negative")
    return number


def level_of(settings: Settings) -> int:
    if getattr(settings, "verbose", False):
        return logging.DEBUG
    return LEVELS.get(str(settings.logLevel).lower(), logging.INFO)


def configure_logging(settings: Settings, root: logging.Logger | None = None) -> logging.handlers.QueueListener | None:
    """Install the handlers on `root` (the root logger); returns the file writer thread, if any."""
    root = root or logging.getLogger()
    level = level_of(settings)
    root.setLevel(level)
    if not getattr(settings, "silent", False):
        console = logging.StreamHandler()
        console.setFormatter(JsonLines() if getattr(settings, "jsonLogs", False) else logging.Formatter(TEXT_FORMAT))
        root.addHandler(console)
    folder = getattr(settings, "logsFolder", None)
    if not folder:
        return None
    directory = Path(folder)
    directory.mkdir(parents=True, exist_ok=True)
    keep = kept_files(getattr(settings, "maxLogFiles", None))
    files = []
    for name, file_level in (("parse-server.info", level), ("parse-server.err", logging.ERROR)):
        handler = logging.handlers.TimedRotatingFileHandler(directory / name, when="midnight", utc=True,
                                                            backupCount=keep, encoding="utf-8")
        handler.setLevel(file_level)
        handler.setFormatter(JsonLines())
        files.append(handler)
    lines: queue.Queue[Any] = queue.Queue(QUEUE_SIZE)
    root.addHandler(DroppingQueueHandler(lines))
    listener = logging.handlers.QueueListener(lines, *files, respect_handler_level=True)
    listener.start()
    return listener
