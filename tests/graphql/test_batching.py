"""Nested GraphQL queries are not N+1: pointers of a page load in one batched REST include per
class and level, so 100 plans with their patients cost as many storage queries as 10 do."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from .conftest import Client, GraphQLClient, signup

pytestmark = pytest.mark.asyncio

QUERY = """query($first: Int) { treatmentPlans(first: $first, order: [createdAt_ASC]) {
  count edges { node { status patient { name owner { username } } } } } }"""


async def _plans(api: Client, token: str, owner_id: str, count: int) -> None:
    owner = {"__type": "Pointer", "className": "_User", "objectId": owner_id}
    for start in range(0, count, 50):
        requests = [{"method": "POST", "path": "/parse/classes/Patient",
                     "body": {"name": f"p{i}", "email": f"p{i}@x.org", "phone": str(i), "owner": owner}}
                    for i in range(start, min(count, start + 50))]
        reply = await api.post("/batch", {"requests": requests}, session_token=token)
        assert reply.status == 200 and all("success" in item for item in reply.body), reply.body
        plans = [{"method": "POST", "path": "/parse/classes/TreatmentPlan",
                  "body": {"status": f"s{start + n}", "treatmentDetails": "d", "patient": {
                      "__type": "Pointer", "className": "Patient", "objectId": item["success"]["objectId"]}}}
                 for n, item in enumerate(reply.body)]
        reply = await api.post("/batch", {"requests": plans}, session_token=token)
        assert reply.status == 200 and all("success" in item for item in reply.body), reply.body


def _count_storage_reads(monkeypatch: pytest.MonkeyPatch, storage: Any) -> list[str]:
    calls: list[str] = []

    def counting(name: str, method: Callable[..., Awaitable[Any]]) -> Callable[..., Awaitable[Any]]:
        async def run(*args: Any, **kwargs: Any) -> Any:
            calls.append(name)
            return await method(*args, **kwargs)
        return run

    for name in ("find", "count"):
        monkeypatch.setattr(storage, name, counting(name, getattr(storage, name)))
    return calls


async def test_100_plans_with_their_patients_cost_a_bounded_number_of_queries(
        api: Client, gql: GraphQLClient, monkeypatch: pytest.MonkeyPatch) -> None:
    staff = await signup(api, "erin")
    token = staff["sessionToken"]
    await _plans(api, token, staff["objectId"], 100)
    calls = _count_storage_reads(monkeypatch, api.state.storage)

    small = await gql(QUERY, {"first": 10}, token=token)
    edges = small.data["treatmentPlans"]["edges"]
    assert len(edges) == 10 and all(e["node"]["patient"]["name"] == "p" + e["node"]["status"][1:] for e in edges)
    reads_for_10 = len(calls)
    calls.clear()

    large = await gql(QUERY, {"first": 100}, token=token)
    edges = large.data["treatmentPlans"]["edges"]
    assert large.data["treatmentPlans"]["count"] == 100 and len(edges) == 100
    assert sorted(edge["node"]["patient"]["name"] for edge in edges) == sorted(f"p{i}" for i in range(100))
    assert all(edge["node"]["patient"]["name"] == "p" + edge["node"]["status"][1:] for edge in edges)
    assert {edge["node"]["patient"]["owner"]["username"] for edge in edges} == {"erin"}
    # plans (find + count), patients (one include), owners (one include), the caller's roles: never per plan
    assert len(calls) == reads_for_10 <= 6, calls
