"""Hostile input: every case is answered with a Parse error (never a 500) and stores nothing."""

from __future__ import annotations

import json
from typing import Any

import pytest

from .conftest import Client

pytestmark = pytest.mark.asyncio


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return {"schema": None, "maxUploadSize": 2 * 1024 * 1024}


async def _prepare(api: Client) -> dict[str, Any]:
    fields = {"name": {"type": "String"}, "n": {"type": "Number"}, "when": {"type": "Date"},
              "req": {"type": "String"}, "loc": {"type": "GeoPoint"},
              "owner": {"type": "Pointer", "targetClass": "_User"}}
    reply = await api.post("/schemas/Box", {"className": "Box", "fields": fields}, master=True)
    assert reply.status == 200, reply.body
    user = await api.post("/users", {"username": "mallory", "password": "pw-mallory"})
    assert user.status == 201
    return user.body


def _where(where: Any) -> dict[str, Any]:
    return {"where": where if isinstance(where, str) else json.dumps(where)}


# (name, method, path, kwargs, expected code or (status, code))
CASES: list[tuple[str, str, str, dict[str, Any], Any]] = [
    ("where on _rperm", "GET", "/classes/Box", {"params": _where({"_rperm": {"$in": ["*"]}})}, 105),
    ("where on _wperm", "GET", "/classes/Box", {"params": _where({"_wperm": "x"})}, 105),
    ("where on _hashed_password", "GET", "/users", {"params": _where({"_hashed_password": {"$exists": True}})}, 105),
    ("where on sessionToken", "GET", "/sessions", {"params": _where({"sessionToken": "r:abc"}), "as_user": True},
     105),
    ("where on password", "GET", "/users", {"params": _where({"password": "x"})}, 105),
    ("$where injection", "GET", "/classes/Box", {"params": _where({"$where": "sleep(1000)"})}, 105),
    ("unknown operator", "GET", "/classes/Box", {"params": _where({"n": {"$function": "x"}})}, 107),
    ("operator smuggled as value key", "GET", "/classes/Box", {"params": _where({"name": {"$gt": "", "$ne": 1,
                                                                                          "$x": 1}})}, 107),
    ("where is not JSON", "GET", "/classes/Box", {"params": {"where": "{not json"}}, 107),
    ("where on ACL", "GET", "/classes/Box", {"params": _where({"ACL": {"*": {"read": True}}})}, 102),
    ("over-deep where", "GET", "/classes/Box", {"params": _where(
        json.loads('{"$or":[' * 40 + '{"n":1}' + ']}' * 40))}, 102),
    ("bad regex", "GET", "/classes/Box", {"params": _where({"name": {"$regex": "("}})}, 102),
    ("bad regex options", "GET", "/classes/Box", {"params": _where({"name": {"$regex": "a", "$options": "e"}})},
     102),
    ("limit not a number", "GET", "/classes/Box", {"params": {"limit": "lots"}}, 102),
    ("unknown query parameter", "GET", "/classes/Box", {"params": {"evil": "1"}}, 102),
    ("order by internal field", "GET", "/classes/Box", {"params": {"order": "_hashed_password"}}, 105),
    ("body key starting with $", "POST", "/classes/Box", {"body": {"$set": {"n": 1}}}, 105),
    ("body key starting with _", "POST", "/classes/Box", {"body": {"_rperm": ["*"], "name": "x"}}, 105),
    ("__proto__ key", "POST", "/classes/Box", {"raw": '{"__proto__": {"admin": true}, "name": "x"}'}, 105),
    ("constructor key nested", "POST", "/classes/Box", {"body": {"name": "x", "meta": {"constructor": 1}}}, 105),
    ("_bsontype Code", "POST", "/classes/Box", {"body": {"meta": {"_bsontype": "Code", "code": "x"}}}, 105),
    ("nested key with dot", "POST", "/classes/Box", {"body": {"meta": {"a.b": 1}}}, 121),
    ("nested key with $", "POST", "/classes/Box", {"body": {"meta": {"$gt": 1}}}, 121),
    ("objectId in create body", "POST", "/classes/Box", {"body": {"objectId": "aaaaaaaaaa"}}, 105),
    ("ACL as a string", "POST", "/classes/Box", {"body": {"name": "x", "ACL": "public"}}, 123),
    ("ACL entry of the wrong shape", "POST", "/classes/Box", {"body": {"name": "x", "ACL": {"*": "yes"}}}, 123),
    ("ACL with an extra permission", "POST", "/classes/Box", {"body": {"ACL": {"*": {"read": True, "admin": True}}}},
     123),
    ("wrong type", "POST", "/classes/Box", {"body": {"n": "seven"}}, 111),
    ("Pointer to the wrong class", "POST", "/classes/Box",
     {"body": {"owner": {"__type": "Pointer", "className": "Box", "objectId": "x"}}}, 111),
    ("Pointer without objectId", "POST", "/classes/Box", {"body": {"owner": {"__type": "Pointer",
                                                                             "className": "_User"}}}, 107),
    ("invalid date", "POST", "/classes/Box", {"body": {"when": {"__type": "Date", "iso": "yesterday"}}}, 107),
    ("GeoPoint out of range", "POST", "/classes/Box", {"body": {"loc": {"__type": "GeoPoint", "latitude": 200,
                                                                        "longitude": 0}}}, 107),
    ("unknown __op", "POST", "/classes/Box", {"body": {"n": {"__op": "Eval", "code": "x"}}}, 108),
    ("Increment by a string", "POST", "/classes/Box", {"body": {"n": {"__op": "Increment", "amount": "1"}}}, 107),
    ("unknown __type", "POST", "/classes/Box", {"body": {"name": {"__type": "Code", "code": "x"}}}, 111),
    ("malformed JSON", "POST", "/classes/Box", {"raw": '{"name": '}, 107),
    ("JSON nested too deeply", "POST", "/classes/Box", {"raw": "[" * 100000 + "]" * 100000}, 107),
    ("body that is not an object", "POST", "/classes/Box", {"raw": "[1, 2]"}, 107),
    ("oversized body", "POST", "/classes/Box", {"raw": json.dumps({"name": "x" * (3 * 1024 * 1024)})}, (413, 130)),
    ("client class creation", "POST", "/classes/Evil", {"body": {"a": 1}}, 119),
    ("class name traversal", "POST", "/classes/..%2F_User", {"body": {"a": 1}}, None),
    ("role name with spaces", "POST", "/roles", {"body": {"name": "dental staff", "ACL": {}}, "master": True}, 139),
    ("role without ACL", "POST", "/roles", {"body": {"name": "x"}, "master": True}, 111),
    ("10 MB username", "POST", "/users", {"raw": json.dumps({"username": "u" * (1024 * 1024), "password": "p"})},
     200),
    ("username of the wrong type", "POST", "/users", {"body": {"username": {"$ne": ""}, "password": "p"}}, 200),
    ("login with an operator", "POST", "/login", {"body": {"username": {"$ne": ""}, "password": {"$ne": ""}}},
     101),
    ("forged session token", "GET", "/users/me", {"session_token": "r:" + "0" * 32}, 209),
    ("malformed session token", "GET", "/classes/Box", {"session_token": "'; DROP TABLE x; --"}, 209),
    ("client sets emailVerified", "POST", "/users", {"body": {"username": "v", "password": "p",
                                                              "emailVerified": True}}, 119),
    ("context header not an object", "GET", "/classes/Box", {"headers": {"X-Parse-Cloud-Context": "[1]"}}, 107),
    ("batch requests not an array", "POST", "/batch", {"body": {"requests": "all"}}, 107),
    ("nested batch", "POST", "/batch", {"body": {"requests": [{"method": "POST", "path": "/parse/batch",
                                                               "body": {"requests": []}}]}}, 107),
    ("batch path outside the mount", "POST", "/batch", {"body": {"requests": [{"method": "GET",
                                                                               "path": "/classes/Box"}]}}, 107),
    # Parse's promiseEnforceMasterKeyAccess: a bare 403 {"error": "Permission denied"}, no code
    ("schemas without master key", "GET", "/schemas", {}, (403, None)),
    ("purge without master key", "DELETE", "/purge/Box", {}, (403, None)),
]


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
async def test_hostile_input(api: Client, case: tuple[str, str, str, dict[str, Any], Any]) -> None:
    name, method, path, kwargs, expected = case
    user = await _prepare(api)
    kwargs = dict(kwargs)
    if kwargs.pop("as_user", False):
        kwargs["session_token"] = user["sessionToken"]
    if "raw" in kwargs:
        kwargs.setdefault("headers", {})["Content-Type"] = "application/json"
    reply = await api.request(method, path, kwargs.pop("body", None), **kwargs)
    assert reply.status != 500, reply.body
    assert reply.status >= 400, f"{name}: accepted with {reply.status} {str(reply.body)[:200]}"
    if expected is not None:
        status, code = expected if isinstance(expected, tuple) else (None, expected)
        assert isinstance(reply.body, dict) and reply.body.get("code") == code, reply.body
        if status is not None:
            assert reply.status == status
    boxes = await api.get("/classes/Box", params={"count": 1, "limit": 0}, master=True)
    assert boxes.body["count"] == 0
    users = await api.get("/users", params={"count": 1, "limit": 0}, master=True)
    assert users.body["count"] == 1
    roles = await api.get("/roles", params={"count": 1, "limit": 0}, master=True)
    assert roles.body["count"] == 0
    assert (await api.get("/schemas/Evil", master=True)).status == 400


@pytest.mark.settings(masterKeyIps=["10.9.9.9"])
async def test_master_key_from_a_disallowed_ip_is_refused(api: Client) -> None:
    # The test client connects from 127.0.0.1; only 10.9.9.9 may use the master key here.
    reply = await api.get("/schemas", master=True)
    assert reply.status == 403 and reply.body == {"error": "unauthorized"}
    reply = await api.post("/classes/_User", {"username": "x", "password": "y"}, master=True)
    assert reply.status == 403
    assert (await api.get("/classes/_User", master=False)).status == 200


async def test_huge_in_list_works_and_huge_or_is_a_parse_error_not_a_crash(api: Client) -> None:
    await _prepare(api)
    created = await api.post("/classes/Box", {"name": "needle"}, master=True)
    ids = [f"id{n:08d}" for n in range(40000)] + [created.body["objectId"]]
    found = await api.post("/classes/Box", {"_method": "GET", "where": {"objectId": {"$in": ids}}}, master=True)
    assert found.status == 200 and [r["name"] for r in found.body["results"]] == ["needle"]
    wide = {"$or": [{"name": f"n{n}"} for n in range(5000)]}
    reply = await api.post("/classes/Box", {"_method": "GET", "where": wide}, master=True)
    assert reply.status in (200, 400), reply.body
    if reply.status == 400:
        assert reply.body["code"] == 102


async def test_values_found_by_fuzzing_never_cause_a_500(api: Client) -> None:
    """Each of these once reached the database driver and came back as a 500."""
    await _prepare(api)
    huge = 10**30
    stored = await api.post("/classes/Box", raw=f'{{"name": "big", "n": {huge}}}', master=True,
                            headers={"Content-Type": "application/json"})
    assert stored.status == 201  # read as a double, as a JavaScript server reads it
    found = await api.get("/classes/Box", params={"where": {"n": {"$gt": 10**29}}}, master=True)
    assert found.status == 200 and [b["name"] for b in found.body["results"]] == ["big"]
    for where in ({"name": {}}, {"name": [1]}, {"objectId": {"a": 1}}, {"loc": ""}, {"loc": None},
                  {"owner": {"__type": "Pointer", "className": "_User", "objectId": {"x": 1}}},
                  {"n": huge}, {"$and": []}, {"$or": []}, {"tags": {"$containedBy": []}}):
        reply = await api.get("/classes/Box", params={"where": where}, master=True)
        assert reply.status < 500, (where, reply.body)
        if reply.status >= 400:
            assert reply.body["code"] in (102, 107), (where, reply.body)
