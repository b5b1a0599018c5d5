"""`GET /config` (anyone; masterKeyOnly params hidden) and `PUT /config` (master key).

Stored as the single object `_GlobalConfig` with objectId `1`.
"""

from __future__ import annotations

from typing import Any

from ...errors import INVALID_JSON, OPERATION_FORBIDDEN, ParseError
from ...storage.base import FindOptions
from ..api import ApiRequest, ApiResponse, Router, require_master

CONFIG_ID = "1"


async def _load(request: ApiRequest) -> dict[str, Any]:
    state = request.ctx.state
    schema = await state.schemas.ensure_class("_GlobalConfig")
    docs = await state.storage.find(schema, {"objectId": CONFIG_ID}, FindOptions(limit=1))
    return docs[0] if docs else {}


async def get_config(request: ApiRequest) -> ApiResponse:
    doc = await _load(request)
    if not doc:  # parse-compat: Parse answers a never-saved config without `masterKeyOnly`
        return ApiResponse({"params": {}})
    params = dict(doc.get("params") or {})
    master_only = dict(doc.get("masterKeyOnly") or {})
    if not request.ctx.auth.is_master_key:
        params = {k: v for k, v in params.items() if not master_only.get(k)}
    # parse-compat: like Parse, masterKeyOnly names every returned parameter (false unless flagged)
    return ApiResponse({"params": params, "masterKeyOnly": {k: bool(master_only.get(k)) for k in params}})


async def put_config(request: ApiRequest) -> ApiResponse:
    require_master(request)
    if request.ctx.auth.is_read_only:
        raise ParseError(OPERATION_FORBIDDEN, "read-only masterKey isn't allowed to update the config.")
    body = request.body if isinstance(request.body, dict) else {}
    params = body.get("params", {})
    master_only = body.get("masterKeyOnly", {})
    if not isinstance(params, dict) or not isinstance(master_only, dict):
        raise ParseError(INVALID_JSON, "config params must be an object")
    for name in (*params, *master_only):
        # found by the property suite: {"params": {"__type": "Date", ...}} answered 500 on MongoDB
        if name.startswith(("_", "$")) or "." in name or not name:
            raise ParseError(INVALID_JSON, f"Invalid config parameter name: {name}")
    state = request.ctx.state
    schema = await state.schemas.ensure_class("_GlobalConfig")
    current = await _load(request)
    merged_params = dict(current.get("params") or {})
    for key, value in params.items():
        if isinstance(value, dict) and value.get("__op") == "Delete":
            merged_params.pop(key, None)
        else:
            merged_params[key] = value
    merged_master = {**(current.get("masterKeyOnly") or {}), **master_only}
    if current:
        await state.services.server_writes.update(schema, {"objectId": CONFIG_ID},
                                                  {"params": merged_params, "masterKeyOnly": merged_master})
    else:
        from ...codec.dates import now_iso

        now = now_iso()
        await state.services.server_writes.insert(schema, {"objectId": CONFIG_ID, "createdAt": now, "updatedAt": now,
                                                           "params": merged_params, "masterKeyOnly": merged_master})
    return ApiResponse({"result": True})


def register(router: Router) -> None:
    router.add("GET", "/config", get_config)
    router.add("PUT", "/config", put_config)
