"""`databaseOptions.maxTimeMS`: a query past its time budget answers Parse's timeout error (124)
and frees its connection, while /health and a get-by-id keep answering."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from pymongo.errors import ExecutionTimeout

from parse_compat.errors import ParseError
from parse_compat.storage.loader import max_time_ms
from parse_compat.storage.mongo.adapter import query_errors_as_parse_errors

from .conftest import Client
from .under_attack import probe_during

ROWS = 300_000


@pytest.fixture
def adapter_name() -> str:
    return "sqlite"  # the budget is enforced by this server on SQLite; MongoDB enforces maxTimeMS itself


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return {"schema": None, "databaseOptions": {"maxTimeMS": 100}}


async def _big_class(api: Client) -> str:
    reply = await api.post("/schemas/Big", {"className": "Big", "fields": {"name": {"type": "String"},
                                                                          "n": {"type": "Number"}}}, master=True)
    assert reply.status == 200, reply.body
    reply = await api.post("/classes/Big", {"name": "first", "n": 0})
    assert reply.status == 201
    api.state.storage.db.execute(  # bulk rows straight into the table: the API would take minutes
        'WITH RECURSIVE i(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM i WHERE x < ?) '
        'INSERT INTO "Big" (objectId, createdAt, updatedAt, _rperm, _wperm, data) '
        "SELECT printf('b%07d', x), '2024-01-01T00:00:00.000Z', '2024-01-01T00:00:00.000Z', NULL, NULL, "
        "json_object('name', printf('name %d', x), 'n', x) FROM i", (ROWS,))
    return str(reply.body["objectId"])


async def test_a_query_past_the_budget_answers_124_while_others_are_served(api: Client) -> None:
    object_id = await _big_class(api)
    slow = {"where": json.dumps({"name": {"$regex": "(x+)+y$"}, "n": {"$gte": 0}}), "count": "1", "limit": "0"}
    hostile = asyncio.gather(*[api.get("/classes/Big", params=slow) for _ in range(3)])
    siege = await probe_during(api, f"/classes/Big/{object_id}", hostile)
    answers, elapsed, probes = siege.answer, siege.elapsed, siege.probes
    for answer in answers:
        assert answer.status == 400, answer.body
        assert answer.body["code"] == 124
        assert "timed out" in answer.body["error"]
    assert elapsed < 3.0  # three 100 ms budgets on two reader threads, not the seconds of the full scan
    assert sorted(probes)[len(probes) // 2] < 0.1, probes
    assert max(probes) < 1.0, probes
    assert siege.loop_busy_max < 0.05, siege.loop_snapshot
    # the connections were freed: ordinary queries still work
    for _ in range(3):
        reply = await api.get("/classes/Big", params={"where": json.dumps({"n": {"$in": [1, 2, 3]}}),
                                                      "limit": "2"})  # a list query, on a reader thread
        assert reply.status == 200, reply.body
        assert len(reply.body["results"]) == 2


def test_mongodb_execution_timeout_is_parse_timeout() -> None:
    with pytest.raises(ParseError) as info, query_errors_as_parse_errors():
        raise ExecutionTimeout("operation exceeded time limit", 50)
    assert info.value.code == 124


@pytest.mark.parametrize(("options", "expected"), [(None, 5000), ({}, 5000), ({"maxTimeMS": 0}, 0),
                                                    ({"maxTimeMS": 250}, 250)])
def test_max_time_ms_option(options: dict[str, Any] | None, expected: int) -> None:
    assert max_time_ms(options) == expected


@pytest.mark.parametrize("bad", [-1, "5s", 1.5, True])
def test_bad_max_time_ms_is_refused_at_boot(bad: Any) -> None:
    with pytest.raises(ValueError, match="maxTimeMS"):
        max_time_ms({"maxTimeMS": bad})
