"""What may be printed or logged of things that can hold secrets or request data: tracebacks
without exception messages (a message can carry a patient's name in a ValueError; frames and
exception types cannot) and database URIs without their password."""

from __future__ import annotations

import traceback
from urllib.parse import urlsplit, urlunsplit


def redacted_traceback(exc: BaseException) -> str:
    frames = "".join(traceback.format_tb(exc.__traceback__))
    return f"{frames}{type(exc).__module__}.{type(exc).__qualname__} (message withheld: may hold request data)"


def redact_uri(uri: str | None) -> str:
    """A database URI without its password (it is printed)."""
    if not uri:
        return ""
    try:
        parts = urlsplit(uri)
    except ValueError:
        return "<unparseable URI>"
    if parts.password is None:
        return uri
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return urlunsplit(parts._replace(netloc=netloc))
