"""GraphQL over websockets at `graphQLPath`, in the `graphql-transport-ws` protocol
(connection_init / connection_ack, subscribe / next / error / complete, ping / pong).

The caller authenticates once, like a REST request: X-Parse-* headers of the upgrade request,
or the same names in `connection_init`'s payload (browsers cannot set websocket headers). Each
`subscribe` is guarded and validated like an HTTP request; a subscription operation streams Live
Query events (`graphql/subscriptions.py`), a query or mutation answers once.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from typing import Any

from aiohttp import WSMsgType, web
from graphql import ExecutionResult, subscribe
from multidict import CIMultiDict

from ..errors import ParseError, Unauthorized
from ..graphql.context import GraphQLContext
from ..graphql.executor import GraphQLAnswer, operation_kind, prepare, result_body, run_graphql
from ..graphql.schema import SchemaCache
from ..rest.context import RequestContext
from .api import Router
from .client_ip import client_ip
from .credentials import authenticate, read_credentials

log = logging.getLogger("parse_compat.graphql")
PROTOCOL = "graphql-transport-ws"
INIT_TIMEOUT = 10.0
MAX_MESSAGE = 64 * 1024
MAX_OPERATIONS = 100


def is_graphql_websocket(request: web.Request) -> bool:
    return request.method == "GET" and request.headers.get("Upgrade", "").lower() == "websocket"


class GraphQLSocket:
    """One websocket: its caller, once initialised, and its running operations by id."""

    def __init__(self, ws: web.WebSocketResponse, request: web.Request, state: Any, router: Router,
                 cache: SchemaCache) -> None:
        self.ws, self.request, self.state, self.router, self.cache = ws, request, state, router, cache
        self.ctx: RequestContext | None = None
        self.operations: dict[str, asyncio.Task[None]] = {}

    async def send(self, message: dict[str, Any]) -> None:
        if not self.ws.closed:
            await self.ws.send_str(json.dumps(message))

    async def run(self) -> None:
        try:
            async for message in self.ws:
                if message.type != WSMsgType.TEXT:
                    await self.ws.close(code=4400, message=b"Only text frames are accepted")
                    break
                try:
                    data = json.loads(message.data)
                except ValueError:
                    await self.ws.close(code=4400, message=b"Invalid message")
                    break
                if not isinstance(data, dict) or not await self.on_message(data):
                    break
        finally:
            for task in self.operations.values():
                task.cancel()
            await asyncio.gather(*self.operations.values(), return_exceptions=True)

    async def on_message(self, data: dict[str, Any]) -> bool:
        kind = data.get("type")
        if kind == "connection_init":
            return await self.init(data.get("payload"))
        if kind == "ping":
            await self.send({"type": "pong"})
            return True
        if kind == "pong":
            return True
        if self.ctx is None:
            await self.ws.close(code=4401, message=b"Unauthorized")
            return False
        op_id = data.get("id")
        if kind == "complete" and isinstance(op_id, str):
            task = self.operations.pop(op_id, None)
            if task is not None:
                task.cancel()
            return True
        if kind == "subscribe" and isinstance(op_id, str) and isinstance(data.get("payload"), dict):
            if op_id in self.operations:
                await self.ws.close(code=4409, message=f"Subscriber for {op_id[:40]} already exists".encode())
                return False
            if len(self.operations) >= MAX_OPERATIONS:
                await self.ws.close(code=4429, message=b"Too many operations on one socket")
                return False
            task = asyncio.get_running_loop().create_task(self.operate(op_id, data["payload"]))
            self.operations[op_id] = task
            task.add_done_callback(lambda _t, key=op_id: self.operations.pop(key, None))
            return True
        await self.ws.close(code=4400, message=b"Invalid message")
        return False

    async def init(self, payload: Any) -> bool:
        if self.ctx is not None:
            await self.ws.close(code=4429, message=b"Too many initialisation requests")
            return False
        headers: CIMultiDict[str] = CIMultiDict(self.request.headers)
        if isinstance(payload, dict):
            for name, value in payload.items():
                if isinstance(name, str) and name.lower().startswith("x-parse-") and isinstance(value, str):
                    headers[name] = value
        try:
            credentials = read_credentials(headers, None, self.state.settings)
            ip = client_ip(self.request.remote, self.request.headers, self.state.services.trust_proxy)
            auth = await authenticate(self.state, credentials, ip, "/graphql")
        except (ParseError, Unauthorized):
            await self.ws.close(code=4403, message=b"Forbidden")
            return False
        self.ctx = RequestContext(self.state, auth, ip, headers, credentials.context)
        await self.send({"type": "connection_ack"})
        return True

    async def operate(self, op_id: str, payload: dict[str, Any]) -> None:
        assert self.ctx is not None
        ctx = self.ctx
        query, variables, name = payload.get("query"), payload.get("variables"), payload.get("operationName")
        if not isinstance(query, str) or (variables is not None and not isinstance(variables, dict)):
            await self.send({"id": op_id, "type": "error", "payload": [{"message": "Invalid subscribe payload"}]})
            return
        built = self.cache.current(self.state)
        document = prepare(ctx, built, query, name if isinstance(name, str) else None, self.cache.documents)
        if isinstance(document, GraphQLAnswer):
            await self.send({"id": op_id, "type": "error", "payload": document.body["errors"]})
            return
        operation = name if isinstance(name, str) else None
        try:
            if operation_kind(document, operation) != "subscription":
                answer = await run_graphql(ctx, self.router, self.cache, query, variables, operation)
                await self.send({"id": op_id, "type": "next", "payload": answer.body})
            else:
                context = GraphQLContext.for_request(ctx, self.router, built.classes, long_lived=True)
                stream = await subscribe(built.schema, document, context_value=context, variable_values=variables,
                                         operation_name=operation)
                if isinstance(stream, ExecutionResult):
                    errors = result_body(ctx, stream, query)["errors"]
                    await self.send({"id": op_id, "type": "error", "payload": errors})
                    return
                try:
                    async for result in stream:
                        await self.send({"id": op_id, "type": "next", "payload": result_body(ctx, result, query)})
                finally:
                    with contextlib.suppress(Exception):
                        await stream.aclose()  # type: ignore[attr-defined]
            await self.send({"id": op_id, "type": "complete"})
        except asyncio.CancelledError:
            raise
        except Exception:  # noqa: BLE001 - one operation's failure ends that operation only
            log.exception("graphql websocket operation failed")
            await self.send({"id": op_id, "type": "error", "payload": [{"message": "Internal server error"}]})


async def serve_graphql_socket(request: web.Request, state: Any, router: Router, cache: SchemaCache
                               ) -> web.StreamResponse:
    ws = web.WebSocketResponse(protocols=(PROTOCOL,), heartbeat=30.0, max_msg_size=MAX_MESSAGE, compress=False)
    await ws.prepare(request)
    if ws.ws_protocol != PROTOCOL:
        await ws.close(code=4406, message=b"Subprotocol not acceptable")
        return ws
    socket = GraphQLSocket(ws, request, state, router, cache)
    try:
        await asyncio.wait_for(_until_init(socket), INIT_TIMEOUT)
    except TimeoutError:
        await ws.close(code=4408, message=b"Connection initialisation timeout")
        return ws
    if socket.ctx is not None:
        await socket.run()
    return ws


async def _until_init(socket: GraphQLSocket) -> None:
    """Read frames until `connection_init` succeeds (or the socket closes)."""
    while socket.ctx is None and not socket.ws.closed:
        message = await socket.ws.receive()
        if message.type != WSMsgType.TEXT:
            await socket.ws.close(code=4400, message=b"Invalid message")
            return
        try:
            data = json.loads(message.data)
        except ValueError:
            await socket.ws.close(code=4400, message=b"Invalid message")
            return
        if not isinstance(data, dict) or not await socket.on_message(data):
            return
