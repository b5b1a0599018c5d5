"""Parse's `rateLimit` (issue 11, deliver 10): per path and method, by zone, 429 with Parse's
message, every batch item counted, shared through Redis; and `trustProxy`, so the address that
rate limits and `masterKeyIps` see is the client's behind a proxy and never a header otherwise."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp.test_utils import TestServer

from parse_compat.app import create_app
from parse_compat.http.rate_limit import parse_rules

from .conftest import Client, make_settings

pytestmark = pytest.mark.asyncio

TOO_MANY = {"code": 100, "error": "Too many requests."}
BOX_RULE = {"requestPath": "/classes/Box", "requestTimeWindow": 60_000, "requestCount": 3,
            "requestMethods": ["GET"]}


async def _box(api: Client) -> None:
    reply = await api.post("/schemas/Box", {"className": "Box", "fields": {"n": {"type": "Number"}}}, master=True)
    assert reply.status == 200, reply.body


@pytest.mark.settings(schema=None, rateLimit=[BOX_RULE])
async def test_requests_past_the_count_get_parses_429(api: Client) -> None:
    await _box(api)
    for _ in range(3):
        assert (await api.get("/classes/Box")).status == 200
    reply = await api.get("/classes/Box")
    assert reply.status == 429 and reply.body == TOO_MANY
    assert (await api.get("/classes/Box/")).status == 429  # a trailing slash is the same path
    assert (await api.post("/classes/Box", {"n": 1})).status == 201  # another method
    assert (await api.get("/classes/Box", master=True)).status == 200  # the master key is not limited
    assert (await api.get("/classes/Other")).status != 429  # another path


@pytest.mark.settings(schema=None, rateLimit=[{**BOX_RULE, "requestPath": "/classes/:className", "requestCount": 1,
                                               "errorResponseMessage": "Slow down", "includeMasterKey": True}])
async def test_path_patterns_custom_message_and_include_master_key(api: Client) -> None:
    await _box(api)
    assert (await api.get("/classes/Box", master=True)).status == 200
    reply = await api.get("/classes/Other", master=True)
    assert reply.status == 429 and reply.body == {"code": 100, "error": "Slow down"}


async def _user(api: Client, name: str) -> str:
    reply = await api.post("/users", {"username": name, "password": "pw-" + name})
    assert reply.status == 201, reply.body
    return str(reply.body["sessionToken"])


@pytest.mark.parametrize("zone", ["user", "session", "global", "ip"])
@pytest.mark.settings(schema=None, rateLimit=[BOX_RULE])
async def test_zones(api: Client, zone: str) -> None:
    rule = {**BOX_RULE, "requestCount": 2, "zone": zone}
    api.state.services.rate_limits.rules = parse_rules([rule])
    await _box(api)
    ann, bob = await _user(api, "ann"), await _user(api, "bob")
    for _ in range(2):
        assert (await api.get("/classes/Box", session_token=ann)).status == 200
    assert (await api.get("/classes/Box", session_token=ann)).status == 429
    other = await api.get("/classes/Box", session_token=bob)
    # user and session zones count each caller apart; global and ip (one test client) count them together
    assert other.status == (200 if zone in ("user", "session") else 429)


@pytest.mark.settings(schema=None, rateLimit=[{"requestPath": "/classes/*path", "requestTimeWindow": 60_000,
                                               "requestCount": 2, "requestMethods": ["POST"]}])
async def test_each_batch_item_counts_and_none_runs_past_the_limit(api: Client) -> None:
    await _box(api)
    items = [{"method": "POST", "path": "/parse/classes/Box", "body": {"n": n}} for n in range(3)]
    reply = await api.post("/batch", {"requests": items})
    assert reply.status == 429 and reply.body == TOO_MANY
    count = await api.get("/classes/Box", params={"count": 1, "limit": 0}, master=True)
    assert count.body["count"] == 0


async def test_template_limits_signup_through_both_routes(api: Client) -> None:
    for n in range(10):
        reply = await api.post("/users", {"username": f"u{n}", "password": "pw-12345678", "email": f"u{n}@x.example"})
        assert reply.status == 201, reply.body
    reply = await api.post("/users", {"username": "u10", "password": "pw-12345678", "email": "u10@x.example"})
    assert reply.status == 429 and reply.body == TOO_MANY
    for n in range(10):
        reply = await api.post("/classes/_User", {"username": f"v{n}", "password": "pw", "email": f"v{n}@x.example"})
        assert reply.status != 429
    reply = await api.post("/classes/_User", {"username": "v10", "password": "pw", "email": "v10@x.example"})
    assert reply.status == 429


async def test_template_limits_password_reset_mail(api: Client) -> None:
    for _ in range(5):
        reply = await api.post("/requestPasswordReset", {"email": "nobody@x.example"})
        assert reply.status != 429
    reply = await api.post("/requestPasswordReset", {"email": "nobody@x.example"})
    assert reply.status == 429 and reply.body == TOO_MANY


async def _server(tmp_path: Path, adapter: str, **overrides: Any) -> TestServer:
    settings = make_settings(tmp_path, adapter, schema=None, **overrides)
    server = TestServer(create_app(settings), host="127.0.0.1")
    await server.start_server()
    return server


async def test_redis_shares_the_counts_between_servers(tmp_path: Path, adapter_name: str) -> None:
    path = f"/functions/rl{uuid.uuid4().hex[:10]}"  # a fresh key space in the shared Redis
    rule = {"requestPath": path, "requestTimeWindow": 60_000, "requestCount": 3, "redisUrl": "redis://127.0.0.1:6379"}
    one = await _server(tmp_path / "one", adapter_name, rateLimit=[rule])
    two = await _server(tmp_path / "two", adapter_name, rateLimit=[rule])
    statuses = []
    try:
        async with aiohttp.ClientSession() as session:
            for server in (one, two, one, two, one):
                async with session.post(f"http://127.0.0.1:{server.port}/parse{path}",
                                        headers={"X-Parse-Application-Id": "test-app"}, json={}) as resp:
                    statuses.append(resp.status)
                    body = await resp.json()
    finally:
        await one.close()
        await two.close()
    assert statuses[:3] != [429] * 3 and 429 not in statuses[:3]
    assert statuses[3:] == [429, 429] and body == TOO_MANY


@pytest.mark.settings(schema=None, rateLimit=[{**BOX_RULE, "requestCount": 1, "redisUrl": "redis://127.0.0.1:1"}])
async def test_unreachable_redis_still_limits_in_the_process(api: Client) -> None:
    await _box(api)
    assert (await api.get("/classes/Box")).status == 200
    assert (await api.get("/classes/Box")).status == 429


@pytest.mark.settings(masterKeyIps=["10.9.9.9"])
async def test_forwarded_header_is_not_believed_without_trust_proxy(api: Client) -> None:
    reply = await api.get("/schemas", master=True, headers={"X-Forwarded-For": "10.9.9.9"})
    assert reply.status == 403 and reply.body == {"error": "unauthorized"}


@pytest.mark.settings(masterKeyIps=["10.9.9.9"], trustProxy=["loopback"])
async def test_master_key_ips_see_the_client_behind_a_trusted_proxy(api: Client) -> None:
    assert (await api.get("/schemas", master=True, headers={"X-Forwarded-For": "10.9.9.9"})).status == 200
    assert (await api.get("/schemas", master=True, headers={"X-Forwarded-For": "10.9.9.9, 1.2.3.4"})).status == 403


@pytest.mark.settings(trustProxy=["loopback"])
async def test_behind_a_local_proxy_a_remote_client_is_not_loopback(api: Client) -> None:
    """masterKeyIps defaults to loopback: behind a proxy on the same host that would be everyone."""
    reply = await api.get("/schemas", master=True, headers={"X-Forwarded-For": "203.0.113.9"})
    assert reply.status == 403
    assert (await api.get("/schemas", master=True)).status == 200  # a local client without the header


@pytest.mark.settings(schema=None, trustProxy=["loopback"], rateLimit=[{**BOX_RULE, "requestCount": 1}])
async def test_rate_limits_count_each_client_behind_the_proxy(api: Client) -> None:
    await _box(api)
    ann, bob = {"X-Forwarded-For": "203.0.113.1"}, {"X-Forwarded-For": "203.0.113.2"}
    assert (await api.get("/classes/Box", headers=ann)).status == 200
    assert (await api.get("/classes/Box", headers=ann)).status == 429
    assert (await api.get("/classes/Box", headers={"X-Forwarded-For": "9.9.9.9, 203.0.113.1"})).status == 429
    assert (await api.get("/classes/Box", headers=bob)).status == 200


async def test_template_limits_password_checks_through_verify_password_too(api: Client) -> None:
    rules = [r for r in api.state.services.rate_limits.rules if r.path.match("/verifyPassword")]
    assert [(r.count, r.window_ms) for r in rules] == [(30, 60_000)]
    rules[0].count = 2  # the template's 30, made quick to reach
    for _ in range(2):
        reply = await api.get("/verifyPassword", params={"username": "nobody", "password": "guess"})
        assert reply.status != 429
    reply = await api.get("/verifyPassword", params={"username": "nobody", "password": "guess"})
    assert reply.status == 429 and reply.body == TOO_MANY
