"""Parse's startLiveQueryServer and liveQueryServerOptions (issue 14, deliverable 6), on real
processes: the websocket on its own port with the options' key pairs, turned off, and the values
that cannot be honoured stopping the boot."""

from __future__ import annotations

import asyncio
import json
import subprocess
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from tests.api.server_process import APP_ID, MASTER_KEY, ROOT, call, command, free_port, start

LIVE = ("--liveQuery", '{"classNames": ["Note"]}')


async def _subscribe_and_hear_a_create(ws_url: str, api_port: int, connect: dict[str, Any]) -> dict[str, Any]:
    async with aiohttp.ClientSession() as session, session.ws_connect(ws_url) as ws:
        await ws.send_json({"op": "connect", "applicationId": APP_ID, **connect})
        assert (await ws.receive_json(timeout=10))["op"] == "connected"
        await ws.send_json({"op": "subscribe", "requestId": 1, "query": {"className": "Note", "where": {}}})
        subscribed = await ws.receive_json(timeout=10)
        assert subscribed["op"] == "subscribed" and subscribed["requestId"] == 1
        await asyncio.to_thread(call, api_port, "POST", "/classes/Note", {"text": "hello"})
        while True:
            frame = await ws.receive_json(timeout=10)
            if frame["op"] == "create":
                return frame


async def _refused(ws_url: str) -> bool:
    async with aiohttp.ClientSession() as session:
        try:
            async with session.ws_connect(ws_url, timeout=aiohttp.ClientWSTimeout(ws_close=5)):
                return False
        except aiohttp.WSServerHandshakeError:
            return True


def test_own_port_with_key_pairs(tmp_path: Path) -> None:
    port, live_port = free_port(), free_port()
    options = {"port": live_port, "keyPairs": {"javascriptKey": "options2-js"}, "websocketTimeout": 5000,
               "cacheTimeout": 2000, "logLevel": "warn", "appId": APP_ID}
    proc = start(tmp_path, port, *LIVE, "--liveQueryServerOptions", json.dumps(options))
    try:
        call(port, "POST", "/classes/Note", {"text": "makes the class"})
        frame = asyncio.run(_subscribe_and_hear_a_create(f"ws://127.0.0.1:{live_port}/", port,
                                                         {"javascriptKey": "options2-js"}))
        assert frame["object"]["text"] == "hello"
        assert asyncio.run(_refused(f"ws://127.0.0.1:{port}/parse"))  # not on the API's port any more

        async def wrong_key() -> dict[str, Any]:
            async with aiohttp.ClientSession() as session, session.ws_connect(f"ws://127.0.0.1:{live_port}/x") as ws:
                await ws.send_json({"op": "connect", "applicationId": APP_ID, "javascriptKey": "nope"})
                return dict(await ws.receive_json(timeout=10))

        assert asyncio.run(wrong_key())["op"] == "error"
    finally:
        proc.terminate()
        assert proc.wait(timeout=20) == 0


def test_start_live_query_server_false_serves_no_websocket(tmp_path: Path) -> None:
    port = free_port()
    proc = start(tmp_path, port, *LIVE, "--startLiveQueryServer", "false")
    try:
        assert asyncio.run(_refused(f"ws://127.0.0.1:{port}/parse"))
        assert call(port, "GET", "/health") == (200, {"status": "ok"})
    finally:
        proc.terminate()
        proc.wait(timeout=20)


@pytest.mark.parametrize(("options", "expected"), [
    ({"wssAdapter": {"module": "x"}}, "liveQueryServerOptions.wssAdapter is not supported"),
    ({"appId": "another-app"}, "liveQueryServerOptions.appId must be this server's appId"),
    ({"redisURL": "redis://127.0.0.1:6379/0"}, "liveQueryServerOptions.redisURL must equal liveQuery.redisURL"),
    ({"port": "eighty"}, "liveQueryServerOptions.port must be a TCP port number"),
    ({"logLevel": "loud"}, "liveQueryServerOptions.logLevel must be one of"),
])
def test_what_cannot_be_honoured_stops_the_boot(tmp_path: Path, options: dict[str, Any], expected: str) -> None:
    done = subprocess.run(command(tmp_path, free_port(), *LIVE, "--liveQueryServerOptions", json.dumps(options)),
                          cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert done.returncode == 2, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and expected in lines[0], done.stderr
    assert MASTER_KEY not in done.stderr
