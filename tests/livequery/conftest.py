"""A real loopback server with Live Query on, a REST client, and a websocket client speaking the protocol."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp.test_utils import TestServer

from parse_compat.app import STATE_KEY, create_app
from parse_compat.livequery.service import LiveQuery
from parse_compat.settings import Settings
from tests.api.conftest import ADAPTERS, APP_ID, Client, make_settings

LIVE_CLASSES = ["Room", "Note", "Secret", "_User", "_Session"]


class Socket:
    """One Live Query websocket as a test drives it; a reader task queues every frame received."""

    def __init__(self, ws: aiohttp.ClientWebSocketResponse, env: LiveEnv | None = None) -> None:
        self.ws = ws
        self.env = env
        self.frames: asyncio.Queue[aiohttp.WSMessage] = asyncio.Queue()
        self._reader = asyncio.get_running_loop().create_task(self._read())

    async def _read(self) -> None:
        # Always reading, as a browser or the SDK does: aiohttp's client answers the server's
        # pings only inside receive(), and the server drops a socket that misses a pong.
        while True:
            message = await self.ws.receive()
            await self.frames.put(message)
            if message.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED, aiohttp.WSMsgType.ERROR):
                return

    async def send(self, message: Any) -> None:
        await self.ws.send_str(message if isinstance(message, str) else json.dumps(message))

    async def recv(self, timeout: float = 3.0) -> dict[str, Any]:
        message = await asyncio.wait_for(self.frames.get(), timeout)
        assert message.type == aiohttp.WSMsgType.TEXT, f"expected a text frame, got {message.type} {message.data}"
        return dict(json.loads(message.data))

    async def nothing(self) -> None:
        """Asserts that no frame arrives once the server has delivered everything it queued."""
        assert self.env is not None, "an in-process server to settle"
        await self.env.settle()
        await asyncio.sleep(0.05)
        assert self.frames.empty(), f"unexpected frame: {self.frames.get_nowait().data}"

    async def connect(self, **fields: Any) -> dict[str, Any]:
        await self.send({"op": "connect", "applicationId": APP_ID, **fields})
        return await self.recv()

    async def subscribe(self, request_id: int, class_name: str, where: dict[str, Any] | None = None,
                        token: str | None = None, op: str = "subscribe", **query: Any) -> dict[str, Any]:
        message: dict[str, Any] = {"op": op, "requestId": request_id,
                                   "query": {"className": class_name, "where": where or {}, **query}}
        if token:
            message["sessionToken"] = token
        await self.send(message)
        return await self.recv()

    async def close(self) -> None:
        await self.ws.close()
        self._reader.cancel()


@dataclass
class LiveEnv:
    api: Client
    http: aiohttp.ClientSession
    server: TestServer
    ws_url: str

    @property
    def live(self) -> LiveQuery:
        return self.server.app[STATE_KEY].services.livequery  # type: ignore[no-any-return]

    async def socket(self, connect: bool = True, **fields: Any) -> Socket:
        socket = Socket(await self.http.ws_connect(self.ws_url), self)
        if connect:
            reply = await socket.connect(**fields)
            assert reply["op"] == "connected", reply
        return socket

    async def settle(self) -> None:
        """Waits until every published change is dispatched and every client queue is written."""
        live = self.live
        for _ in range(200):
            queue = getattr(live.bus, "_queue", None)
            busy = (queue is not None and not queue.empty()) or any(
                client.queued for client in live.hub.clients.values())
            if not busy:
                break
            await asyncio.sleep(0.01)
        for client in list(live.hub.clients.values()):
            await client.flush()
        await asyncio.sleep(0.02)

    async def signup(self, name: str) -> dict[str, Any]:
        body = {"username": name, "password": "pw-123456", "email": f"{name}@example.com"}
        reply = await self.api.post("/users", body)
        assert reply.status == 201, reply.body
        return dict(reply.body)

    async def make_class(self, name: str, fields: dict[str, Any] | None = None,
                         clp: dict[str, Any] | None = None) -> None:
        body: dict[str, Any] = {"className": name, "fields": fields or {}}
        if clp is not None:
            body["classLevelPermissions"] = clp
        reply = await self.api.post(f"/schemas/{name}", body, master=True)
        assert reply.status == 200, reply.body


@pytest.fixture(params=ADAPTERS)
def adapter_name(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def live_settings(tmp_path: Path, adapter: str, **overrides: Any) -> Settings:
    live = {"liveQuery": {"classNames": LIVE_CLASSES, "sessionCheckInterval": 30}}
    return make_settings(tmp_path, adapter, **{**live, **overrides})


@pytest.fixture
def live_overrides() -> dict[str, Any]:
    return {}


EnvFactory = Callable[..., Awaitable[LiveEnv]]


@pytest.fixture
async def env(tmp_path: Path, adapter_name: str, live_overrides: dict[str, Any]) -> AsyncIterator[LiveEnv]:
    server = TestServer(create_app(live_settings(tmp_path, adapter_name, **live_overrides)), host="127.0.0.1")
    await server.start_server()
    base = f"http://127.0.0.1:{server.port}/parse"
    async with aiohttp.ClientSession() as http:
        yield LiveEnv(Client(http, base), http, server, f"ws://127.0.0.1:{server.port}/parse")
    await server.close()
