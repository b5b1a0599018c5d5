"""`POST /functions/{name}` end to end: results, params, identity, error codes, timeouts."""

from __future__ import annotations

import time

from .conftest import Client


async def signup(api: Client, name: str) -> str:
    reply = await api.post("/users", {"username": name, "password": "pw", "email": f"{name}@example.com"})
    assert reply.status == 201, reply.body
    return str(reply.body["sessionToken"])


async def test_function_result_params_and_caller(api: Client) -> None:
    reply = await api.post("/functions/hello", {"name": "Ann"})
    assert reply.status == 200 and reply.body == {"result": "Hello Ann"}
    token = await signup(api, "bob")
    reply = await api.post("/functions/hello", {}, session_token=token)
    assert reply.body == {"result": "Hello bob"}
    reply = await api.post("/functions/echo", {"a": 1, "d": {"__type": "Date", "iso": "2020-01-01T00:00:00.000Z"}},
                           master=True, headers={"X-Parse-Cloud-Context": '{"k": "v"}'}, params={"q": "s"})
    result = reply.body["result"]
    assert result["params"] == {"a": 1, "d": {"__type": "Date", "iso": "2020-01-01T00:00:00.000Z"}, "q": "s"}
    assert result["master"] is True and result["installationId"] == "cloud"
    assert result["context"] == {"k": "v"} and result["hasUser"] is False


async def test_function_returning_an_object_and_none(api: Client) -> None:
    await api.post("/schemas/Thing", {"className": "Thing", "fields": {"name": {"type": "String"}}}, master=True)
    reply = await api.post("/functions/makeThing", {"name": "x"})
    result = reply.body["result"]
    assert result["__type"] == "Object" and result["className"] == "Thing"
    assert result["name"] == "x" and result["upper"] == "X" and len(result["objectId"]) == 10
    reply = await api.post("/functions/nothing")
    assert reply.body == {"result": None}


async def test_unknown_function_is_141(api: Client) -> None:
    reply = await api.post("/functions/missing", {})
    assert reply.status == 400
    assert reply.body == {"code": 141, "error": 'Invalid function: "missing"'}
    reply = await api.get("/functions/hello")
    assert reply.status == 404


async def test_errors_keep_parse_codes_or_become_141(api: Client) -> None:
    reply = await api.post("/functions/customError")
    assert reply.status == 400 and reply.body == {"code": 1234, "error": "custom failure"}
    reply = await api.post("/functions/crash")
    assert reply.status == 400 and reply.body == {"code": 141, "error": "something broke"}


async def test_a_hanging_function_is_cut_off(api: Client) -> None:
    started = time.monotonic()
    reply = await api.post("/functions/slow")
    assert reply.body["code"] == 124 and "timed out" in reply.body["error"]
    reply = await api.post("/functions/slowSync")
    assert reply.body["code"] == 124
    assert time.monotonic() - started < 5


async def test_validators_on_functions(api: Client) -> None:
    reply = await api.post("/functions/needsUser")
    assert reply.body == {"code": 142, "error": "Validation failed. Please login to continue."}
    token = await signup(api, "carl")
    assert (await api.post("/functions/needsUser", session_token=token)).body == {"result": "ok"}
    reply = await api.post("/functions/needsMaster", session_token=token)
    assert reply.body == {"code": 142, "error": "Validation failed. Master key is required to complete this request."}
    assert (await api.post("/functions/needsMaster", master=True)).body == {"result": "ok"}
    reply = await api.post("/functions/typed", {})
    assert reply.body == {"code": 142, "error": "Validation failed. Please specify data for amount."}
    reply = await api.post("/functions/typed", {"amount": "3"})
    assert reply.body == {"code": 142, "error": "Validation failed. Invalid type for amount. Expected: number"}
    reply = await api.post("/functions/typed", {"amount": 3, "kind": "z"})
    assert reply.body == {"code": 142, "error": "Validation failed. Invalid option for kind. Expected: a, b"}
    reply = await api.post("/functions/typed", {"amount": 3})
    assert reply.body == {"result": {"amount": 3, "kind": "a"}}


async def test_sdk_runs_with_the_callers_rights(api: Client) -> None:
    await api.post("/schemas/Thing", {"className": "Thing", "fields": {"name": {"type": "String"}}}, master=True)
    await api.post("/classes/Thing", {"name": "private", "ACL": {}}, master=True)
    await api.post("/classes/Thing", {"name": "public"})
    reply = await api.post("/functions/countThings")
    assert reply.body == {"result": {"visible": 1, "all": 2}}
    reply = await api.post("/functions/callHello")
    assert reply.body == {"result": "Hello nested"}
