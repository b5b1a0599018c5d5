"""The generated schema for the dental template carries Parse Server 9's names: types, query and
mutation fields, arguments, where inputs, order enums and Relay shapes (read by introspection)."""

from __future__ import annotations

from typing import Any

import pytest

from .conftest import Client, GraphQLClient

pytestmark = pytest.mark.asyncio

INTROSPECT = """{ __schema {
  queryType { fields { name args { name type { name kind ofType { name kind ofType { name } } } } } }
  mutationType { fields { name } }
  types { name kind fields { name } inputFields { name } enumValues { name } interfaces { name } } } }"""


async def _schema(gql: GraphQLClient) -> dict[str, Any]:
    return dict((await gql(INTROSPECT, master=True)).data["__schema"])


async def test_dental_classes_get_parse_server_names(api: Client, gql: GraphQLClient) -> None:
    schema = await _schema(gql)
    types = {t["name"]: t for t in schema["types"]}
    queries = {f["name"]: f for f in schema["queryType"]["fields"]}
    mutations = {f["name"] for f in schema["mutationType"]["fields"]}
    for name in ("Patient", "TreatmentPlan", "XRayLog", "AppointmentReminder", "User", "Role", "Session"):
        assert {f"{name}Connection", f"{name}Edge", f"{name}WhereInput", f"{name}RelationWhereInput", f"{name}Order",
                f"Create{name}FieldsInput", f"Update{name}FieldsInput", f"{name}PointerInput",
                f"{name}RelationInput", f"Create{name}Input", f"Create{name}Payload", f"Update{name}Input",
                f"Delete{name}Payload"} <= types.keys(), name
        assert {i["name"] for i in types[name]["interfaces"]} == {"ParseObject", "Node"}
        assert {f"create{name}", f"update{name}", f"delete{name}"} <= mutations
    assert {"patient", "patients", "treatmentPlan", "treatmentPlans", "xRayLog", "xRayLogs", "appointmentReminder",
            "appointmentReminders", "user", "users", "role", "roles", "node", "health", "viewer", "class",
            "classes"} <= queries.keys()
    assert {"signUp", "logIn", "logInWith", "logOut", "resetPassword", "sendVerificationEmail", "createClass",
            "updateClass", "deleteClass"} <= mutations
    assert [a["name"] for a in queries["patients"]["args"]] == ["where", "order", "skip", "after", "first",
                                                                 "before", "last", "options"]
    plan = {f["name"] for f in types["TreatmentPlan"]["fields"]}
    assert plan == {"id", "objectId", "createdAt", "updatedAt", "ACL", "patient", "status", "treatmentDetails"}
    assert "password" not in {f["name"] for f in types["User"]["fields"]}
    assert {f["name"] for f in types["PatientConnection"]["fields"]} == {"edges", "pageInfo", "count"}
    assert {f["name"] for f in types["PatientEdge"]["fields"]} == {"node", "cursor"}
    where = {f["name"] for f in types["TreatmentPlanWhereInput"]["inputFields"]}
    assert where == {"id", "objectId", "createdAt", "updatedAt", "ACL", "patient", "status", "treatmentDetails",
                     "OR", "AND", "NOR"}
    assert {f["name"] for f in types["PatientRelationWhereInput"]["inputFields"]} == {"have", "haveNot", "exists"}
    order = {v["name"] for v in types["PatientOrder"]["enumValues"]}
    assert {"createdAt_DESC", "createdAt_ASC", "name_ASC", "id_DESC", "objectId_ASC"} <= order
    assert {f["name"] for f in types["StringWhereInput"]["inputFields"]} == {
        "equalTo", "notEqualTo", "lessThan", "lessThanOrEqualTo", "greaterThan", "greaterThanOrEqualTo", "in",
        "notIn", "exists", "matchesRegex", "options", "text", "inQueryKey", "notInQueryKey"}
    assert {f["name"] for f in types["CreatePatientInput"]["inputFields"]} == {"fields", "clientMutationId"}
    assert {f["name"] for f in types["UpdatePatientInput"]["inputFields"]} == {"id", "fields", "clientMutationId"}
    assert {f["name"] for f in types["CreatePatientPayload"]["fields"]} == {"patient", "clientMutationId"}
    assert {f["name"] for f in types["Viewer"]["fields"]} == {"sessionToken", "user"}
    assert {f["name"] for f in types["PageInfo"]["fields"]} == {"hasNextPage", "hasPreviousPage", "startCursor",
                                                                "endCursor"}
