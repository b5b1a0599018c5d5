"""`POST /batch`: sub-requests replayed through the same router with the outer credentials.

Sub-requests run concurrently, as Parse Server runs them. With `transaction: true` they run
inside one storage transaction; any failure rolls everything back and the request fails.
"""

from __future__ import annotations

import asyncio
from typing import Any
from urllib.parse import urlsplit

from ...errors import COMMAND_UNAVAILABLE, INVALID_JSON, ParseError
from ...rest.params import from_query_string
from ..api import ApiRequest, ApiResponse, NotFound, Router


def _prefixes(request: ApiRequest) -> list[str]:
    settings = request.ctx.state.settings
    prefixes = {settings.mountPath}
    for url in (settings.serverURL, settings.publicServerURL):
        if url:
            prefixes.add(urlsplit(url).path.rstrip("/"))
    return sorted(prefixes, key=len, reverse=True)


def _sub_path(path: Any, prefixes: list[str]) -> tuple[str, dict[str, Any]]:
    if not isinstance(path, str):
        raise ParseError(INVALID_JSON, "batch request path must be a string")
    parts = urlsplit(path)
    for prefix in prefixes:
        if prefix and parts.path.startswith(prefix + "/"):
            sub = parts.path[len(prefix):]
            query = dict(item.split("=", 1) if "=" in item else (item, "") for item in parts.query.split("&") if item)
            return sub, from_query_string(query)
    raise ParseError(INVALID_JSON, f"cannot route batch path {path}")


class _Failed(Exception):
    def __init__(self, error: ParseError) -> None:
        super().__init__(error.message)
        self.error = error


async def batch(request: ApiRequest) -> ApiResponse:
    body = request.body if isinstance(request.body, dict) else {}
    requests = body.get("requests")
    if not isinstance(requests, list):
        raise ParseError(INVALID_JSON, "requests must be an array")
    prefixes = _prefixes(request)
    router: Router = request.ctx.state.extras["router"]
    planned: list[ApiRequest] = []
    for item in requests:
        if not isinstance(item, dict):
            raise ParseError(INVALID_JSON, "each batch request must be an object")
        sub_path, query = _sub_path(item.get("path"), prefixes)
        if sub_path.rstrip("/") == "/batch":
            raise ParseError(INVALID_JSON, "cannot nest batch requests")
        if not isinstance(item.get("method"), str):
            raise ParseError(INVALID_JSON, "batch request method must be a string")
        method = item["method"].upper()
        try:
            router.find(method, sub_path)
        except NotFound as exc:
            # parse-compat: like Parse, one unroutable item refuses the whole batch before anything runs
            raise ParseError(INVALID_JSON, f"cannot route batch path {item.get('path')}") from exc
        sub_body = item.get("body")
        if sub_body is not None and not isinstance(sub_body, dict):
            raise ParseError(INVALID_JSON, "batch request body must be an object")
        planned.append(ApiRequest(request.ctx, method, sub_path, dict(sub_body) if sub_body else None,
                                  query, in_batch=True))
    transactional = body.get("transaction") is True
    if transactional and not request.ctx.state.storage.capabilities.transactions:
        # parse-compat: refused up front (Parse Server fails mid-way with a 500 on such stores)
        raise ParseError(COMMAND_UNAVAILABLE, "Transactions are not supported by this database.")

    async def run(sub: ApiRequest) -> dict[str, Any]:
        try:
            response = await router.dispatch(sub)
            return {"success": response.body}
        except ParseError as exc:
            if transactional:
                raise _Failed(exc) from exc
            return {"error": exc.to_json()}

    if not transactional:
        return ApiResponse(list(await asyncio.gather(*(run(sub) for sub in planned))))
    storage = request.ctx.state.storage
    try:
        async with storage.transaction():
            results = [await run(sub) for sub in planned]
    except _Failed as failed:
        # parse-compat: a failed transactional batch fails as a whole; we keep the item's Parse
        # error instead of Parse Server's opaque 500 so the SDK does not retry it.
        raise failed.error from failed
    return ApiResponse(results)


def register(router: Router) -> None:
    router.add("POST", "/batch", batch)
