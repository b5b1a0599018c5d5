"""Parse 9's `requestComplexity` (issue 11, deliver 10) and the fixed maxima: deep or wide
includes, nested sub-queries and `$or`s, huge `$in`, big `skip` — a Parse error or a result."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest

from .conftest import Client

pytestmark = pytest.mark.asyncio

NO_TEMPLATE = {"schema": None}


async def _chain(api: Client, length: int = 8) -> list[str]:
    """Node objects n0 → n1 → … linked through `next`; returns their ids, first first."""
    fields = {"name": {"type": "String"}, "next": {"type": "Pointer", "targetClass": "Node"}}
    reply = await api.post("/schemas/Node", {"className": "Node", "fields": fields}, master=True)
    assert reply.status == 200, reply.body
    ids: list[str] = []
    previous = None
    for n in reversed(range(length)):
        body: dict[str, Any] = {"name": f"n{n}"}
        if previous:
            body["next"] = {"__type": "Pointer", "className": "Node", "objectId": previous}
        created = await api.post("/classes/Node", body, master=True)
        previous = created.body["objectId"]
        ids.insert(0, previous)
    return ids


def _include(depth: int) -> str:
    return ".".join(["next"] * depth)


async def _get_first(api: Client, params: dict[str, Any], **kw: Any) -> Any:
    return await api.get("/classes/Node", params={"where": {"name": "n0"}, **params}, **kw)


async def test_include_depth_of_the_template(api: Client) -> None:
    await _chain(api)
    ok = await _get_first(api, {"include": _include(5)})
    assert ok.status == 200
    node = ok.body["results"][0]
    for n in range(1, 6):
        node = node["next"]
        assert node["name"] == f"n{n}"
    reply = await _get_first(api, {"include": _include(6)})
    assert reply.status == 400 and reply.body == {
        "code": 102, "error": "Include depth of 6 exceeds maximum allowed depth of 5"}
    assert (await _get_first(api, {"include": _include(6)}, master=True)).status == 200


async def test_include_count_of_the_template(api: Client) -> None:
    await _chain(api, 2)
    reply = await _get_first(api, {"include": ",".join(f"f{n}" for n in range(51))})
    assert reply.status == 400 and reply.body == {
        "code": 102, "error": "Number of include fields (51) exceeds maximum allowed (50)"}
    # each prefix of a dotted path counts once, as Parse counts them
    reply = await _get_first(api, {"include": ",".join(f"f{n}.g" for n in range(25)) + ",f0.h"})
    assert reply.status == 400 and "(51)" in reply.body["error"]
    assert (await _get_first(api, {"include": ",".join(f"f{n}" for n in range(50))})).status == 200


@pytest.mark.settings(**NO_TEMPLATE)
async def test_plain_parse_settings_have_no_include_limit(api: Client) -> None:
    await _chain(api)
    reply, took = await _timed(_get_first(api, {"include": _include(40)}))
    assert reply.status == 200 and took < 5


async def _timed(coro: Any) -> tuple[Any, float]:
    started = time.perf_counter()
    result = await coro
    return result, time.perf_counter() - started


def _nested_in_query(levels: int) -> dict[str, Any]:
    where: dict[str, Any] = {"name": "n1"}
    for _ in range(levels):
        where = {"next": {"$inQuery": {"className": "Node", "where": where}}}
    return where


async def test_subquery_depth_of_the_template(api: Client) -> None:
    await _chain(api)
    one = await api.get("/classes/Node", params={"where": _nested_in_query(1)})
    assert one.status == 200 and [r["name"] for r in one.body["results"]] == ["n0"]
    assert (await api.get("/classes/Node", params={"where": _nested_in_query(3)})).status == 200
    reply = await api.get("/classes/Node", params={"where": _nested_in_query(4)})
    assert reply.status == 400 and reply.body == {
        "code": 102, "error": "Subquery nesting depth exceeds maximum allowed depth of 3"}
    select = {"name": {"$select": {"query": {"className": "Node", "where": _nested_in_query(3)}, "key": "name"}}}
    assert (await api.get("/classes/Node", params={"where": select})).body["code"] == 102
    assert (await api.get("/classes/Node", params={"where": _nested_in_query(4)}, master=True)).status == 200


def _nested_or(levels: int) -> dict[str, Any]:
    where: dict[str, Any] = {"name": "n0"}
    for _ in range(levels):
        where = {"$or": [where, {"name": "none"}]}
    return where


async def test_query_depth_of_the_template(api: Client) -> None:
    await _chain(api, 2)
    ok = await api.get("/classes/Node", params={"where": _nested_or(10)})
    assert ok.status == 200 and [r["name"] for r in ok.body["results"]] == ["n0"]
    reply = await api.get("/classes/Node", params={"where": _nested_or(11)})
    assert reply.status == 400 and reply.body == {
        "code": 102, "error": "Query condition nesting depth exceeds maximum allowed depth of 10"}
    hidden = {"next": {"$inQuery": {"className": "Node", "where": _nested_or(11)}}}  # inside a sub-query too
    assert (await api.get("/classes/Node", params={"where": hidden})).body["code"] == 102


@pytest.mark.settings(requestComplexity={"allowRegex": False})
async def test_allow_regex_false(api: Client) -> None:
    await _chain(api, 2)
    for where in ({"name": {"$regex": "^n"}}, {"$or": [{"name": {"$regex": "n"}}, {"name": "x"}]},
                  {"next": {"$inQuery": {"className": "Node", "where": {"name": {"$regex": "1"}}}}}):
        reply = await api.get("/classes/Node", params={"where": where})
        assert reply.status == 400 and reply.body == {"code": 102, "error": "$regex operator is not allowed"}
    assert (await api.get("/classes/Node", params={"where": {"name": {"$regex": "^n"}}}, master=True)).status == 200


@pytest.mark.settings(schema=None, requestComplexity={"subqueryLimit": 2})
async def test_subquery_limit_caps_the_rows_a_sub_query_returns(api: Client) -> None:
    await _chain(api, 6)
    where = {"next": {"$inQuery": {"className": "Node", "where": {"name": {"$exists": True}}}}}
    limited = await api.get("/classes/Node", params={"where": where})
    assert limited.status == 200 and len(limited.body["results"]) <= 2
    everything = await api.get("/classes/Node", params={"where": where}, master=True)
    assert len(everything.body["results"]) == 5


@pytest.mark.settings(**NO_TEMPLATE)
async def test_huge_where_and_big_skip_answer_an_error_or_a_result(api: Client) -> None:
    await _chain(api, 3)
    huge_in = {"name": {"$in": [f"x{n}" for n in range(100_001)]}}
    reply = await api.post("/classes/Node", {"_method": "GET", "where": huge_in})
    assert reply.status == 400 and reply.body["code"] == 102
    many_values = {"$or": [{"name": {"$in": [f"x{n}" for n in range(50_000)]}} for _ in range(5)]}
    reply = await api.post("/classes/Node", {"_method": "GET", "where": many_values})
    assert reply.status == 400 and reply.body == {"code": 102, "error": "Query is too large"}
    for skip in (10**9, 2**63, 10**30):
        reply, took = await _timed(api.get("/classes/Node", params={"skip": skip}))
        assert reply.status in (200, 400) and took < 2, reply.body
        assert reply.body.get("results", []) == [] and reply.body.get("code", 102) == 102
    deep_include = ",".join(_include(n) for n in range(1, 30))
    reply, took = await _timed(api.get("/classes/Node", params={"include": deep_include}))
    assert reply.status == 200 and took < 5
    assert json.dumps(reply.body)
