"""Optional cloud-code hooks for Live Query, looked up on ``state.services.triggers``.

The cloud-code feature may implement any of these methods; each is called only when it exists
and, if the object has ``has(trigger, class_name)``, when that returns True:

- ``before_connect(ctx, request)`` — ``has("beforeConnect", "@Connect")``. ``request`` is
  ``{"event": "connect", "clients", "subscriptions", "sessionToken", "useMasterKey",
  "installationId", "user"}`` (``user``: REST JSON or None). Raising refuses the connection.
- ``before_subscribe(ctx, class_name, request)`` — ``has("beforeSubscribe", class_name)``.
  ``request`` is ``{"op", "requestId", "query": {"className", "where", "keys"?, "watch"?},
  "sessionToken", "user", "installationId", "useMasterKey"}``; it may return a replacement
  request (or mutate and return None) — e.g. narrow ``query.where`` or set ``query.keys``.
  Raising refuses the subscription. It runs only once the class and its CLP admit the subscriber.
- ``after_event(ctx, class_name, request)`` — ``has("afterEvent", class_name)``. ``request`` is
  ``{"event", "object", "original", "user", "sessionToken", "useMasterKey", "installationId",
  "clients", "subscriptions", "sendEvent": True}`` with REST JSON objects; returning (or
  leaving) ``sendEvent: False`` cancels the event, changed ``object`` / ``original`` replace
  what is sent (protected fields and ``keys`` are applied afterwards).

``ctx`` is a ``RequestContext`` carrying the subscriber's auth. A ``ParseError`` raised by a hook
reaches the client with its code; any other exception becomes 141 with its message.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from ..errors import ParseError
from ..rest.context import RequestContext

SCRIPT_FAILED = 141


def find_hook(ctx: RequestContext, method: str, trigger: str, class_name: str) -> Callable[..., Awaitable[Any]] | None:
    triggers = ctx.state.services.triggers
    hook = getattr(triggers, method, None)
    if hook is None:
        return None
    has = getattr(triggers, "has", None)
    if callable(has) and not has(trigger, class_name):
        return None
    return hook  # type: ignore[no-any-return]


def as_parse_error(exc: BaseException) -> ParseError:
    if isinstance(exc, ParseError):
        return exc
    return ParseError(SCRIPT_FAILED, str(exc) or type(exc).__name__)


async def before_connect(ctx: RequestContext, request: dict[str, Any]) -> None:
    hook = find_hook(ctx, "before_connect", "beforeConnect", "@Connect")
    if hook is None:
        return
    try:
        await hook(ctx, request)
    except Exception as exc:  # noqa: BLE001 - user code: every failure becomes a protocol error
        raise as_parse_error(exc) from exc


async def before_subscribe(ctx: RequestContext, class_name: str, request: dict[str, Any]) -> dict[str, Any]:
    hook = find_hook(ctx, "before_subscribe", "beforeSubscribe", class_name)
    if hook is None:
        return request
    try:
        replaced = await hook(ctx, class_name, request)
    except Exception as exc:  # noqa: BLE001 - user code
        raise as_parse_error(exc) from exc
    return replaced if isinstance(replaced, dict) else request


def has_before_subscribe(ctx: RequestContext, class_name: str) -> bool:
    return find_hook(ctx, "before_subscribe", "beforeSubscribe", class_name) is not None


def has_after_event(ctx: RequestContext, class_name: str) -> bool:
    return find_hook(ctx, "after_event", "afterEvent", class_name) is not None


async def after_event(ctx: RequestContext, class_name: str, request: dict[str, Any]) -> dict[str, Any] | None:
    """The (possibly rewritten) request, or None when the hook cancelled the event."""
    hook = find_hook(ctx, "after_event", "afterEvent", class_name)
    if hook is None:
        return request
    try:
        replaced = await hook(ctx, class_name, request)
    except Exception as exc:  # noqa: BLE001 - user code
        raise as_parse_error(exc) from exc
    result = replaced if isinstance(replaced, dict) else request
    return result if result.get("sendEvent", True) is not False else None
