"""The websocket endpoint: any ``GET`` with ``Upgrade: websocket`` under the API's mount path.

The JS SDK derives its Live Query URL from the server URL (``http://h:p/parse`` →
``ws://h:p/parse``), so the socket shares the REST host, port and path. Like Parse Server's
``ws`` server, any sub-path is accepted. Frames are read one at a time and handed to
``Operations``; the socket is pinged every ``websocketTimeout`` and closed when a pong is missed.
No permessage-deflate: it would cost hundreds of KiB per idle connection.

The only Live Query module that imports aiohttp.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import re
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from aiohttp import WSMsgType, web

from ..http.client_ip import client_ip
from .client import CLOSE_GOING_AWAY

if TYPE_CHECKING:
    from .service import LiveQuery

log = logging.getLogger("parse_compat.livequery")
CLOSE_TIMEOUT = 2.0
YIELD_EVERY = 16
_SURROGATE = re.compile("[\ud800-\udfff]")


def escape_surrogates(text: str) -> str:
    """JSON text with each lone surrogate written as a ``\\uXXXX`` escape (only strings hold them)."""
    return _SURROGATE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


RawMatcher = Callable[[str, str, Any], bool]
RawHandler = Callable[[web.Request, str], Awaitable[web.StreamResponse]]


def is_websocket(method: str, path: str, request: Any) -> bool:
    return method == "GET" and request.headers.get("Upgrade", "").lower() == "websocket"


class WebSocketTransport:
    """``client.Transport`` over an aiohttp websocket."""

    __slots__ = ("ws", "request")

    def __init__(self, ws: web.WebSocketResponse, request: web.Request) -> None:
        self.ws = ws
        self.request = request

    async def send(self, text: str) -> None:
        try:
            await self.ws.send_str(text)
        except UnicodeEncodeError:
            # a stored string with a lone surrogate: still valid JSON once escaped (as JSON.stringify does)
            await self.ws.send_str(escape_surrogates(text))

    def fits(self, text: str) -> bool:
        # Below the transport's high-water mark after this frame (UTF-8 ≤ 4 bytes a character,
        # ≤ 14 bytes of header), the protocol is not paused and aiohttp writes without awaiting.
        transport = self.request.transport
        if transport is None or transport.is_closing() or self.ws.closed:
            return False
        high = transport.get_write_buffer_limits()[1]
        return transport.get_write_buffer_size() + 4 * len(text) + 14 <= high

    async def close(self, code: int, reason: str) -> None:
        try:
            async with asyncio.timeout(CLOSE_TIMEOUT):
                await self.ws.close(code=code, message=reason.encode()[:120])
        except (TimeoutError, ConnectionError, RuntimeError):
            transport = self.request.transport
            if transport is not None:
                transport.abort()


def websocket_route(live: LiveQuery) -> tuple[RawMatcher, RawHandler]:
    # a partial, not a closure coroutine: one coroutine frame less held by every open socket
    return is_websocket, functools.partial(serve, live)


async def serve(live: LiveQuery, request: web.Request, path: str = "") -> web.StreamResponse:
    config = live.config
    ws = web.WebSocketResponse(heartbeat=config.heartbeat, max_msg_size=config.max_message_bytes, compress=False)
    try:
        await ws.prepare(request)
    except Exception as exc:  # noqa: BLE001 - a bad handshake is the client's problem
        log.debug("live query: websocket handshake failed: %s", exc)
        raise web.HTTPBadRequest(text="websocket handshake failed") from exc
    ip = client_ip(request.remote, request.headers, live.state.services.trust_proxy)
    client = live.new_client(WebSocketTransport(ws, request), ip)
    frames = 0
    try:
        async for message in ws:
            if client.closed:
                break
            if message.type in (WSMsgType.TEXT, WSMsgType.BINARY):
                await live.operations.handle(client, message.data)
                frames += 1
                if frames % YIELD_EVERY == 0:
                    await asyncio.sleep(0)  # buffered frames are read without waiting: let others run
            elif message.type == WSMsgType.ERROR:
                break
    except ConnectionError:
        pass
    except Exception:  # noqa: BLE001 - never let one client take the handler down noisily
        log.exception("live query: client %s failed", client.id)
    finally:
        client.drop(CLOSE_GOING_AWAY, "")
        with contextlib.suppress(Exception):
            await client.flush()
    return ws


async def start_own_listener(live: LiveQuery, host: str, port: int, reuse_port: bool) -> web.AppRunner:
    """Parse's `liveQueryServerOptions.port`: the websocket alone on another port, at any path."""
    app = web.Application()

    async def handle(request: web.Request) -> web.StreamResponse:
        if not is_websocket(request.method, request.path, request):
            raise web.HTTPNotFound()
        return await serve(live, request)

    app.router.add_route("GET", "/{tail:[\\s\\S]*}", handle)
    runner = web.AppRunner(app, access_log=None, shutdown_timeout=CLOSE_TIMEOUT)
    await runner.setup()
    try:
        await web.TCPSite(runner, host, port, reuse_port=reuse_port or None).start()
    except OSError as exc:
        await runner.cleanup()
        raise ValueError(f"cannot listen on {host}:{port} (liveQueryServerOptions.port): {exc.strerror or exc}") \
            from exc
    return runner
