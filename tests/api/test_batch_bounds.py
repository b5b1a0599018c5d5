"""Bounded `/batch` (issue 11, deliver 4): a size limit, items in order, each item counted by the
rate limits, and transactions that never keep other writers waiting beyond their bound."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest

from .conftest import Client

pytestmark = pytest.mark.asyncio

WHO = {"username": "dr.who", "password": "right-password", "email": "who@clinic.example"}
NO_LIMITS = {"schema": None, "rateLimit": None, "requestComplexity": None}


async def _box(api: Client, name: str = "Box") -> None:
    fields = {"name": {"type": "String"}, "n": {"type": "Number"}}
    reply = await api.post("/schemas/" + name, {"className": name, "fields": fields}, master=True)
    assert reply.status == 200, reply.body


async def _count(api: Client, name: str = "Box") -> int:
    reply = await api.get("/classes/" + name, params={"count": 1, "limit": 0}, master=True)
    return int(reply.body["count"])


def _logins(count: int, username: str = "dr.who", password: str = "wrong-password") -> list[dict[str, Any]]:
    return [{"method": "POST", "path": "/parse/login", "body": {"username": username, "password": password}}
            for _ in range(count)]


async def _timed(coro: Any) -> tuple[Any, float]:
    started = time.perf_counter()
    result = await coro
    return result, time.perf_counter() - started


async def _health_latencies(api: Client, until: asyncio.Task[Any], get_path: str | None = None) -> list[float]:
    """Latencies of GET /health (and of a get-by-id, when given) polled until `until` is done."""
    latencies = []
    while not until.done():
        for path, kw in (("/health", {"app_id": None}), (get_path, {"master": True})):
            if path is None:
                continue
            reply, took = await _timed(api.get(path, **kw))
            assert reply.status == 200, reply.body
            latencies.append(took)
        await asyncio.sleep(0.02)
    return latencies


async def test_batch_request_limit_of_the_template(api: Client) -> None:
    await _box(api)
    items = [{"method": "POST", "path": "/parse/classes/Box", "body": {"n": n}} for n in range(51)]
    reply = await api.post("/batch", {"requests": items})
    assert reply.status == 400 and reply.body == {
        "code": 107, "error": "Batch request contains 51 sub-requests, which exceeds the limit of 50."}
    assert await _count(api) == 0
    reply = await api.post("/batch", {"requests": items[:50]})
    assert reply.status == 200 and all("success" in r for r in reply.body)
    reply = await api.post("/batch", {"requests": items}, master=True)  # the master key is not limited
    assert reply.status == 200 and len(reply.body) == 51


@pytest.mark.settings(requestComplexity={"batchRequestLimit": 3})
async def test_batch_request_limit_option(api: Client) -> None:
    items = [{"method": "GET", "path": "/parse/classes/Box"}] * 4
    reply = await api.post("/batch", {"requests": items})
    assert reply.status == 400 and reply.body["code"] == 107


@pytest.mark.settings(**NO_LIMITS)
async def test_batch_items_run_in_order(api: Client) -> None:
    await _box(api)
    created = await api.post("/classes/Box", {"n": 0}, master=True)
    oid = created.body["objectId"]
    items = [{"method": "PUT", "path": f"/parse/classes/Box/{oid}", "body": {"n": {"__op": "Increment"}}},
             {"method": "GET", "path": f"/parse/classes/Box/{oid}"},
             {"method": "PUT", "path": f"/parse/classes/Box/{oid}", "body": {"n": {"__op": "Increment"}}},
             {"method": "GET", "path": f"/parse/classes/Box/{oid}"}]
    reply = await api.post("/batch", {"requests": items}, master=True)
    assert reply.status == 200, reply.body
    assert [r["success"].get("n") for r in reply.body] == [1, 1, 2, 2]


async def test_a_thousand_login_batch_is_refused_while_logins_and_health_answer(api: Client) -> None:
    """The 60 KB attack of the issue: refused at once (batchRequestLimit, then rate limits)."""
    signup = await api.post("/users", WHO)
    assert signup.status == 201
    attack = asyncio.ensure_future(api.post("/batch", {"requests": _logins(1000)}))
    health = asyncio.ensure_future(_health_latencies(api, attack))
    login, took = await _timed(api.post("/login", {"username": "dr.who", "password": "right-password"}))
    reply = await attack
    assert reply.status == 400 and reply.body["code"] == 107, reply.body
    assert login.status == 200 and took < 2.0
    assert max(await health) < 0.5


@pytest.mark.settings(requestComplexity={"batchRequestLimit": -1}, trustProxy=["loopback"])
async def test_login_items_count_against_the_login_rate_limit_before_any_runs(api: Client) -> None:
    signup = await api.post("/users", WHO,
                            headers={"X-Forwarded-For": "198.51.100.7"})
    assert signup.status == 201
    attacker = {"X-Forwarded-For": "203.0.113.5"}
    reply, took = await _timed(api.post("/batch", {"requests": _logins(1000, password="right-password")},
                                        headers=attacker))
    assert reply.status == 429 and reply.body == {"code": 100, "error": "Too many requests."}
    assert took < 1.0  # refused before a single password was checked
    sessions = await api.get("/sessions", params={"count": 1, "limit": 0}, master=True)
    assert sessions.body["count"] == 1  # only the signup's session: no item ran
    login = await api.post("/login", {"username": "dr.who", "password": "right-password"},
                           headers={"X-Forwarded-For": "198.51.100.7"})
    assert login.status == 200, login.body  # another client is not affected
    again = await api.post("/login", {"username": "dr.who", "password": "right-password"}, headers=attacker)
    assert again.status == 429


@pytest.mark.settings(**NO_LIMITS)
async def test_without_any_limit_a_login_batch_runs_one_item_at_a_time(api: Client) -> None:
    """Plain Parse settings: nothing refuses the batch, but it takes one worker at a time, so a real
    login, /health and a get-by-id keep answering while it runs."""
    signup = await api.post("/users", WHO)
    assert signup.status == 201
    attack = asyncio.ensure_future(api.post("/batch", {"requests": _logins(60, username="nobody")}))
    health = asyncio.ensure_future(_health_latencies(api, attack, f"/users/{signup.body['objectId']}"))
    await asyncio.sleep(0.3)  # let the batch get going
    assert not attack.done()
    login, took = await _timed(api.post("/login", {"username": "dr.who", "password": "right-password"}))
    assert login.status == 200 and took < 1.5, took
    reply = await attack
    assert reply.status == 200 and all(r["error"]["code"] == 101 for r in reply.body)
    latencies = sorted(await health)
    # < 100 ms, with room for a loaded 2-core test machine: nine in ten polls, and never a stall
    assert latencies[len(latencies) * 9 // 10] < 0.1 and latencies[-1] < 1.0, latencies[-5:]


async def _write_while(api: Client, batch: asyncio.Task[Any]) -> float:
    await asyncio.sleep(0.1)  # the transaction has started and holds the write lock
    reply, took = await _timed(api.post("/classes/Other", {"name": "single write"}, master=True))
    assert reply.status == 201, reply.body
    return took


@pytest.mark.settings(requestComplexity={"batchRequestLimit": -1})
async def test_password_checks_are_refused_inside_a_transaction(api: Client) -> None:
    await _box(api, "Other")
    await api.post("/users", WHO)
    batch = asyncio.ensure_future(api.post("/batch", {"requests": _logins(60), "transaction": True}))
    took = await _write_while(api, batch)
    reply = await batch
    if not api.adapter_capabilities.transactions:
        assert reply.status == 400 and reply.body["code"] == 108
        return
    assert reply.status == 400 and reply.body["code"] == 107, reply.body
    assert "cannot run inside a transaction" in reply.body["error"]
    assert took < 0.5
    signup = [{"method": "POST", "path": "/parse/users", "body": {"username": "x", "password": "y"}}]
    reply = await api.post("/batch", {"requests": signup, "transaction": True})
    assert reply.status == 400 and reply.body["code"] == 107


@pytest.mark.settings(cloud="tests.api.slow_cloud", transactionLimits={"timeoutMs": 500})
async def test_a_slow_transaction_is_rolled_back_at_its_time_bound(api: Client) -> None:
    await _box(api, "Slow")
    await _box(api, "Other")
    items = [{"method": "POST", "path": "/parse/classes/Slow", "body": {"n": n}} for n in range(40)]  # 2 s of work
    batch = asyncio.ensure_future(_timed(api.post("/batch", {"requests": items, "transaction": True}, master=True)))
    took = await _write_while(api, batch)
    reply, batch_took = await batch
    if not api.adapter_capabilities.transactions:
        assert reply.status == 400 and reply.body["code"] == 108
        return
    assert reply.status == 400 and reply.body["code"] == 124, reply.body
    assert batch_took < 1.5
    assert took < 1.0  # the single write waited at most the bound (0.5 s), not the 2 s of the batch
    assert await _count(api, "Slow") == 0


@pytest.mark.settings(transactionLimits={"maxRequests": 5})
async def test_transaction_size_is_bounded(api: Client) -> None:
    await _box(api)
    items = [{"method": "POST", "path": "/parse/classes/Box", "body": {"n": n}} for n in range(6)]
    reply = await api.post("/batch", {"requests": items, "transaction": True}, master=True)
    assert reply.status == 400 and reply.body["code"] in (107, 108)
    assert await _count(api) == 0
    if api.adapter_capabilities.transactions:
        reply = await api.post("/batch", {"requests": items[:5], "transaction": True}, master=True)
        assert reply.status == 200 and await _count(api) == 5
