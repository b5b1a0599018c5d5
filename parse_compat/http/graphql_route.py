"""The aiohttp side of the GraphQL API (`mountGraphQL`, `graphQLPath`) and of its playground
(`mountPlayground`, `playgroundPath`).

A GraphQL request authenticates exactly as a REST one (X-Parse-* headers only, never a body
envelope: Parse requires the app id header on GraphQL requests), then runs in
`graphql/executor.py` as that caller. Failures before GraphQL runs (bad app id, bad session
token, oversized body) answer as the REST edge does.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aiohttp import web

from ..codec.jsontext import parse_json
from ..errors import INVALID_JSON, ParseError
from ..graphql.custom_sdl import read_sdl
from ..graphql.executor import GraphQLAnswer, read_request, run_graphql
from ..graphql.playground import playground_asset, playground_page
from ..graphql.schema import SchemaCache
from ..rest.context import RequestContext
from ..settings import Settings
from .api import Router
from .client_ip import client_ip
from .credentials import authenticate, read_credentials
from .graphql_multipart import read_multipart
from .graphql_ws import is_graphql_websocket, serve_graphql_socket
from .server import check_header_text, cors_headers, error_response, json_response, read_body

StateOf = Callable[[web.Application], Any]


def _payload(request: web.Request, raw: bytes) -> Any:
    if request.method == "GET":
        values: dict[str, Any] = {"query": request.query.get("query")}
        if request.query.get("operationName"):
            values["operationName"] = request.query["operationName"]
        if request.query.get("variables"):
            try:
                values["variables"] = parse_json(request.query["variables"])
            except ValueError as exc:
                raise ParseError(INVALID_JSON, "`variables` is not valid JSON") from exc
        return values
    try:
        return parse_json(raw) if raw else None
    except (ValueError, RecursionError, UnicodeDecodeError) as exc:
        raise ParseError(INVALID_JSON, "Invalid JSON in the GraphQL request body") from exc


class GraphQLEndpoint:
    """One app's `/graphql`: its schema cache and the request handler."""

    def __init__(self, state_of: StateOf, router: Router, settings: Settings) -> None:
        self.state_of = state_of
        self.router = router
        self.cache = SchemaCache(read_sdl(settings.graphQLSchema) if settings.graphQLSchema else None)

    async def handle(self, request: web.Request) -> web.StreamResponse:
        state = self.state_of(request.app)
        settings: Settings = state.settings
        cors = cors_headers(request, settings.allowOrigin, settings.allowHeaders)
        if request.method == "OPTIONS":
            return web.Response(text="OK", headers=cors)
        if is_graphql_websocket(request):
            return await serve_graphql_socket(request, state, self.router, self.cache)
        try:
            answer = await self._answer(request, state)
            response: web.StreamResponse = json_response(answer.body, answer.status)
        except Exception as exc:  # noqa: BLE001 - the edge turns every failure into Parse JSON
            response = error_response(exc)
        response.headers.update(cors)
        return response

    async def _answer(self, request: web.Request, state: Any) -> GraphQLAnswer:
        if request.method not in ("GET", "POST"):
            raise web.HTTPMethodNotAllowed(request.method, ["GET", "POST"])
        check_header_text(request.headers)
        credentials = read_credentials(request.headers, None, state.settings)  # headers only, before any body
        ip = client_ip(request.remote, request.headers, state.services.trust_proxy)
        auth = await authenticate(state, credentials, ip, "/graphql")
        limit = int(state.settings.maxUploadSize)
        if request.method == "POST" and request.content_type.startswith("multipart/"):
            payload = await read_multipart(request, limit)  # GraphQL multipart request spec (uploads)
        else:
            payload = _payload(request, await read_body(request, limit))
        query, variables, operation = read_request(payload)
        ctx = RequestContext(state, auth, ip, request.headers, credentials.context)
        return await run_graphql(ctx, self.router, self.cache, query, variables, operation,
                                 allow_mutations=request.method == "POST")


def install_graphql_routes(app: web.Application, settings: Settings, router: Router, state_of: StateOf) -> None:
    """Mount `/graphql` and `/playground` when the options say so (both off by default, as in Parse)."""
    if settings.mountGraphQL:
        endpoint = GraphQLEndpoint(state_of, router, settings)
        app.router.add_route("*", settings.graphQLPath, endpoint.handle)
    if settings.mountPlayground:
        async def page(_request: web.Request) -> web.StreamResponse:
            return playground_page(settings)

        async def asset(request: web.Request) -> web.StreamResponse:
            return playground_asset(request.match_info["name"])

        base = settings.playgroundPath
        app.router.add_get(base, page)
        app.router.add_get(base.rstrip("/") + "/assets/{name}", asset)


__all__ = ["GraphQLEndpoint", "install_graphql_routes"]
