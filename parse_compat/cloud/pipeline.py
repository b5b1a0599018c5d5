"""`CloudTriggers`: the `rest.triggers.Triggers` seam implemented over an app's hook table.

Installed as `state.services.triggers`; the writer, find/get and the login/logout routes call
it. It turns REST JSON into `ParseObject`s and request objects, runs the hook through the
runner (validators, timeout, error codes) and hands REST JSON back. As in Parse, errors in
afterSave / afterDelete are logged, not returned: the write already happened.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from ..errors import VALIDATION_ERROR, ParseError
from ..logevents import caller_for_log, log_event
from ..rest.context import RequestContext
from ..rest.params import QueryParams
from .hooks import CONNECT
from .objects import ParseObject, encode_result
from .query import Query
from .requests import FindRequest, TriggerRequest, user_object
from .runner import SKIPPED, invoke

if TYPE_CHECKING:
    from .runtime import CloudRuntime

log = logging.getLogger("parse_compat.cloud")


def _rest(value: Any) -> dict[str, Any]:
    """A hook's object result → REST JSON (ParseObject or dict)."""
    if isinstance(value, ParseObject):
        return value.to_json()
    encoded = encode_result(value)
    return {k: v for k, v in encoded.items() if k not in ("__type", "className")}


class CloudTriggers:
    def __init__(self, runtime: CloudRuntime) -> None:
        self.runtime = runtime

    @property
    def _cloud(self) -> Any:
        return self.runtime.cloud

    def has(self, trigger: str, class_name: str) -> bool:
        return self._cloud.has(trigger, class_name)

    async def _run(self, kind: str, class_name: str, request: Any) -> Any:
        hook = self._cloud.hook(kind, class_name)
        if hook is None:
            return SKIPPED
        levels = self.runtime.state.settings.logLevels
        user = caller_for_log(request.user.id if request.user is not None else None)
        before = kind.startswith("before")
        try:
            result = await invoke(hook, request, fallback_code=VALIDATION_ERROR, timeout=self._cloud.timeout)
        except ParseError as exc:
            if before:
                log_event(levels, "triggerBeforeError", "%s failed for %s for user %s: code %s", kind, class_name,
                          user, exc.code)
            raise
        log_event(levels, "triggerBeforeSuccess" if before else "triggerAfter", "%s triggered for %s for user %s",
                  kind, class_name, user)
        return result

    def _request(self, ctx: RequestContext, kind: str, obj: ParseObject,
                 original: ParseObject | None, user: ParseObject | None = None) -> TriggerRequest:
        return TriggerRequest(ctx=ctx, user=user if user is not None else user_object(ctx), trigger_name=kind,
                              object=obj, original=original)

    async def _after(self, kind: str, class_name: str, request: TriggerRequest) -> Any:
        try:
            return await self._run(kind, class_name, request)
        except Exception as exc:  # noqa: BLE001 - Parse only logs after-trigger failures
            log.warning("%s %s failed (ignored, the write is done): %s", kind, class_name, exc)
            return None

    # --- saves and deletes ---------------------------------------------------------------
    async def before_save(self, ctx: RequestContext, class_name: str, changes: dict[str, Any],
                          original: dict[str, Any] | None) -> dict[str, Any]:
        obj = ParseObject(class_name, original or {}, changes=changes)
        before = ParseObject(class_name, original) if original is not None else None
        await self._run("beforeSave", class_name, self._request(ctx, "beforeSave", obj, before))
        return obj.changes()

    async def after_save(self, ctx: RequestContext, class_name: str, obj: dict[str, Any],
                         original: dict[str, Any] | None) -> dict[str, Any] | None:
        request = self._request(ctx, "afterSave", ParseObject(class_name, obj),
                                ParseObject(class_name, original) if original is not None else None)
        result = await self._after("afterSave", class_name, request)
        if result is SKIPPED or result is None:
            return None
        if isinstance(result, (dict, ParseObject)):
            return _rest(result)
        return None

    async def before_delete(self, ctx: RequestContext, class_name: str, obj: dict[str, Any]) -> None:
        await self._run("beforeDelete", class_name, self._request(ctx, "beforeDelete", ParseObject(class_name, obj),
                                                                  None))

    async def after_delete(self, ctx: RequestContext, class_name: str, obj: dict[str, Any]) -> None:
        await self._after("afterDelete", class_name, self._request(ctx, "afterDelete", ParseObject(class_name, obj),
                                                                   None))

    # --- reads ---------------------------------------------------------------------------
    async def before_find(self, ctx: RequestContext, class_name: str, params: QueryParams,
                          is_get: bool, is_count: bool) -> QueryParams:
        query = Query(class_name, None, params)
        request = FindRequest(ctx=ctx, user=user_object(ctx), trigger_name="beforeFind", query=query,
                              is_get=is_get, count=is_count)
        result = await self._run("beforeFind", class_name, request)
        if isinstance(result, Query):
            return result.params
        return (request.query or query).params

    async def after_find(self, ctx: RequestContext, class_name: str,
                         objects: list[dict[str, Any]]) -> list[dict[str, Any]]:
        request = FindRequest(ctx=ctx, user=user_object(ctx), trigger_name="afterFind",
                              objects=[ParseObject(class_name, row) for row in objects])
        result = await self._run("afterFind", class_name, request)
        if isinstance(result, list):
            return [_rest(item) for item in result]
        return [_rest(item) for item in request.objects]

    # --- login and logout --------------------------------------------------------------------
    async def before_login(self, ctx: RequestContext, user: dict[str, Any]) -> None:
        await self._run("beforeLogin", "_User",
                        self._request(ctx, "beforeLogin", ParseObject("_User", user), None))

    async def after_login(self, ctx: RequestContext, user: dict[str, Any]) -> None:
        logged_in = ParseObject("_User", {k: v for k, v in user.items() if k != "sessionToken"})
        await self._run("afterLogin", "_User", self._request(ctx, "afterLogin", logged_in, None, user=logged_in))

    async def after_logout(self, ctx: RequestContext, session: dict[str, Any]) -> None:
        await self._after("afterLogout", "_Session",
                          self._request(ctx, "afterLogout", ParseObject("_Session", session), None))

    async def before_password_reset_request(self, ctx: RequestContext, user: dict[str, Any]) -> None:
        await self._run("beforePasswordResetRequest", "_User",
                        self._request(ctx, "beforePasswordResetRequest", ParseObject("_User", user), None))

    # --- Live Query (the optional methods parse_compat/livequery/hooks.py looks for) ------------
    # The hook gets `request.data`, the feature's dict (Parse's field names: query, object,
    # sendEvent...): it may change it in place or return a replacement dict.
    async def before_connect(self, ctx: RequestContext, request: dict[str, Any]) -> None:
        await self.runtime.run_hook("beforeConnect", CONNECT, request, ctx)

    async def before_subscribe(self, ctx: RequestContext, class_name: str,
                               request: dict[str, Any]) -> dict[str, Any]:
        result = await self.runtime.run_hook("beforeSubscribe", class_name, request, ctx)
        return result if isinstance(result, dict) else request

    async def after_event(self, ctx: RequestContext, class_name: str, request: dict[str, Any]) -> dict[str, Any]:
        result = await self.runtime.run_hook("afterLiveQueryEvent", class_name, request, ctx)
        return result if isinstance(result, dict) else request
