"""Running one hook: validator, handler (async, or sync in a worker thread), timeout, errors.

A `ParseError` keeps its code. Any other exception becomes `fallback_code` (141 for
functions and jobs, 142 for triggers) with the exception's message; its traceback is logged
for the developer. A handler that runs past its timeout is abandoned with 124 (TIMEOUT).
"""

from __future__ import annotations

import asyncio
import inspect
import logging
from typing import Any

from ..errors import ParseError
from ..logsafe import redacted_traceback
from .hooks import Hook
from .requests import CloudRequest
from .validators import validate

log = logging.getLogger("parse_compat.cloud")

TIMEOUT = 124  # Parse.Error.TIMEOUT


class Skipped:
    """The validator asked to skip the handler (skip_with_master_key)."""


SKIPPED = Skipped()


def _is_async(fn: Any) -> bool:
    if inspect.iscoroutinefunction(fn):
        return True
    call = type(fn).__dict__.get("__call__") if not inspect.isfunction(fn) else None
    return call is not None and inspect.iscoroutinefunction(call)


async def _call(hook: Hook, request: CloudRequest) -> Any:
    if _is_async(hook.handler):
        return await hook.handler(request)
    result = await asyncio.to_thread(hook.handler, request)
    if inspect.isawaitable(result):
        result = await result
    return result


async def invoke(hook: Hook, request: CloudRequest, *, fallback_code: int, timeout: float | None) -> Any:
    """Validate, then run the handler; returns its value (or SKIPPED)."""
    limit = hook.timeout if hook.timeout is not None else timeout

    async def body() -> Any:
        if not await validate(hook.validator, request):
            return SKIPPED
        return await _call(hook, request)

    try:
        if limit is None:
            return await body()
        return await asyncio.wait_for(body(), limit)
    except ParseError:
        raise
    except TimeoutError as exc:
        log.warning("cloud code %s timed out after %g s", hook.name, limit)
        raise ParseError(TIMEOUT, f"Cloud code {hook.name} timed out after {limit:g} s.") from exc
    except Exception as exc:  # noqa: BLE001 - user code may raise anything; the client gets a Parse error
        log.warning("cloud code %s failed:\n%s", hook.name, redacted_traceback(exc))
        raise ParseError(fallback_code, str(exc) or f"Script failed. {type(exc).__name__}.") from exc
