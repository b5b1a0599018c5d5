"""`callCloudCode` runs `POST /functions/<name>` as the caller (validators included), its
`functionName` an enum of the registered functions; `node(id)` resolves any class's global id."""

from __future__ import annotations

from pathlib import Path

import pytest

from parse_compat.graphql.names import to_global_id

from .conftest import Client, GraphQLClient, signup

pytestmark = [pytest.mark.asyncio, pytest.mark.settings(cloud="tests.graphql.cloud_functions")]

CALL = """mutation($name: CloudCodeFunction!, $params: Object) {
  callCloudCode(input: {functionName: $name, params: $params, clientMutationId: "c"}) { result clientMutationId } }"""


async def test_call_cloud_code_as_the_caller(api: Client, gql: GraphQLClient) -> None:
    gina = await signup(api, "gina")
    answer = await gql(CALL, {"name": "greet", "params": {"name": "Ann"}}, token=gina["sessionToken"])
    assert answer.data["callCloudCode"] == {"result": {"hello": "Ann", "user": gina["objectId"]},
                                            "clientMutationId": "c"}
    refused = await gql(CALL, {"name": "countPatients"})
    rest = await api.post("/functions/countPatients", {})
    assert refused.error_codes == [rest.body["code"]]
    counted = await gql(CALL, {"name": "countPatients"}, token=gina["sessionToken"])
    assert counted.data["callCloudCode"]["result"] == 0
    values = await gql('{ __type(name: "CloudCodeFunction") { enumValues { name } } }', master=True)
    assert [v["name"] for v in values.data["__type"]["enumValues"]] == ["countPatients", "greet"]


async def test_node_resolves_a_global_id_to_its_type(api: Client, gql: GraphQLClient) -> None:
    hank = await signup(api, "hank")
    patient = await api.post("/classes/Patient", {"name": "N", "email": "n@x.org", "phone": "1"},
                             session_token=hank["sessionToken"])
    answer = await gql("query($id: ID!) { node(id: $id) { __typename id ... on Patient { name } } }",
                       {"id": to_global_id("Patient", patient.body["objectId"])}, token=hank["sessionToken"])
    assert answer.data["node"] == {"__typename": "Patient", "id": to_global_id("Patient", patient.body["objectId"]),
                                   "name": "N"}


CUSTOM_SDL = str(Path(__file__).with_name("custom.graphql"))


@pytest.mark.settings(cloud="tests.graphql.cloud_functions", graphQLSchema=CUSTOM_SDL)
async def test_custom_sdl_resolves_to_cloud_functions_as_the_caller(api: Client, gql: GraphQLClient) -> None:
    mona = await signup(api, "mona")
    answer = await gql('{ greeting(name: "Ann") greet(name: "Bo") motto }', token=mona["sessionToken"])
    assert answer.data == {"greeting": {"hello": "Ann", "user": mona["objectId"]},
                           "greet": {"hello": "Bo", "user": mona["objectId"]}, "motto": "Healthy teeth"}
    refused = await gql("mutation { patientCount }")
    rest = await api.post("/functions/countPatients", {})
    assert refused.error_codes == [rest.body["code"]]
    counted = await gql("mutation { patientCount }", token=mona["sessionToken"])
    assert counted.data == {"patientCount": 0}
