"""`/classes/{className}[/{objectId}]` (and the `/users`, `/roles`, `/sessions`, `/installations`
aliases' plain object routes): find, get, create, update, delete.

The read-only master key is refused (119) here, before any class rule or trigger, whatever the
class (system classes included) and whatever session comes with it."""

from __future__ import annotations

from typing import Any

from ...auth.identity import refuse_read_only
from ...errors import INVALID_JSON, ParseError
from ...rest import find as reads
from ...rest.params import FIND_KEYS, GET_KEYS, parse_params
from ..api import ApiRequest, ApiResponse, Router


def query_values(request: ApiRequest) -> dict[str, Any]:
    """Find/get parameters from the URL, overridden by the JSON body (the JS SDK's envelope)."""
    values = dict(request.query)
    if isinstance(request.body, dict):
        values.update(request.body)
    return values


def location(request: ApiRequest, class_name: str, object_id: str) -> str:
    base = (request.ctx.state.settings.serverURL or "").rstrip("/")
    return f"{base}/classes/{class_name}/{object_id}"


async def find_objects(request: ApiRequest, class_name: str) -> ApiResponse:
    params = parse_params(query_values(request), FIND_KEYS)
    return ApiResponse(await reads.find(request.ctx, class_name, params))


async def get_object(request: ApiRequest, class_name: str, object_id: str) -> ApiResponse:
    params = parse_params(query_values(request), GET_KEYS)
    return ApiResponse(await reads.get(request.ctx, class_name, object_id, params))


def _body(request: ApiRequest) -> dict[str, Any]:
    if request.body is None:
        return {}
    if not isinstance(request.body, dict):
        raise ParseError(INVALID_JSON, "request body must be a JSON object")
    return request.body


async def create_object(request: ApiRequest, class_name: str) -> ApiResponse:
    refuse_read_only(request.ctx.auth, "create")
    result = await request.ctx.state.writer.create(request.ctx, class_name, _body(request))
    prefix = result.extra.get("location_prefix")
    base = (request.ctx.state.settings.serverURL or "").rstrip("/")
    url = f"{base}{prefix}{result.object_id}" if prefix else location(request, class_name, result.object_id)
    return ApiResponse(result.response, result.status, {"Location": url})


async def update_object(request: ApiRequest, class_name: str, object_id: str) -> ApiResponse:
    refuse_read_only(request.ctx.auth, "update")
    result = await request.ctx.state.writer.update(request.ctx, class_name, object_id, _body(request))
    return ApiResponse(result.response)


async def delete_object(request: ApiRequest, class_name: str, object_id: str) -> ApiResponse:
    refuse_read_only(request.ctx.auth, "delete")
    result = await request.ctx.state.writer.delete(request.ctx, class_name, object_id)
    return ApiResponse(result.response)


def register(router: Router) -> None:
    async def find_h(r: ApiRequest) -> ApiResponse:
        return await find_objects(r, r.params["className"])

    async def get_h(r: ApiRequest) -> ApiResponse:
        return await get_object(r, r.params["className"], r.params["objectId"])

    async def create_h(r: ApiRequest) -> ApiResponse:
        return await create_object(r, r.params["className"])

    async def update_h(r: ApiRequest) -> ApiResponse:
        return await update_object(r, r.params["className"], r.params["objectId"])

    async def delete_h(r: ApiRequest) -> ApiResponse:
        return await delete_object(r, r.params["className"], r.params["objectId"])

    router.add("GET", "/classes/{className}", find_h)
    router.add("POST", "/classes/{className}", create_h)
    router.add("GET", "/classes/{className}/{objectId}", get_h)
    router.add("PUT", "/classes/{className}/{objectId}", update_h)
    router.add("DELETE", "/classes/{className}/{objectId}", delete_h)


__all__ = ["register", "find_objects", "get_object", "create_object", "update_object",
           "delete_object", "query_values"]
