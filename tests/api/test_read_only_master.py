"""The read-only master key (issue 10, Deliver 4): it reads like the master key and writes through
no route at all — objects, batch, users, sessions, roles, installations, config, schemas, purge,
files, schedules, hooks, push. Each refusal is checked to leave the data as it was."""

from __future__ import annotations

from typing import Any

import pytest

from .conftest import Client

pytestmark = pytest.mark.asyncio
READ_ONLY_KEY = "read-only-key"
RO = {"headers": {"X-Parse-Master-Key": READ_ONLY_KEY}}


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return {"schema": None, "readOnlyMasterKey": READ_ONLY_KEY, "idempotencyOptions": {"paths": [".*"]}}


async def _world(api: Client) -> dict[str, str]:
    user = await api.post("/users", {"username": "alice", "password": "pw-alice"})
    assert user.status == 201, user.body
    item = await api.post("/classes/Item", {"n": 1}, master=True)
    role = await api.post("/roles", {"name": "staff", "ACL": {"*": {"read": True}}}, master=True)
    install = await api.post("/installations", {"installationId": "11111111-2222-3333-4444-555555555555",
                                                "deviceType": "ios"}, master=True)
    config = await api.put("/config", {"params": {"motd": "hello"}}, master=True)
    assert item.status == role.status == install.status == 201 and config.status == 200
    return {"user": user.body["objectId"], "token": user.body["sessionToken"], "item": item.body["objectId"],
            "role": role.body["objectId"], "installation": install.body["objectId"]}


async def _snapshot(api: Client) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for class_name in ("Item", "_User", "_Role", "_Session", "_Installation", "_JobSchedule"):
        reply = await api.get(f"/classes/{class_name}", master=True, params={"order": "objectId"})
        assert reply.status == 200, reply.body
        out[class_name] = reply.body["results"]
    out["config"] = (await api.get("/config", master=True)).body
    idempotency = await api.get("/classes/_Idempotency", master=True)
    out["_Idempotency"] = idempotency.body.get("results", [])
    out["schemas"] = sorted((s["className"], sorted(s["fields"])) for s in
                            (await api.get("/schemas", master=True)).body["results"])
    return out


def _writes(ids: dict[str, str]) -> list[tuple[str, str, Any]]:
    user, item, role, inst = ids["user"], ids["item"], ids["role"], ids["installation"]
    return [
        ("POST", "/classes/Item", {"n": 2}),
        ("POST", "/classes/NewClass", {"n": 2}),
        ("PUT", f"/classes/Item/{item}", {"n": 3}),
        ("PUT", f"/classes/Item/{item}", {"n": {"__op": "Increment", "amount": 1}}),
        ("DELETE", f"/classes/Item/{item}", None),
        ("POST", "/batch", {"requests": [{"method": "POST", "path": "/parse/classes/Item", "body": {"n": 9}}]}),
        ("POST", "/batch", {"transaction": True,
                            "requests": [{"method": "PUT", "path": f"/parse/classes/Item/{item}", "body": {"n": 9}}]}),
        ("POST", "/users", {"username": "mallory", "password": "pw-mallory"}),
        ("PUT", f"/users/{user}", {"username": "renamed"}),
        ("PUT", f"/users/{user}", {"password": "new-password"}),
        ("DELETE", f"/users/{user}", None),
        ("POST", "/sessions", {"user": {"__type": "Pointer", "className": "_User", "objectId": user}}),
        ("POST", "/roles", {"name": "administrator", "ACL": {"*": {"read": True}}}),
        ("PUT", f"/roles/{role}", {"users": {"__op": "AddRelation", "objects": [
            {"__type": "Pointer", "className": "_User", "objectId": user}]}}),
        ("DELETE", f"/roles/{role}", None),
        ("POST", "/installations", {"installationId": "99999999-2222-3333-4444-555555555555", "deviceType": "ios"}),
        ("PUT", f"/installations/{inst}", {"deviceToken": "stolen"}),
        ("DELETE", f"/installations/{inst}", None),
        ("PUT", "/config", {"params": {"motd": "pwned"}}),
        ("POST", "/schemas/Other", {"className": "Other", "fields": {"a": {"type": "String"}}}),
        ("PUT", "/schemas/Item", {"fields": {"extra": {"type": "String"}}}),
        ("DELETE", "/schemas/Item", None),
        ("DELETE", "/purge/Item", None),
        ("POST", "/cloud_code/jobs", {"job_schedule": {"jobName": "any"}}),
        ("POST", "/hooks/functions", {"functionName": "f", "url": "https://example.com/hook"}),
        ("POST", "/push", {"where": {}, "data": {"alert": "hi"}}),
    ]


async def test_the_read_only_key_writes_through_no_route(api: Client) -> None:
    ids = await _world(api)
    before = await _snapshot(api)
    for number, (method, path, body) in enumerate(_writes(ids)):
        headers = {**RO["headers"], "X-Parse-Request-Id": f"ro-{number}"}  # the key claims no request id either
        reply = await api.request(method, path, body, headers=headers)
        if path == "/batch":  # a batch answers 200 with each item's error, or refuses as a whole
            codes = [item["error"]["code"] for item in reply.body] if isinstance(reply.body, list) else [
                reply.body["code"]]
            # parse-compat: a transaction on a database without transactions is refused as a whole (108)
            assert codes in ([119], [108]), (method, path, reply.body)
            continue
        assert reply.status in (400, 403), (method, path, reply.status, reply.body)
        assert reply.body["code"] == 119, (method, path, reply.body)
        assert "read-only masterKey" in reply.body["error"], (method, path, reply.body)
    assert await _snapshot(api) == before


async def test_the_read_only_key_with_a_users_session_still_cannot_write(api: Client) -> None:
    ids = await _world(api)
    before = await _snapshot(api)
    for method, path, body in _writes(ids)[:5]:
        reply = await api.request(method, path, body, session_token=ids["token"], **RO)
        assert reply.body["code"] == 119, (method, path, reply.body)
    assert await _snapshot(api) == before


async def test_the_read_only_key_still_reads_everything(api: Client) -> None:
    ids = await _world(api)
    private = await api.post("/classes/Item", {"n": 5, "ACL": {}}, master=True)
    assert private.status == 201
    found = await api.get("/classes/Item", **RO)
    assert sorted(row["n"] for row in found.body["results"]) == [1, 5]
    assert (await api.get(f"/installations/{ids['installation']}", **RO)).status == 200
    assert (await api.get("/schemas", **RO)).status == 200
    assert (await api.get("/config", **RO)).body["params"] == {"motd": "hello"}


async def test_the_read_only_key_cannot_upload_or_delete_files(api: Client) -> None:
    stored = await api.post("/files/note.txt", raw=b"hello", master=True, headers={"Content-Type": "text/plain"})
    assert stored.status == 201, stored.body
    upload = await api.post("/files/evil.txt", raw=b"x", headers={"Content-Type": "text/plain",
                                                                   "X-Parse-Master-Key": READ_ONLY_KEY})
    assert upload.status == 403
    delete = await api.delete(f"/files/{stored.body['name']}", **RO)
    assert delete.status == 403
    still = await api.get(f"/files/test-app/{stored.body['name']}", master=True)
    assert still.status == 200 and still.body == "hello"
