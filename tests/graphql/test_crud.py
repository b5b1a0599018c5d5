"""Create, read, update and delete through GraphQL, checked against REST, on every adapter."""

from __future__ import annotations

import pytest

from parse_compat.graphql.names import to_global_id

from .conftest import Client, GraphQLClient, signup

pytestmark = pytest.mark.asyncio

PATIENT = {"name": "P1", "email": "p1@x.org", "phone": "1"}
CREATE = """mutation Create($fields: CreatePatientFieldsInput) {
  createPatient(input: {fields: $fields, clientMutationId: "m1"}) {
    clientMutationId
    patient { id objectId name phone createdAt updatedAt ACL { users { userId read write } public { read } } }
  }
}"""
UPDATE = """mutation($id: ID!) {
  updatePatient(input: {id: $id, fields: {reminderOptOut: null, name: "Anne"}}) {
    patient { objectId name reminderOptOut updatedAt }
  }
}"""
LINK_PLAN = """mutation($p: ID) {
  createTreatmentPlan(input: {fields: {status: "open", treatmentDetails: "x", patient: {link: $p}}}) {
    treatmentPlan { objectId status patient { objectId name } }
  }
}"""
NESTED_PLAN = """mutation {
  createTreatmentPlan(input: {fields: {status: "new", treatmentDetails: "y",
                                       patient: {createAndLink: {name: "P2", email: "p2@x.org", phone: "2"}}}}) {
    treatmentPlan { patient { name } }
  }
}"""


async def test_create_get_update_delete_match_rest(api: Client, gql: GraphQLClient) -> None:
    alice = await signup(api, "alice")
    token, uid = alice["sessionToken"], alice["objectId"]
    acl = {"users": [{"userId": uid, "read": True, "write": True}]}
    fields = {"name": "Ann", "phone": "555", "email": "ann@x.org", "reminderOptOut": True, "ACL": acl}
    created = await gql(CREATE, {"fields": fields}, token=token)
    payload = created.data["createPatient"]
    patient = payload["patient"]
    assert payload["clientMutationId"] == "m1"
    assert patient["name"] == "Ann" and patient["id"] == to_global_id("Patient", patient["objectId"])
    assert patient["ACL"] == {"users": [{"userId": to_global_id("_User", uid), "read": True, "write": True}],
                              "public": None}
    rest = await api.get(f"/classes/Patient/{patient['objectId']}", session_token=token)
    assert rest.status == 200 and rest.body["name"] == "Ann"
    assert rest.body["ACL"] == {uid: {"read": True, "write": True}}
    assert rest.body["createdAt"] == patient["createdAt"]

    for given_id in (patient["id"], patient["objectId"]):  # a global id or an object id
        got = await gql("query($id: ID!) { patient(id: $id) { objectId name phone } }", {"id": given_id}, token=token)
        assert got.data["patient"] == {"objectId": patient["objectId"], "name": "Ann", "phone": "555"}

    updated = await gql(UPDATE, {"id": patient["id"]}, token=token)
    assert updated.data["updatePatient"]["patient"]["name"] == "Anne"
    assert updated.data["updatePatient"]["patient"]["reminderOptOut"] is None
    rest = await api.get(f"/classes/Patient/{patient['objectId']}", session_token=token)
    assert rest.body["name"] == "Anne" and "reminderOptOut" not in rest.body
    assert rest.body["updatedAt"] == updated.data["updatePatient"]["patient"]["updatedAt"]

    deleted = await gql("mutation($id: ID!) { deletePatient(input: {id: $id}) { patient { objectId name } } }",
                        {"id": patient["objectId"]}, token=token)
    assert deleted.data["deletePatient"]["patient"] == {"objectId": patient["objectId"], "name": "Anne"}
    gone = await api.get(f"/classes/Patient/{patient['objectId']}", session_token=token)
    assert gone.status == 404
    missing = await gql("query($id: ID!) { patient(id: $id) { objectId } }", {"id": patient["objectId"]}, token=token)
    assert missing.error_codes == [101] and missing.body["data"] is None


async def test_pointer_link_and_nested_create(api: Client, gql: GraphQLClient) -> None:
    bob = await signup(api, "bob")
    token = bob["sessionToken"]
    patient = await api.post("/classes/Patient", PATIENT, session_token=token)
    created = await gql(LINK_PLAN, {"p": to_global_id("Patient", patient.body["objectId"])}, token=token)
    plan = created.data["createTreatmentPlan"]["treatmentPlan"]
    assert plan["patient"] == {"objectId": patient.body["objectId"], "name": "P1"}
    rest = await api.get(f"/classes/TreatmentPlan/{plan['objectId']}", session_token=token)
    assert rest.body["patient"] == {"__type": "Pointer", "className": "Patient", "objectId": patient.body["objectId"]}
    nested = await gql(NESTED_PLAN, token=token)
    assert nested.data["createTreatmentPlan"]["treatmentPlan"]["patient"] == {"name": "P2"}
    stored = await api.get("/classes/Patient", params={"where": {"name": "P2"}}, session_token=token)
    assert len(stored.body["results"]) == 1
