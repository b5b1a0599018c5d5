"""Analytics events (`POST /events/AppOpened`, `POST /events/<name>`) and their adapter.

Parse's interface in Python: an adapter has `async app_opened(parameters, request)` and
`async track_event(name, parameters, request)`; what they return (an object) is the answer, `{}`
when they return nothing or fail — an SDK's analytics call never sees an error, as with Parse.
The default adapter (`analyticsAdapter` unset) records nothing. Installed as
`state.services.analytics`; each call is bounded by `CALL_TIMEOUT` seconds.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any, Protocol

from .adapters import load_adapter

log = logging.getLogger("parse_compat.analytics")
CALL_TIMEOUT = 5.0


class AnalyticsAdapter(Protocol):
    async def app_opened(self, parameters: dict[str, Any], request: Any) -> Any: ...

    async def track_event(self, name: str, parameters: dict[str, Any], request: Any) -> Any: ...


class NoAnalytics:
    """The default: every event is accepted and nothing is kept."""

    def __init__(self, options: dict[str, Any] | None = None) -> None:
        self.options = options or {}

    async def app_opened(self, parameters: dict[str, Any], request: Any) -> Any:
        return {}

    async def track_event(self, name: str, parameters: dict[str, Any], request: Any) -> Any:
        return {}


def build_analytics(spec: Any) -> AnalyticsAdapter:
    adapter: AnalyticsAdapter = load_adapter(spec, "analyticsAdapter", NoAnalytics)
    return adapter


async def record_event(adapter: AnalyticsAdapter, name: str, parameters: dict[str, Any], request: Any) -> Any:
    """The adapter's answer, or `{}` when it has none, fails or takes too long."""
    try:
        async with asyncio.timeout(CALL_TIMEOUT):
            if name == "AppOpened":
                result = await adapter.app_opened(parameters, request)
            else:
                result = await adapter.track_event(name, parameters, request)
    except Exception as exc:  # noqa: BLE001 - parse-compat: like Parse, an analytics failure answers {}
        log.warning("analytics adapter failed on an event (%s)", type(exc).__name__)
        return {}
    return result if isinstance(result, dict) else {}
