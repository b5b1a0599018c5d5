"""`POST /events/AppOpened` and `POST /events/{eventName}`: any caller with the app's keys; the
body (`dimensions`, `at`) goes to the analytics adapter (`parse_compat/analytics.py`), the answer
is `{}` unless the adapter returns an object."""

from __future__ import annotations

from ...analytics import NoAnalytics, record_event
from ...errors import INVALID_JSON, ParseError
from ..api import ApiRequest, ApiResponse, Router

MAX_EVENT_NAME = 256


async def track_event(request: ApiRequest) -> ApiResponse:
    name = request.params["eventName"]
    if len(name) > MAX_EVENT_NAME:
        raise ParseError(INVALID_JSON, "event name too long")
    body = request.body if request.body is not None else {}
    if not isinstance(body, dict):
        raise ParseError(INVALID_JSON, "Invalid JSON: the event must be an object")
    adapter = request.ctx.state.services.analytics or NoAnalytics()
    return ApiResponse(await record_event(adapter, name, body, request))


def register(router: Router) -> None:
    router.add("POST", "/events/{eventName}", track_event)
