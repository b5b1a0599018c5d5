"""`/hooks/functions` and `/hooks/triggers` (master key): Parse's webhook API (`HooksRouter`).

GET lists (or gets one: 143 when unknown), POST creates (143 when it exists), PUT updates the
URL, and PUT with `{"__op": "Delete"}` deletes (Parse has no DELETE route). Rows live in
`_Hooks`; the read-only master key may read but not change them. No URL is fetched here.
"""

from __future__ import annotations

from typing import Any

from ...errors import OPERATION_FORBIDDEN, ParseError
from ...webhooks import WebhookRegistry
from ...webhooks.store import WEBHOOK_ERROR, declared, invalid
from ..api import ApiRequest, ApiResponse, Router, require_master


def _registry(request: ApiRequest) -> WebhookRegistry:
    registry = request.ctx.state.services.webhooks
    if registry is None:
        raise ParseError(WEBHOOK_ERROR, "Webhooks are not available.")
    return registry


def _writable(request: ApiRequest) -> WebhookRegistry:
    require_master(request)
    if request.ctx.auth.is_read_only:
        raise ParseError(OPERATION_FORBIDDEN, "read-only masterKey isn't allowed to modify hooks.")
    return _registry(request)


async def get_functions(request: ApiRequest) -> ApiResponse:
    require_master(request)
    store = _registry(request).store
    name = request.params.get("functionName")
    if name is None:
        return ApiResponse(await store.functions())
    found = await store.function(name)
    if found is None:
        raise ParseError(WEBHOOK_ERROR, f"no function named: {name} is defined")
    return ApiResponse(found)


async def get_triggers(request: ApiRequest) -> ApiResponse:
    require_master(request)
    store = _registry(request).store
    class_name, trigger = request.params.get("className"), request.params.get("triggerName")
    if class_name is None or trigger is None:
        return ApiResponse(await store.triggers())
    found = await store.trigger(class_name, trigger)
    if found is None:
        raise ParseError(WEBHOOK_ERROR, f"class {class_name} does not exist")
    return ApiResponse(found)


async def _exists(registry: WebhookRegistry, hook: dict[str, Any]) -> bool:
    if "functionName" in hook:
        return await registry.store.function(hook["functionName"]) is not None
    return await registry.store.trigger(hook["className"], hook["triggerName"]) is not None


async def _save(registry: WebhookRegistry, hook: dict[str, str]) -> ApiResponse:
    await registry.wire(hook)  # as Parse: into the hook table first (a refused class stores nothing)
    return ApiResponse(await registry.store.save(hook))


async def create_hook(request: ApiRequest) -> ApiResponse:
    registry = _writable(request)
    body = request.body if isinstance(request.body, dict) else {}
    if isinstance(body.get("functionName"), str):
        if await registry.store.function(body["functionName"]) is not None:
            raise ParseError(WEBHOOK_ERROR, f"function name: {body['functionName']} already exists")
    elif isinstance(body.get("className"), str) and isinstance(body.get("triggerName"), str):
        if await registry.store.trigger(body["className"], body["triggerName"]) is not None:
            raise ParseError(WEBHOOK_ERROR, f"class {body['className']} already has trigger {body['triggerName']}")
    else:
        raise invalid()
    return await _save(registry, declared(body))


async def put_function(request: ApiRequest) -> ApiResponse:
    registry = _writable(request)
    name = request.params["functionName"]
    body = request.body if isinstance(request.body, dict) else {}
    if body.get("__op") == "Delete":
        await registry.unwire_function(name)
        await registry.store.remove({"functionName": name})
        return ApiResponse({})
    if not body.get("url"):
        raise invalid()
    hook = declared({"functionName": name, "url": body["url"]})
    if not await _exists(registry, hook):
        raise ParseError(WEBHOOK_ERROR, f"no function named: {name} is defined")
    return await _save(registry, hook)


async def put_trigger(request: ApiRequest) -> ApiResponse:
    registry = _writable(request)
    class_name, trigger = request.params["className"], request.params["triggerName"]
    body = request.body if isinstance(request.body, dict) else {}
    if body.get("__op") == "Delete":
        await registry.unwire_trigger(class_name, trigger)
        await registry.store.remove({"className": class_name, "triggerName": trigger})
        return ApiResponse({})
    if not body.get("url"):
        raise invalid()
    hook = declared({"className": class_name, "triggerName": trigger, "url": body["url"]})
    if not await _exists(registry, hook):
        raise ParseError(WEBHOOK_ERROR, f"class {class_name} does not exist")
    return await _save(registry, hook)


def register(router: Router) -> None:
    router.add("GET", "/hooks/functions", get_functions)
    router.add("GET", "/hooks/functions/{functionName}", get_functions)
    router.add("GET", "/hooks/triggers", get_triggers)
    router.add("GET", "/hooks/triggers/{className}/{triggerName}", get_triggers)
    router.add("POST", "/hooks/functions", create_hook)
    router.add("POST", "/hooks/triggers", create_hook)
    router.add("PUT", "/hooks/functions/{functionName}", put_function)
    router.add("PUT", "/hooks/triggers/{className}/{triggerName}", put_trigger)
