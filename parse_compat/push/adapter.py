"""The push adapter interface (Parse's `PushAdapter`, in Python) and the default adapter.

An adapter has:
- `async send(body, installations, push_status_id) -> list[result]`, where `body` is the push
  (`data`, `expiration_time`, …), `installations` the REST JSON of up to one batch of
  `_Installation` rows, and each result `{"device": {"deviceToken", "deviceType"},
  "transmitted": bool, "response": {"error": …}}` (Parse's shape);
- `valid_push_types() -> list[str]` (Parse's `getValidPushTypes`).

Chosen with the `push` option, Parse's shape: `{"adapter": "my_pkg.my_push", ...options}` (see
`adapters.py`), or `{"android": {"firebaseServiceAccount": …}, "ios": {"token": …}}` for FCM and
APNs (`platforms.py`); unset, `LoggingPushAdapter` logs how many devices a push was for and
sends nothing — every device is reported as not transmitted.
"""

from __future__ import annotations

import logging
from typing import Any, Protocol

from ..adapters import load_adapter
from .fcm import FcmPushAdapter
from .platforms import PlatformPushAdapter, is_platform_option
from .results import device_of

log = logging.getLogger("parse_compat.push")


class PushAdapter(Protocol):
    async def send(self, body: dict[str, Any], installations: list[dict[str, Any]],
                   push_status_id: str) -> list[dict[str, Any]]: ...

    def valid_push_types(self) -> list[str]: ...


class LoggingPushAdapter:
    """Sends nothing; logs the push's id and the number of devices (never their tokens)."""

    def __init__(self, options: dict[str, Any] | None = None) -> None:
        self.options = options or {}

    def valid_push_types(self) -> list[str]:
        return ["ios", "android", "osx", "tvos", "web", "expo"]

    async def send(self, body: dict[str, Any], installations: list[dict[str, Any]],
                   push_status_id: str) -> list[dict[str, Any]]:
        log.info("push %s: %d device(s); not sent (no push adapter configured)", push_status_id, len(installations))
        return [{"device": device_of(i), "transmitted": False, "response": {"error": "NotSent"}}
                for i in installations]


def build_push_adapter(spec: Any) -> PushAdapter:
    """The `push` option's adapter: a named module, Parse's per-platform shape (FCM HTTP v1 and
    APNs, `platforms.py`), or the logging adapter."""
    if is_platform_option(spec):
        return PlatformPushAdapter(spec)
    adapter: PushAdapter = load_adapter(spec, "push", LoggingPushAdapter, {"fcm": FcmPushAdapter})
    return adapter
