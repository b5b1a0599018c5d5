"""A local webhook receiver for the `/hooks` tests: a real aiohttp server on 127.0.0.1 that records
each call (path, `X-Parse-Webhook-Key`, JSON body) and answers what the test sets per path."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestServer


class FakeWebhooks:
    """A local webhook server: records each call and answers as the test asks."""

    def __init__(self) -> None:
        self.calls: list[dict[str, Any]] = []
        self.answers: dict[str, Any] = {}
        self.server: TestServer | None = None

    def url(self, path: str) -> str:
        assert self.server is not None
        return f"http://127.0.0.1:{self.server.port}/{path}"

    def bodies(self, path: str) -> list[dict[str, Any]]:
        return [call["body"] for call in self.calls if call["path"] == path]

    async def handle(self, request: web.Request) -> web.StreamResponse:
        name = request.match_info["name"]
        self.calls.append({"path": name, "key": request.headers.get("X-Parse-Webhook-Key"),
                           "body": await request.json()})
        answer = self.answers.get(name, {"success": "ok"})
        if isinstance(answer, bytes):
            return web.Response(body=answer, content_type="application/json")
        return web.json_response(answer)


@asynccontextmanager
async def fake_webhooks() -> AsyncIterator[FakeWebhooks]:
    """Start a receiver for one test (each test module's `hooks_server` fixture uses it)."""
    fake = FakeWebhooks()
    app = web.Application()
    app.router.add_post("/{name}", fake.handle)
    fake.server = TestServer(app, host="127.0.0.1")
    await fake.server.start_server()
    try:
        yield fake
    finally:
        await fake.server.close()
