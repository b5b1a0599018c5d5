"""Exploit 4 of issue 10: the read-only master key in cloud code. `request.master` is true for
it, as in Parse Server 9 (`request.is_read_only` tells them apart), but no write gets through:
`request.sdk.as_master()` reads with master power and every write it tries is refused with 119,
in functions, triggers and jobs alike — the template's role-changing function included."""

from __future__ import annotations

import json
from typing import Any

import pytest

from .conftest import Client
from .dental_support import practice

READ_ONLY_KEY = "read-only-key"
RO = {"headers": {"X-Parse-Master-Key": READ_ONLY_KEY}}


async def _audit_rows(api: Client) -> list[dict[str, Any]]:
    reply = await api.get("/classes/Audit", master=True)
    return list(reply.body.get("results", [])) if reply.status == 200 else []


@pytest.mark.parametrize("settings_overrides", [{"cloud": "tests.cloud.read_only_module", "schema": None,
                                                 "readOnlyMasterKey": READ_ONLY_KEY}])
async def test_functions_called_with_the_read_only_key_cannot_write(api: Client) -> None:
    seed = await api.post("/functions/createAsMaster", {}, master=True)
    assert seed.status == 200, seed.body
    audit_id = seed.body["result"]
    before = await _audit_rows(api)
    for name, params, operation in (("createAsMaster", {}, "create"), ("createAsCaller", {}, "create"),
                                    ("saveAsMaster", {}, "create"), ("updateAsMaster", {"id": audit_id}, "update"),
                                    ("deleteAsMaster", {"id": audit_id}, "delete"),
                                    ("claimAsMaster", {"id": audit_id}, "update")):
        reply = await api.post(f"/functions/{name}", params, **RO)
        assert reply.body == {"code": 119, "error": f"read-only masterKey isn't allowed to perform the {operation} "
                                                    "operation."}, name
    assert await _audit_rows(api) == before
    who = await api.post("/functions/whoAmI", {}, **RO)
    assert who.body == {"result": {"master": True, "readOnly": True, "sdkReadOnly": True}}
    assert (await api.post("/functions/whoAmI", {}, master=True)).body["result"]["readOnly"] is False
    # reads keep master power (the Audit row has an empty ACL) and master-only validators pass
    assert (await api.post("/functions/countAsMaster", {}, **RO)).body == {"result": 1}


@pytest.mark.parametrize("settings_overrides", [{"cloud": "tests.cloud.read_only_module", "schema": None,
                                                 "readOnlyMasterKey": READ_ONLY_KEY}])
async def test_a_trigger_run_for_a_read_only_request_cannot_write_as_master(api: Client) -> None:
    assert (await api.post("/classes/Probe", {"n": 1}, master=True)).status == 201
    refused = await api.get("/classes/Probe", **RO)
    assert refused.body == {"code": 119, "error": "read-only masterKey isn't allowed to perform the create "
                                                  "operation."}
    assert await _audit_rows(api) == []
    allowed = await api.get("/classes/Probe", master=True)  # the same trigger writes for the master key
    assert allowed.status == 200 and [row["by"] for row in await _audit_rows(api)] == ["beforeFind"]


@pytest.mark.parametrize("settings_overrides", [{"cloud": "tests.cloud.read_only_module", "schema": None,
                                                 "readOnlyMasterKey": READ_ONLY_KEY}])
async def test_jobs_are_not_started_with_the_read_only_key(api: Client) -> None:
    for path, body in (("/jobs/anything", {}), ("/jobs", {"jobName": "anything"})):
        reply = await api.post(path, body, **RO)
        assert reply.body == {"code": 119, "error": "read-only masterKey isn't allowed to run a job."}
    status = await api.get("/classes/_JobStatus", master=True)
    assert status.body["results"] == []


@pytest.mark.parametrize("settings_overrides", [{"cloud": "cloud_code", "readOnlyMasterKey": READ_ONLY_KEY}])
async def test_the_templates_set_user_role_refuses_the_read_only_key(api: Client) -> None:
    clinic = await practice(api)
    reply = await api.post("/functions/setUserRole", {"userId": clinic.staff1.id, "role": "administrator"}, **RO)
    assert reply.body == {"code": 119, "error": "read-only masterKey isn't allowed to perform the update operation."}
    user = await api.get(f"/users/{clinic.staff1.id}", master=True)
    assert user.body["role"] == "staff"
    admins = (await api.get("/roles", master=True, params={"where": json.dumps({"name": "administrator"})})).body
    where = {"$relatedTo": {"object": {"__type": "Pointer", "className": "_Role",
                                       "objectId": admins["results"][0]["objectId"]}, "key": "users"}}
    members = (await api.get("/users", master=True, params={"where": json.dumps(where)})).body["results"]
    assert [m["objectId"] for m in members] == [clinic.admin.id]
    # the same function still works for an administrator's session
    promoted = await api.post("/functions/setUserRole", {"userId": clinic.staff1.id, "role": "administrator"},
                              session_token=clinic.admin.token)
    assert promoted.status == 200, promoted.body
