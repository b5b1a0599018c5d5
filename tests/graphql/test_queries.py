"""Finds through GraphQL: where inputs, order enums, Relay pagination and counts, on every adapter,
answered as REST answers the same query."""

from __future__ import annotations

from typing import Any

import pytest

from parse_compat.graphql.names import offset_to_cursor

from .conftest import Client, GraphQLClient, signup

pytestmark = pytest.mark.asyncio

FIND = """query($where: PatientWhereInput, $order: [PatientOrder!], $first: Int, $after: String, $last: Int,
              $skip: Int) {
  patients(where: $where, order: $order, first: $first, after: $after, last: $last, skip: $skip) {
    count
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    edges { cursor node { name phone } }
  }
}"""


async def _world(api: Client) -> str:
    staff = await signup(api, "carol")
    for index in range(7):
        body = {"name": f"n{index}", "email": f"p{index}@x.org", "phone": str(100 + index),
                "reminderOptOut": index % 2 == 0}
        reply = await api.post("/classes/Patient", body, session_token=staff["sessionToken"])
        assert reply.status == 201, reply.body
    return str(staff["sessionToken"])


def names(answer: Any) -> list[str]:
    return [edge["node"]["name"] for edge in answer.data["patients"]["edges"]]


async def test_where_operators_match_rest(api: Client, gql: GraphQLClient) -> None:
    token = await _world(api)
    cases: list[tuple[dict[str, Any], dict[str, Any]]] = [
        ({"name": {"equalTo": "n3"}}, {"name": {"$eq": "n3"}}),
        ({"name": {"notEqualTo": "n3"}}, {"name": {"$ne": "n3"}}),
        ({"phone": {"lessThan": "103"}}, {"phone": {"$lt": "103"}}),
        ({"phone": {"greaterThanOrEqualTo": "105"}}, {"phone": {"$gte": "105"}}),
        ({"name": {"in": ["n1", "n5", "zz"]}}, {"name": {"$in": ["n1", "n5", "zz"]}}),
        ({"name": {"notIn": ["n1", "n5"]}}, {"name": {"$nin": ["n1", "n5"]}}),
        ({"reminderOptOut": {"equalTo": True}}, {"reminderOptOut": True}),
        ({"name": {"matchesRegex": "^N[12]$", "options": "i"}}, {"name": {"$regex": "^N[12]$", "$options": "i"}}),
        ({"email": {"exists": True}}, {"email": {"$exists": True}}),
        ({"OR": [{"name": {"equalTo": "n0"}}, {"phone": {"equalTo": "106"}}]},
         {"$or": [{"name": "n0"}, {"phone": "106"}]}),
        ({"createdAt": {"lessThan": "2999-01-01T00:00:00.000Z"}},
         {"createdAt": {"$lt": {"__type": "Date", "iso": "2999-01-01T00:00:00.000Z"}}}),
    ]
    for where, rest_where in cases:
        answer = await gql(FIND, {"where": where, "order": ["name_ASC"]}, token=token)
        rest = await api.get("/classes/Patient", params={"where": rest_where, "order": "name"}, session_token=token)
        assert rest.status == 200, rest.body
        assert names(answer) == [row["name"] for row in rest.body["results"]], where
        assert answer.data["patients"]["count"] == len(rest.body["results"]), where


async def test_order_and_pagination(api: Client, gql: GraphQLClient) -> None:
    token = await _world(api)
    answer = await gql(FIND, {"order": ["phone_DESC"], "first": 3}, token=token)
    page = answer.data["patients"]
    assert [edge["node"]["phone"] for edge in page["edges"]] == ["106", "105", "104"]
    assert page["count"] == 7
    assert page["pageInfo"] == {"hasNextPage": True, "hasPreviousPage": False,
                                "startCursor": offset_to_cursor(0), "endCursor": offset_to_cursor(2)}
    after = await gql(FIND, {"order": ["phone_DESC"], "first": 3, "after": page["pageInfo"]["endCursor"]}, token=token)
    assert [edge["node"]["phone"] for edge in after.data["patients"]["edges"]] == ["103", "102", "101"]
    assert after.data["patients"]["pageInfo"]["hasPreviousPage"] is True
    last = await gql(FIND, {"order": ["phone_ASC"], "last": 2}, token=token)
    assert [edge["node"]["phone"] for edge in last.data["patients"]["edges"]] == ["105", "106"]
    assert last.data["patients"]["pageInfo"]["hasNextPage"] is False
    skipped = await gql(FIND, {"order": ["name_ASC"], "skip": 5}, token=token)
    assert names(skipped) == ["n5", "n6"]
    bad = await gql(FIND, {"first": -1}, token=token)
    assert bad.error_codes == [102]
    only_count = await gql("query { patients { count } }", token=token)
    assert only_count.data == {"patients": {"count": 7}}


async def test_relation_have_subquery_and_id_constraints(api: Client, gql: GraphQLClient) -> None:
    token = await _world(api)
    found = await api.get("/classes/Patient", params={"where": {"name": "n2"}}, session_token=token)
    first = found.body["results"][0]
    pointer = {"__type": "Pointer", "className": "Patient", "objectId": first["objectId"]}
    reply = await api.post("/classes/TreatmentPlan", {"patient": pointer, "status": "open", "treatmentDetails": "d"},
                           session_token=token)
    assert reply.status == 201
    plans = await gql("""{ treatmentPlans(where: {patient: {have: {name: {equalTo: "n2"}}}}) {
                           edges { node { objectId patient { name } } } } }""", token=token)
    assert [edge["node"]["patient"]["name"] for edge in plans.data["treatmentPlans"]["edges"]] == ["n2"]
    none = await gql("""{ treatmentPlans(where: {patient: {have: {name: {equalTo: "n3"}}}}) { count } }""",
                     token=token)
    assert none.data["treatmentPlans"]["count"] == 0
    by_id = await gql("query($id: ID) { patients(where: {id: {equalTo: $id}}) { edges { node { name } } } }",
                      {"id": first["objectId"]}, token=token)
    assert names(by_id) == ["n2"]
