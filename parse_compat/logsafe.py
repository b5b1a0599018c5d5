"""Tracebacks for logs without exception messages: messages can carry request values (a patient's
name in a ValueError), frames and exception types cannot."""

from __future__ import annotations

import traceback


def redacted_traceback(exc: BaseException) -> str:
    frames = "".join(traceback.format_tb(exc.__traceback__))
    return f"{frames}{type(exc).__module__}.{type(exc).__qualname__} (message withheld: may hold request data)"
