"""Users through GraphQL (signUp, logIn, viewer, logOut, resetPassword), cloud functions, health,
the README's examples, and a schema that follows the classes without a restart."""

from __future__ import annotations

import pytest

from parse_compat.graphql.names import to_global_id

from .conftest import Client, GraphQLClient, signup

pytestmark = pytest.mark.asyncio

SIGN_UP = """mutation { signUp(input: {fields: {username: "fay", password: "pw-fay-123", email: "fay@x.org"}}) {
  viewer { sessionToken user { id objectId username } } } }"""
LOG_IN = """mutation { logIn(input: {username: "fay", password: "pw-fay-123"}) {
  viewer { sessionToken user { objectId username } } } }"""
README_QUERY = """{ treatmentPlans(where: {status: {equalTo: "open"}}, order: [createdAt_DESC], first: 5) {
       count edges { node { id status treatmentDetails patient { name phone } } } } }"""
README_MUTATION = """mutation($fields: CreatePatientFieldsInput) {
  createPatient(input: {fields: $fields}) { patient { id objectId } } }"""


async def test_sign_up_log_in_viewer_log_out(api: Client, gql: GraphQLClient) -> None:
    signed = (await gql(SIGN_UP)).data["signUp"]["viewer"]
    user_id = signed["user"]["objectId"]
    assert signed["user"] == {"id": to_global_id("_User", user_id), "objectId": user_id, "username": "fay"}
    me = await api.get("/users/me", session_token=signed["sessionToken"])
    assert me.status == 200 and me.body["objectId"] == user_id
    logged = (await gql(LOG_IN)).data["logIn"]["viewer"]
    assert logged["user"] == {"objectId": user_id, "username": "fay"} and logged["sessionToken"]
    viewer = await gql("{ viewer { sessionToken user { username } } }", token=logged["sessionToken"])
    assert viewer.data["viewer"] == {"sessionToken": logged["sessionToken"], "user": {"username": "fay"}}
    wrong = await gql('mutation { logIn(input: {username: "fay", password: "nope"}) { viewer { sessionToken } } }')
    rest_wrong = await api.post("/login", {"username": "fay", "password": "nope"})
    assert wrong.error_codes == [rest_wrong.body["code"]]
    out = await gql('mutation { logOut(input: {clientMutationId: "x"}) { ok clientMutationId } }',
                    token=logged["sessionToken"])
    assert out.data["logOut"] == {"ok": True, "clientMutationId": "x"}
    gone = await api.get("/users/me", session_token=logged["sessionToken"])
    assert gone.status == 400 and gone.body["code"] == 209
    anonymous = await gql("{ viewer { sessionToken } }")
    assert anonymous.error_codes == [209]
    reset = await gql('mutation { resetPassword(input: {email: "fay@x.org"}) { ok } }')
    assert reset.data == {"resetPassword": {"ok": True}}


async def test_readme_examples_and_health(api: Client, gql: GraphQLClient) -> None:
    signed = (await gql(SIGN_UP)).data["signUp"]["viewer"]
    token, user_id = signed["sessionToken"], signed["user"]["objectId"]
    fields = {"name": "Ann Lee", "email": "ann@example.com", "phone": "555-0100",
              "ACL": {"users": [{"userId": user_id, "read": True, "write": True}]}}
    patient = (await gql(README_MUTATION, {"fields": fields}, token=token)).data["createPatient"]["patient"]
    pointer = {"__type": "Pointer", "className": "Patient", "objectId": patient["objectId"]}
    for status in ("open", "done"):
        reply = await api.post("/classes/TreatmentPlan", {"patient": pointer, "status": status,
                                                          "treatmentDetails": "crown"}, session_token=token)
        assert reply.status == 201
    plans = (await gql(README_QUERY, token=token)).data["treatmentPlans"]
    assert plans["count"] == 1
    assert plans["edges"][0]["node"]["patient"] == {"name": "Ann Lee", "phone": "555-0100"}
    assert (await gql("{ health }")).data == {"health": True}


async def test_schema_follows_new_classes_and_fields_without_restart(api: Client, gql: GraphQLClient) -> None:
    before = await gql("{ rooms { count } }", master=True)
    assert before.status == 400
    reply = await api.post("/schemas/Room", {"className": "Room", "fields": {"label": {"type": "String"}}},
                           master=True)
    assert reply.status == 200, reply.body
    created = await gql('mutation { createRoom(input: {fields: {label: "A"}}) { room { label } } }', master=True)
    assert created.data == {"createRoom": {"room": {"label": "A"}}}
    reply = await api.put("/schemas/Room", {"fields": {"floor": {"type": "Number"}}}, master=True)
    assert reply.status == 200, reply.body
    found = await gql("{ rooms(where: {floor: {exists: false}}) { edges { node { label floor } } } }", master=True)
    assert found.data == {"rooms": {"edges": [{"node": {"label": "A", "floor": None}}]}}


CREATE_CLASS = """mutation { createClass(input: {name: "Clinic", schemaFields: {
  addStrings: [{name: "city"}], addPointers: [{name: "head", targetClassName: "_User"}], addGeoPoint: {name: "at"}}}) {
  class { name schemaFields { name __typename ... on SchemaPointerField { targetClassName } } } } }"""


async def test_class_schema_fields_need_the_master_key(api: Client, gql: GraphQLClient) -> None:
    created = await gql(CREATE_CLASS, master=True)
    fields = {f["name"]: f for f in created.data["createClass"]["class"]["schemaFields"]}
    assert created.data["createClass"]["class"]["name"] == "Clinic"
    assert fields["city"]["__typename"] == "SchemaStringField" and fields["at"]["__typename"] == "SchemaGeoPointField"
    assert fields["head"] == {"name": "head", "__typename": "SchemaPointerField", "targetClassName": "_User"}
    rest = await api.get("/schemas/Clinic", master=True)
    assert rest.body["fields"]["head"] == {"type": "Pointer", "targetClass": "_User"}
    updated = await gql("""mutation { updateClass(input: {name: "Clinic", schemaFields: {addNumbers: [{name: "chairs"}],
                           remove: [{name: "city"}]}}) { class { schemaFields { name } } } }""", master=True)
    names = {f["name"] for f in updated.data["updateClass"]["class"]["schemaFields"]}
    assert "chairs" in names and "city" not in names
    duplicate = await gql('mutation { updateClass(input: {name: "Clinic", schemaFields: {addStrings: [{name: "at"}]}})'
                          ' { class { name } } }', master=True)
    assert duplicate.error_codes == [105]
    listed = await gql("{ classes { name } }", master=True)
    assert "Clinic" in {c["name"] for c in listed.data["classes"]}
    ivan = await signup(api, "ivan")
    for query in ('{ class(name: "Clinic") { name } }', "{ classes { name } }",
                  'mutation { deleteClass(input: {name: "Clinic"}) { class { name } } }'):
        refused = await gql(query, token=ivan["sessionToken"])
        assert refused.error_codes == [119], refused.body
    read_only = await gql('mutation { deleteClass(input: {name: "Clinic"}) { class { name } } }', read_only=True)
    assert read_only.error_codes == [119]
    deleted = await gql('mutation { deleteClass(input: {name: "Clinic"}) { class { name } } }', master=True)
    assert deleted.data == {"deleteClass": {"class": {"name": "Clinic"}}}
    assert (await api.get("/schemas/Clinic", master=True)).status == 400


async def test_classes_whose_type_names_collide_are_left_out(api: Client, gql: GraphQLClient) -> None:
    for name in ("Class", "PatientConnection", "Viewer", "Room"):
        reply = await api.post(f"/schemas/{name}", {"className": name, "fields": {"label": {"type": "String"}}},
                               master=True)
        assert reply.status == 200, reply.body
    answer = await gql("{ health rooms { count } patients { count } }", master=True)
    assert answer.data == {"health": True, "rooms": {"count": 0}, "patients": {"count": 0}}
    missing = await gql("{ patientConnections { count } }", master=True)
    assert missing.status == 400
