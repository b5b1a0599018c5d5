"""Issue 10, exploit 5 (role squatting): the template's `administrator` and `staff` roles are
made by the server at boot, owned by master, changeable by administrators only; clients cannot
create roles; a role of those names that a client made before the template booted is repaired
at boot (ACL reset, members not holding that `User.role` removed, nested roles removed) with a
warning, never adopted as it was."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import pytest

from .conftest import Client, Running, start
from .dental_support import PASSWORD, Member, member, pointer, practice

ADMIN_ONLY = {"role:administrator": {"read": True, "write": True}}


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return {"cloud": "cloud_code"}


async def role(api: Client, name: str) -> dict[str, Any]:
    rows = (await api.get("/roles", master=True, params={"where": json.dumps({"name": name})})).body["results"]
    assert len(rows) == 1, rows
    return dict(rows[0])


async def members(api: Client, role_id: str, key: str = "users") -> set[str]:
    where = {"$relatedTo": {"object": pointer("_Role", role_id), "key": key}}
    path = "/users" if key == "users" else "/roles"
    return {row["objectId"] for row in (await api.get(path, master=True, params={"where": json.dumps(where)})).body[
        "results"]}


async def test_the_roles_exist_at_boot_owned_by_master_and_clients_cannot_create_roles(api: Client) -> None:
    for name in ("administrator", "staff"):
        made = await role(api, name)
        assert made["ACL"] == ADMIN_ONLY
    user = await member(api, "mallory")
    for name in ("administrator", "staff", "anything"):
        squat = await api.post("/roles", {"name": name, "ACL": {user.id: {"read": True, "write": True}},
                                          "users": {"__op": "AddRelation", "objects": [pointer("_User", user.id)]}},
                               session_token=user.token)
        assert squat.body == {"code": 119, "error": "Permission denied"}, squat.body
    anonymous = await api.post("/roles", {"name": "x", "ACL": {}})
    assert anonymous.body["code"] == 119
    assert (await api.get("/roles", master=True, params={"count": 1, "limit": 0})).body["count"] == 2
    # staff cannot change the roles either (ACL: administrators only)
    admin_role = await role(api, "administrator")
    climb = await api.put(f"/roles/{admin_role['objectId']}",
                          {"users": {"__op": "AddRelation", "objects": [pointer("_User", user.id)]}},
                          session_token=user.token)
    assert climb.body["code"] in (101, 119), climb.body
    assert user.id not in await members(api, admin_role["objectId"])


async def test_a_tampered_role_is_repaired_at_boot(running: Running, caplog: pytest.LogCaptureFixture) -> None:
    api = running.client
    clinic = await practice(api)
    mallory = await member(api, "mallory")
    admin_role = await role(api, "administrator")
    rid = admin_role["objectId"]
    side = await api.post("/roles", {"name": "sidekicks", "ACL": {mallory.id: {"read": True, "write": True}},
                                     "users": {"__op": "AddRelation", "objects": [pointer("_User", mallory.id)]}},
                          master=True)
    await api.put(f"/roles/{rid}", {"ACL": {mallory.id: {"read": True, "write": True}},
                                    "users": {"__op": "AddRelation", "objects": [pointer("_User", mallory.id)]},
                                    "roles": {"__op": "AddRelation",
                                              "objects": [pointer("_Role", side.body["objectId"])]}}, master=True)
    assert mallory.id in await members(api, rid)
    with caplog.at_level(logging.WARNING, logger="cloud_code.roles"):
        await running.runtime.boot()  # what the next start of the server runs
    repaired = await role(api, "administrator")
    assert repaired["ACL"] == ADMIN_ONLY
    assert await members(api, rid) == {clinic.admin.id}
    assert await members(api, rid, "roles") == set()
    assert any("administrator role was not as the template makes it" in r.getMessage() for r in caplog.records)
    assert not any("mallory" in r.getMessage() for r in caplog.records)  # counts only, no names


async def test_a_removed_staff_member_stays_out_of_the_roles_after_a_restart(running: Running) -> None:
    api = running.client
    clinic = await practice(api)
    removed = await clinic.as_(clinic.admin, "POST", "/functions/removeStaff", {"userId": clinic.staff2.id})
    assert removed.status == 200, removed.body
    staff_role = (await role(api, "staff"))["objectId"]
    assert clinic.staff2.id not in await members(api, staff_role)
    await running.runtime.boot()  # what the next start of the server runs: the role repair
    assert clinic.staff2.id not in await members(api, staff_role)
    assert clinic.staff1.id in await members(api, staff_role)
    # the role field cannot be emptied by anyone but the master key (a user on their own row included)
    emptied = await clinic.as_(clinic.staff1, "PUT", f"/users/{clinic.staff1.id}", {"role": {"__op": "Delete"}})
    assert emptied.status == 400 and emptied.body["code"] == 142, emptied.body


@pytest.mark.parametrize("adapter_name", ["sqlite"])
async def test_a_role_squatted_before_the_template_booted_is_not_adopted(tmp_path: Path, adapter_name: str) -> None:
    # 1. a plain Parse app (no template): anyone may sign up and create roles, as in Parse
    server, api, session = await start(tmp_path, adapter_name, {"cloud": None, "schema": None})
    try:
        signed = await api.post("/users", {"username": "mallory", "password": PASSWORD})
        assert signed.status == 201, signed.body
        mallory = Member(signed.body["objectId"], signed.body["sessionToken"])
        squat = await api.post("/roles", {"name": "administrator",
                                          "ACL": {mallory.id: {"read": True, "write": True}},
                                          "users": {"__op": "AddRelation",
                                                    "objects": [pointer("_User", mallory.id)]}},
                               session_token=mallory.token)
        assert squat.status == 201, squat.body
    finally:
        await session.close()
        await server.close()
    # 2. the template boots on the same database
    server, api, session = await start(tmp_path, adapter_name, {"cloud": "cloud_code"})
    try:
        adopted = await role(api, "administrator")
        assert adopted["objectId"] == squat.body["objectId"]
        assert adopted["ACL"] == ADMIN_ONLY
        assert await members(api, adopted["objectId"]) == set()
        login = await api.post("/login", {"username": "mallory", "password": PASSWORD})
        patients = await api.get("/classes/Patient", session_token=login.body["sessionToken"])
        assert patients.body["results"] == []
        promote = await api.post("/functions/setUserRole", {"userId": mallory.id, "role": "administrator"},
                                 session_token=login.body["sessionToken"])
        assert promote.body["code"] == 142  # not an administrator
    finally:
        await session.close()
        await server.close()
