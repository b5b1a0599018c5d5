"""Issue 16, the share dialog's list of people: `listColleagues` answers signed-in staff and
administrators with the active members of the staff role as `{userId, username}` only (no email
or other field of the accounts), without the caller or removed colleagues, and bounded; anyone
else is refused."""

from __future__ import annotations

import json
from typing import Any

import pytest

import cloud_code.sharing

from .conftest import Client
from .dental_support import Member, Practice, member, practice

REFUSED_ROLE = {"code": 142, "error": "Validation failed. User does not match the required roles."}


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return {"cloud": "cloud_code"}


async def colleagues(clinic: Practice, who: Member | None) -> Any:
    return await clinic.as_(who, "POST", "/functions/listColleagues", {})


async def test_staff_and_administrators_get_usernames_and_nothing_else(api: Client) -> None:
    clinic = await practice(api)
    seen = await colleagues(clinic, clinic.staff1)
    assert seen.status == 200, seen.body
    assert seen.body == {"result": [{"userId": clinic.staff2.id, "username": "staff2"}]}
    assert "@" not in json.dumps(seen.body)  # no email address leaks
    by_admin = await colleagues(clinic, clinic.admin)
    assert by_admin.body == {"result": [{"userId": clinic.staff1.id, "username": "staff1"},
                                        {"userId": clinic.staff2.id, "username": "staff2"}]}
    # the list names people the caller still cannot read directly
    direct = await clinic.as_(clinic.staff1, "GET", f"/users/{clinic.staff2.id}")
    assert direct.status == 404, direct.body


async def test_anonymous_and_non_staff_callers_are_refused(api: Client) -> None:
    clinic = await practice(api)
    anonymous = await colleagues(clinic, None)
    assert anonymous.body == {"code": 142, "error": "Validation failed. Please login to continue."}
    outsider = await member(api, "outsider")
    role = await api.get("/roles", master=True, params={"where": json.dumps({"name": "staff"})})
    role_id = role.body["results"][0]["objectId"]
    taken_out = await api.put(f"/roles/{role_id}", {"users": {"__op": "RemoveRelation", "objects": [
        {"__type": "Pointer", "className": "_User", "objectId": outsider.id}]}}, master=True)
    assert taken_out.status == 200, taken_out.body
    refused = await colleagues(clinic, outsider)
    assert refused.body == REFUSED_ROLE
    listed = await colleagues(clinic, clinic.staff1)
    assert [row["username"] for row in listed.body["result"]] == ["staff2"]


async def test_removed_colleagues_are_not_listed(api: Client) -> None:
    clinic = await practice(api)
    removed = await clinic.as_(clinic.admin, "POST", "/functions/removeStaff", {"userId": clinic.staff2.id})
    assert removed.status == 200, removed.body
    assert (await colleagues(clinic, clinic.staff1)).body == {"result": []}
    assert (await colleagues(clinic, clinic.admin)).body == {"result": [{"userId": clinic.staff1.id,
                                                                         "username": "staff1"}]}


async def test_a_removed_account_put_back_in_the_role_is_still_not_listed(api: Client) -> None:
    clinic = await practice(api)
    await clinic.as_(clinic.admin, "POST", "/functions/removeStaff", {"userId": clinic.staff2.id})
    role = await api.get("/roles", master=True, params={"where": json.dumps({"name": "staff"})})
    role_id = role.body["results"][0]["objectId"]
    # as the boot-time role repair does for a removed account whose User.role is still "staff"
    await api.put(f"/roles/{role_id}", {"users": {"__op": "AddRelation", "objects": [
        {"__type": "Pointer", "className": "_User", "objectId": clinic.staff2.id}]}}, master=True)
    assert (await colleagues(clinic, clinic.staff1)).body == {"result": []}


async def test_the_list_is_bounded(api: Client, monkeypatch: pytest.MonkeyPatch) -> None:
    clinic = await practice(api)
    for name in ("staff3", "staff4"):
        await member(api, name)
    monkeypatch.setattr(cloud_code.sharing, "MAX_COLLEAGUES", 2)
    listed = await colleagues(clinic, clinic.admin)
    assert [row["username"] for row in listed.body["result"]] == ["staff1", "staff2"]
