"""`/push_audiences[/{objectId}]` (master key): saved push audiences, `_Audience` rows.

As Parse's AudiencesRouter: the object routes over `_Audience`, and `query` (stored as JSON
text) is answered parsed on find and get.
"""

from __future__ import annotations

import json
from typing import Any

from ..api import ApiRequest, ApiResponse, Router, require_master
from .classes import create_object, delete_object, find_objects, get_object, update_object

CLASS = "_Audience"


def _parsed(row: dict[str, Any]) -> dict[str, Any]:
    if isinstance(row.get("query"), str):
        try:
            row["query"] = json.loads(row["query"])
        except ValueError:
            pass  # parse-compat: Parse would fail the whole answer on one unreadable query
    return row


async def find_audiences(request: ApiRequest) -> ApiResponse:
    require_master(request)
    response = await find_objects(request, CLASS)
    for row in response.body.get("results", []):
        _parsed(row)
    return response


async def get_audience(request: ApiRequest) -> ApiResponse:
    require_master(request)
    response = await get_object(request, CLASS, request.params["objectId"])
    _parsed(response.body)
    return response


async def create_audience(request: ApiRequest) -> ApiResponse:
    require_master(request)
    return await create_object(request, CLASS)


async def update_audience(request: ApiRequest) -> ApiResponse:
    require_master(request)
    return await update_object(request, CLASS, request.params["objectId"])


async def delete_audience(request: ApiRequest) -> ApiResponse:
    require_master(request)
    return await delete_object(request, CLASS, request.params["objectId"])


def register(router: Router) -> None:
    router.add("GET", "/push_audiences", find_audiences)
    router.add("GET", "/push_audiences/{objectId}", get_audience)
    router.add("POST", "/push_audiences", create_audience)
    router.add("PUT", "/push_audiences/{objectId}", update_audience)
    router.add("DELETE", "/push_audiences/{objectId}", delete_audience)
