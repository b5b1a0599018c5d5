"""The permission matrix (tests/cases/permission_matrix.json) on every storage adapter.

Callers: master, read-only master, owner, other user, role member (through a nested role),
anonymous; ACLs × CLPs × get/find/count/create/update/delete, each with the Parse code of the
denial or the number of objects visible.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from .conftest import Client

pytestmark = pytest.mark.asyncio
MATRIX = json.loads((Path(__file__).resolve().parents[1] / "cases" / "permission_matrix.json").read_text())
READ_ONLY_KEY = "read-only-key"


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return {"schema": None, "readOnlyMasterKey": READ_ONLY_KEY}


async def _user(api: Client, name: str) -> dict[str, Any]:
    reply = await api.post("/users", {"username": name, "password": "pw-" + name})
    assert reply.status == 201, reply.body
    return reply.body


def _pointer(class_name: str, object_id: str) -> dict[str, str]:
    return {"__type": "Pointer", "className": class_name, "objectId": object_id}


async def _setup(api: Client) -> dict[str, Any]:
    users = {name: await _user(api, name) for name in ("owner", "other", "member")}
    clinic = await api.post("/roles", {"name": "clinic", "ACL": {"*": {"read": True}},
                                       "users": {"__op": "AddRelation",
                                                 "objects": [_pointer("_User", users["member"]["objectId"])]}},
                            master=True)
    assert clinic.status == 201, clinic.body
    practice = await api.post("/roles", {"name": "practice", "ACL": {"*": {"read": True}},
                                         "roles": {"__op": "AddRelation",
                                                   "objects": [_pointer("_Role", clinic.body["objectId"])]}},
                              master=True)
    assert practice.status == 201, practice.body
    return users


def _headers(caller: str, users: dict[str, Any]) -> dict[str, Any]:
    if caller == "master":
        return {"master": True}
    if caller == "readonly":
        return {"headers": {"X-Parse-Master-Key": READ_ONLY_KEY}}
    if caller == "anonymous":
        return {}
    return {"session_token": users[caller]["sessionToken"]}


def _acl(name: str, owner_id: str) -> dict[str, Any] | None:
    acl = MATRIX["acls"][name]
    if acl is None:
        return None
    return {owner_id if key == "$owner" else key: value for key, value in acl.items()}


async def _run(api: Client, class_name: str, row: dict[str, Any], users: dict[str, Any]) -> Any:
    owner_id = users["owner"]["objectId"]
    body: dict[str, Any] = {"v": 1}
    acl = _acl(row["acl"], owner_id)
    if acl is not None:
        body["ACL"] = acl
    created = await api.post(f"/classes/{class_name}", body, master=True)
    assert created.status == 201, created.body
    object_id = created.body["objectId"]
    who = _headers(row["caller"], users)
    op = row["op"]
    if op == "get":
        reply = await api.get(f"/classes/{class_name}/{object_id}", **who)
    elif op == "find":
        reply = await api.get(f"/classes/{class_name}", params={"where": {"objectId": object_id}}, **who)
    elif op == "count":
        reply = await api.get(f"/classes/{class_name}", params={"where": {"objectId": object_id}, "count": 1,
                                                                 "limit": 0}, **who)
    elif op == "create":
        reply = await api.post(f"/classes/{class_name}", {"v": 2}, **who)
    elif op == "update":
        reply = await api.put(f"/classes/{class_name}/{object_id}", {"v": 3}, **who)
    else:
        reply = await api.delete(f"/classes/{class_name}/{object_id}", **who)
    if reply.status >= 400:
        return reply.body.get("code", reply.status)
    if op == "find":
        return len(reply.body["results"])
    if op == "count":
        return reply.body["count"]
    stored = await api.get(f"/classes/{class_name}/{object_id}", master=True)
    if op == "update":
        assert stored.body["v"] == 3
    if op == "delete":
        assert stored.status == 404
    return "ok"


async def test_permission_matrix(api: Client) -> None:
    users = await _setup(api)
    mismatches = []
    for clp_name, clp in MATRIX["clps"].items():
        class_name = "Rec_" + clp_name
        body: dict[str, Any] = {"className": class_name, "fields": {"v": {"type": "Number"}}}
        if clp is not None:
            body["classLevelPermissions"] = clp
        assert (await api.post(f"/schemas/{class_name}", body, master=True)).status == 200
        for row in MATRIX["rows"]:
            if row["clp"] != clp_name:
                continue
            got = await _run(api, class_name, row, users)
            if got != row["expect"]:
                mismatches.append({**row, "got": got})
    assert not mismatches, json.dumps(mismatches[:20], indent=1) + f"\n{len(mismatches)} mismatches"


async def test_denials_leave_nothing_written(api: Client) -> None:
    users = await _setup(api)
    body = {"className": "Locked", "fields": {"v": {"type": "Number"}},
            "classLevelPermissions": MATRIX["clps"]["master_only"]}
    assert (await api.post("/schemas/Locked", body, master=True)).status == 200
    for caller in ("owner", "other", "member", "anonymous", "readonly"):
        reply = await api.post("/classes/Locked", {"v": 1}, **_headers(caller, users))
        assert reply.status in (400, 404)
    count = await api.get("/classes/Locked", params={"count": 1, "limit": 0}, master=True)
    assert count.body["count"] == 0


async def _indirect(api: Client, holder: str, holder_id: str, target: str, object_id: str,
                    who: dict[str, Any]) -> dict[str, Any]:
    """What include and each sub-query answer for one caller (see MATRIX["indirect"])."""
    got: dict[str, Any] = {}
    reply = await api.get(f"/classes/{holder}/{holder_id}", params={"include": "ref"}, **who)
    if reply.status >= 400:
        got["include"] = reply.body["code"]
    else:
        got["include"] = "ok" if reply.body.get("ref", {}).get("__type") == "Object" else 101
    inner = {"className": target, "where": {"objectId": object_id}}
    wheres = {"$inQuery": {"ref": {"$inQuery": inner}},
              "$select": {"v": {"$select": {"query": inner, "key": "v"}}},
              "$dontSelect": {"v": {"$dontSelect": {"query": inner, "key": "v"}}}}
    for op, where in wheres.items():
        reply = await api.get(f"/classes/{holder}", params={"where": {"objectId": holder_id, **where}}, **who)
        found = reply.body["code"] if reply.status >= 400 else len(reply.body["results"])
        got[op] = 1 - found if op == "$dontSelect" and isinstance(found, int) and reply.status < 400 else found
    return got


async def test_include_and_sub_queries_answer_as_the_direct_read(api: Client) -> None:
    users = await _setup(api)
    indirect = MATRIX["indirect"]
    expected = {(r["clp"], r["acl"], r["caller"], r["op"]): r["expect"] for r in MATRIX["rows"]}
    mismatches = []
    for clp_name, clp in MATRIX["clps"].items():
        target, holder = "Ind_" + clp_name, "Holder_" + clp_name
        body: dict[str, Any] = {"className": target, "fields": {"v": {"type": "Number"}}}
        if clp is not None:
            body["classLevelPermissions"] = clp
        assert (await api.post(f"/schemas/{target}", body, master=True)).status == 200
        for acl_name in MATRIX["acls"]:
            record: dict[str, Any] = {"v": 1}
            acl = _acl(acl_name, users["owner"]["objectId"])
            if acl is not None:
                record["ACL"] = acl
            created = await api.post(f"/classes/{target}", record, master=True)
            holder_body = {"v": 1, "ref": {"__type": "Pointer", "className": target,
                                           "objectId": created.body["objectId"]}}
            held = await api.post(f"/classes/{holder}", holder_body, master=True)
            assert held.status == 201, held.body
            for caller in ("master", "readonly", "owner", "other", "member", "anonymous"):
                got = await _indirect(api, holder, held.body["objectId"], target, created.body["objectId"],
                                      _headers(caller, users))
                want = {"include": expected[(clp_name, acl_name, caller, indirect["include"])],
                        **{op: expected[(clp_name, acl_name, caller, direct)]
                           for op, direct in indirect["subqueries"].items()}}
                if got != want:
                    mismatches.append({"clp": clp_name, "acl": acl_name, "caller": caller, "got": got, "want": want})
    assert not mismatches, json.dumps(mismatches[:20], indent=1) + f"\n{len(mismatches)} mismatches"
