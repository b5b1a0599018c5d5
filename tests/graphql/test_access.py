"""GraphQL answers exactly as REST does for the same caller: ACLs (a staff member cannot see
another's patient), class-level permissions, protected fields, master-only classes, the
read-only master key, introspection and complexity limits."""

from __future__ import annotations

from typing import Any

import pytest

from parse_compat.graphql.names import to_global_id

from .conftest import Client, GraphQLClient, owned_by, signup

pytestmark = pytest.mark.asyncio


async def _private_patient(api: Client) -> tuple[dict[str, Any], dict[str, Any], str]:
    alice, bob = await signup(api, "alice"), await signup(api, "bob")
    body = {"name": "Secret", "email": "s@x.org", "phone": "1", "ACL": owned_by(alice["objectId"])}
    reply = await api.post("/classes/Patient", body, session_token=alice["sessionToken"])
    assert reply.status == 201, reply.body
    return alice, bob, str(reply.body["objectId"])


async def test_a_staff_member_cannot_reach_another_staff_members_patient(api: Client, gql: GraphQLClient) -> None:
    alice, bob, patient_id = await _private_patient(api)
    mine = await gql("{ patients { count edges { node { name } } } }", token=alice["sessionToken"])
    assert mine.data["patients"]["count"] == 1
    theirs = await gql("{ patients { count edges { node { name } } } }", token=bob["sessionToken"])
    assert theirs.data == {"patients": {"count": 0, "edges": []}}
    rest = await api.get(f"/classes/Patient/{patient_id}", session_token=bob["sessionToken"])
    for query in ("query($id: ID!) { patient(id: $id) { name } }",
                  "query($id: ID!) { node(id: $id) { id } }"):
        answer = await gql(query, {"id": to_global_id("Patient", patient_id)}, token=bob["sessionToken"])
        assert answer.error_codes == [rest.body["code"]] and "Secret" not in str(answer.body)
    for mutation in ('mutation($id: ID!) { updatePatient(input: {id: $id, fields: {name: "x"}}) { patient { id } } }',
                     "mutation($id: ID!) { deletePatient(input: {id: $id}) { patient { id } } }"):
        answer = await gql(mutation, {"id": patient_id}, token=bob["sessionToken"])
        assert answer.error_codes == [101], answer.body
    still = await api.get(f"/classes/Patient/{patient_id}", session_token=alice["sessionToken"])
    assert still.body["name"] == "Secret"
    pointer = {"__type": "Pointer", "className": "Patient", "objectId": patient_id}
    plan = await api.post("/classes/TreatmentPlan", {"patient": pointer, "status": "s", "treatmentDetails": "d",
                                                     "ACL": {"*": {"read": True}}}, session_token=alice["sessionToken"])
    assert plan.status == 201
    seen = await gql("{ treatmentPlans { edges { node { status patient { objectId } } } } }",
                     token=bob["sessionToken"])
    assert seen.data["treatmentPlans"]["edges"] == [{"node": {"status": "s", "patient": {"objectId": patient_id}}}]
    # parse-compat: as in Parse, the unreadable object's required fields are errors, never values
    named = await gql("{ treatmentPlans { edges { node { patient { name } } } } }", token=bob["sessionToken"])
    assert named.body["errors"][0]["message"] == "Cannot return null for non-nullable field Patient.name."
    assert "Secret" not in str(named.body)
    rest_plan = await api.get("/classes/TreatmentPlan", params={"include": "patient"},
                              session_token=bob["sessionToken"])
    assert "Secret" not in str(rest_plan.body)


async def test_class_permissions_and_protected_fields_as_rest(api: Client, gql: GraphQLClient) -> None:
    alice, bob, _ = await _private_patient(api)
    anonymous = await gql("{ patients { count } }")
    rest = await api.get("/classes/Patient")
    assert rest.status >= 400 and anonymous.error_codes == [rest.body["code"]]
    dora = await api.post("/users", {"username": "dora", "password": "pw-dora-123", "email": "dora@x.org",
                                     "ACL": {"*": {"read": True}}}, master=True)
    assert dora.status == 201, dora.body
    users = await gql("{ users { edges { node { username } } } }", token=bob["sessionToken"])
    rest_users = await api.get("/classes/_User", session_token=bob["sessionToken"])
    assert sorted(edge["node"]["username"] for edge in users.data["users"]["edges"]) == sorted(
        row["username"] for row in rest_users.body["results"])
    assert [row.get("email") for row in rest_users.body["results"] if row["username"] == "dora"] == [None]
    # email is a protected field of User in the dental template (and required, hence non-null): an error
    emails = await gql('{ users(where: {username: {equalTo: "dora"}}) { edges { node { email } } } }',
                       token=bob["sessionToken"])
    assert emails.body["errors"][0]["message"] == "Cannot return null for non-nullable field User.email."
    assert "dora@x.org" not in str(emails.body)


async def test_master_only_classes_are_unreachable(api: Client, gql: GraphQLClient) -> None:
    bob = await signup(api, "bob")
    for query in ("{ audits { count } }", "{ jobStatuses { count } }", "{ idempotencies { count } }"):
        answer = await gql(query, token=bob["sessionToken"])
        assert answer.status == 400 and "data" not in answer.body
        assert answer.body["errors"][0]["message"].startswith("Cannot query field"), answer.body
    forged = await gql("query($id: ID!) { node(id: $id) { id } }", {"id": to_global_id("_GlobalConfig", "1")},
                       token=bob["sessionToken"])
    assert forged.error_codes == [101]
    as_master = await gql("{ __schema { types { name } } }", master=True)
    type_names = {t["name"] for t in as_master.data["__schema"]["types"]}
    assert {"Audit", "JobStatus", "GlobalConfig", "Idempotency"}.isdisjoint(type_names)


async def test_read_only_master_reads_but_never_writes(api: Client, gql: GraphQLClient) -> None:
    alice, _, patient_id = await _private_patient(api)
    read = await gql("{ patients { count } }", read_only=True)
    assert read.data == {"patients": {"count": 1}}
    writes = [
        ('mutation { createPatient(input: {fields: {name: "x", email: "x@x.org", phone: "1"}}) { patient { id } } }',
         None),
        ('mutation($id: ID!) { updatePatient(input: {id: $id, fields: {name: "x"}}) { patient { id } } }',
         {"id": patient_id}),
        ("mutation($id: ID!) { deletePatient(input: {id: $id}) { patient { id } } }", {"id": patient_id}),
        ('mutation { signUp(input: {fields: {username: "m", password: "pw-123456", email: "m@x.org"}}) '
         '{ viewer { sessionToken } } }', None),
    ]
    for mutation, variables in writes:
        answer = await gql(mutation, variables, read_only=True)
        assert answer.error_codes == [119], answer.body
    rest = await api.get("/classes/Patient", master=True)
    assert [row["name"] for row in rest.body["results"]] == ["Secret"]
    users = await api.get("/classes/_User", master=True)
    assert sorted(row["username"] for row in users.body["results"]) == ["alice", "bob"]


async def test_introspection_and_schema_hints_need_the_master_key(api: Client, gql: GraphQLClient) -> None:
    bob = await signup(api, "bob")
    for query in ("{ __schema { queryType { name } } }", '{ __type(name: "Patient") { name } }'):
        refused = await gql(query, token=bob["sessionToken"])
        assert refused.status == 403 and refused.body == {"errors": [{"message": "Introspection is not allowed"}]}
    typename = await gql("{ __typename health }", token=bob["sessionToken"])
    assert typename.data == {"__typename": "Query", "health": True}
    typo = await gql("{ patien { count } }", token=bob["sessionToken"])
    assert typo.status == 400 and "Did you mean" not in str(typo.body)
    hinted = await gql("{ patien { count } }", master=True)
    assert "Did you mean" in str(hinted.body)
    deep = "{ treatmentPlans { edges { node { patient { nope } } } } }"
    hidden = await gql(deep, token=bob["sessionToken"])
    assert hidden.status == 400 and "Patient" not in str(hidden.body), hidden.body
    assert "Patient" in str((await gql(deep, master=True)).body)
    written = await gql("query($w: PatientWhereInput) { patients(where: $w) { count } }", {"w": {"nope": 1}},
                        token=bob["sessionToken"])
    assert "PatientWhereInput" in str(written.body)  # a type the caller wrote is no disclosure


@pytest.mark.settings(requestComplexity={"graphQLDepth": 3, "graphQLFields": 6})
async def test_graphql_depth_and_field_limits(api: Client, gql: GraphQLClient) -> None:
    bob = await signup(api, "bob")
    deep = await gql("{ treatmentPlans { edges { node { patient { name } } } } }", token=bob["sessionToken"])
    assert deep.status == 400 and deep.error_codes == [102]
    assert "depth of 5 exceeds maximum allowed depth of 3" in deep.body["errors"][0]["message"]
    wide = await gql("{ a: health b: health c: health d: health e: health f: health g: health }",
                     token=bob["sessionToken"])
    assert wide.error_codes == [102]
    master = await gql("{ treatmentPlans { edges { node { patient { name } } } } }", master=True)
    assert master.data == {"treatmentPlans": {"edges": []}}


async def test_get_serves_queries_only_and_credentials_come_from_headers(api: Client, gql: GraphQLClient) -> None:
    headers = {"X-Parse-Application-Id": "test-app"}
    async with api.session.get(gql.url, params={"query": "{ health }"}, headers=headers) as resp:
        assert resp.status == 200 and await resp.json() == {"data": {"health": True}}
    mutation = ('mutation { createPatient(input: {fields: {name: "x", email: "x@x.org", phone: "1"}}) '
                "{ clientMutationId } }")
    master = {**headers, "X-Parse-Master-Key": "test-master"}
    async with api.session.get(gql.url, params={"query": mutation}, headers=master) as resp:
        assert resp.status == 405
    assert (await api.get("/classes/Patient", master=True)).body["results"] == []
    # the JS SDK's body envelope is not read on /graphql: the app id must be a header
    async with api.session.post(gql.url, json={"query": "{ health }", "_ApplicationId": "test-app"}) as resp:
        assert resp.status == 403 and await resp.json() == {"error": "unauthorized"}


@pytest.mark.parametrize("settings_overrides", [{"mountGraphQL": True, "protectedFields": {
    "Patient": {"*": ["reminderOptOut"]}}}])
async def test_the_protected_fields_option_applies_to_graphql_as_to_rest(api: Client, gql: GraphQLClient) -> None:
    alice = await signup(api, "alice")
    body = {"name": "P", "email": "p@x.org", "phone": "1", "reminderOptOut": True, "ACL": owned_by(alice["objectId"])}
    assert (await api.post("/classes/Patient", body, session_token=alice["sessionToken"])).status == 201
    rest = await api.get("/classes/Patient", session_token=alice["sessionToken"])
    assert "reminderOptOut" not in rest.body["results"][0]
    seen = await gql("{ patients { edges { node { name reminderOptOut } } } }", token=alice["sessionToken"])
    assert seen.data["patients"]["edges"] == [{"node": {"name": "P", "reminderOptOut": None}}], seen.body
    master = await gql("{ patients { edges { node { reminderOptOut } } } }", master=True)
    assert master.data["patients"]["edges"] == [{"node": {"reminderOptOut": True}}]
