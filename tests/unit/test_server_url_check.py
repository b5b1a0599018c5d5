"""verify_server_url (Parse's verifyServerUrl) against real sockets: ok, a wrong answer, nothing."""

from __future__ import annotations

import asyncio
import logging

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from parse_compat.server_url_check import health_url, verify_server_url


def test_health_url() -> None:
    assert health_url("http://h:1/parse/") == "http://h:1/parse/health"
    assert health_url("ftp://h/parse") is None and health_url("not a url") is None and health_url(None) is None


def _app(status: int, body: dict[str, str]) -> web.Application:
    app = web.Application()

    async def health(_request: web.Request) -> web.Response:
        return web.json_response(body, status=status)

    app.router.add_get("/parse/health", health)
    return app


@pytest.mark.parametrize(("status", "body", "ok"), [(200, {"status": "ok"}, True),
                                                    (200, {"status": "initialized"}, False),
                                                    (503, {"status": "error"}, False)])
def test_answers(status: int, body: dict[str, str], ok: bool, caplog: pytest.LogCaptureFixture) -> None:
    async def scenario() -> bool:
        server = TestServer(_app(status, body), host="127.0.0.1")
        await server.start_server()
        try:
            return await verify_server_url(str(server.make_url("/parse")))
        finally:
            await server.close()

    with caplog.at_level(logging.WARNING, logger="parse_compat"):
        assert asyncio.run(scenario()) is ok
    assert ("unable to reach serverURL" in caplog.text) is not ok


def test_invalid_url_is_a_warning(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="parse_compat"):
        assert asyncio.run(verify_server_url("localhost:1337/parse")) is False
    assert "not a valid http(s) URL" in caplog.text
