"""The read policy over HTTP on every adapter (issue 10, exploits 3, 8 and 12): no client reaches a
class closed to it, an object it may not read or a protected field through include, `keys`,
sub-queries, `$relatedTo`, dotted keys or `order`."""

from __future__ import annotations

from typing import Any

import pytest

from .conftest import Client

pytestmark = [pytest.mark.asyncio, pytest.mark.settings(schema=None)]

INSTALLATION_FORBIDDEN = {"code": 119, "error": "Clients aren't allowed to perform the find operation on the "
                                                 "installation collection."}


def ptr(class_name: str, object_id: str) -> dict[str, str]:
    return {"__type": "Pointer", "className": class_name, "objectId": object_id}


async def signup(api: Client, name: str) -> dict[str, Any]:
    reply = await api.post("/users", {"username": name, "password": "pw-" + name, "email": f"{name}@example.com"})
    assert reply.status == 201, reply.body
    return dict(reply.body)


async def make(api: Client, class_name: str, body: dict[str, Any], **auth: Any) -> str:
    reply = await api.post(f"/classes/{class_name}", body, **(auth or {"master": True}))
    assert reply.status == 201, reply.body
    return str(reply.body["objectId"])


async def schema(api: Client, name: str, fields: dict[str, Any], clp: dict[str, Any] | None = None) -> None:
    body: dict[str, Any] = {"className": name, "fields": fields}
    if clp is not None:
        body["classLevelPermissions"] = clp
    reply = await api.post(f"/schemas/{name}", body, master=True)
    assert reply.status == 200, reply.body


def open_clp(**extra: Any) -> dict[str, Any]:
    ops = ("find", "count", "get", "create", "update", "delete", "addField")
    return {**{op: {"*": True} for op in ops}, **extra}


# --- exploit 3: master-only classes through pointers + include ----------------------------------

async def test_include_of_a_pointer_retargeted_at_global_config_is_refused(api: Client) -> None:
    reply = await api.put("/config", {"params": {"welcome": "hi", "stripeSecret": "sk_live_123"},
                                      "masterKeyOnly": {"stripeSecret": True}}, master=True)
    assert reply.status == 200, reply.body
    mallory = await signup(api, "mallory")
    token = mallory["sessionToken"]
    config = ptr("_GlobalConfig", "1")
    await schema(api, "Note", {"title": {"type": "String"}})
    note = await make(api, "Note", {"title": "t", "ref": config, "refs": [config]}, session_token=token)
    for params in ({"include": "ref"}, {"include": "refs"}, {"include": "*"}, {"keys": "ref.params"}):
        found = await api.get("/classes/Note", params=params, session_token=token)
        assert found.status == 400 and found.body == {
            "code": 119, "error": "Clients aren't allowed to perform the get operation on the _GlobalConfig "
                                  "collection."}, (params, found.body)
        got = await api.get(f"/classes/Note/{note}", params=params, session_token=token)
        assert got.status == 400 and got.body["code"] == 119 and "sk_live" not in str(got.body)
    # the master key still includes it, and the pointer itself is no secret
    found = await api.get("/classes/Note", params={"include": "ref"}, master=True)
    assert found.body["results"][0]["ref"]["params"]["stripeSecret"] == "sk_live_123"
    plain = await api.get("/classes/Note", session_token=token)
    assert plain.body["results"][0]["ref"] == config


async def test_include_into_a_class_whose_clp_refuses_get_is_refused(api: Client) -> None:
    await schema(api, "Vault", {"code": {"type": "String"}}, {**open_clp(), "get": {}, "find": {}})
    vault = await make(api, "Vault", {"code": "1234"})
    user = await signup(api, "u1")
    await schema(api, "Note", {"vault": {"type": "Pointer", "targetClass": "Vault"}})
    await make(api, "Note", {"vault": ptr("Vault", vault)}, session_token=user["sessionToken"])
    found = await api.get("/classes/Note", params={"include": "vault"}, session_token=user["sessionToken"])
    assert found.status == 400 and found.body["code"] == 119 and "1234" not in str(found.body)


async def test_include_of_another_users_session_is_dropped(api: Client) -> None:
    alice, bob = await signup(api, "alice"), await signup(api, "bob")
    sessions = await api.get("/sessions", session_token=bob["sessionToken"])
    bobs = sessions.body["results"][0]["objectId"]
    await schema(api, "Note", {"s": {"type": "Pointer", "targetClass": "_Session"}})
    await make(api, "Note", {"s": ptr("_Session", bobs)}, session_token=alice["sessionToken"])
    found = await api.get("/classes/Note", params={"include": "s"}, session_token=alice["sessionToken"])
    assert found.status == 200 and "s" not in found.body["results"][0]
    assert bob["sessionToken"] not in str(found.body)


async def test_include_and_keys_through_a_protected_pointer_show_nothing(api: Client) -> None:
    await schema(api, "Doctor", {"name": {"type": "String"}})
    await schema(api, "Patient", {"name": {"type": "String"}, "doctor": {"type": "Pointer", "targetClass": "Doctor"}},
                 open_clp(protectedFields={"*": ["doctor"]}))
    doctor = await make(api, "Doctor", {"name": "Dr Who"})
    await make(api, "Patient", {"name": "p", "doctor": ptr("Doctor", doctor)})
    user = await signup(api, "u2")
    for params in ({"include": "doctor"}, {"keys": "name,doctor.name"}, {"include": "*"}):
        found = await api.get("/classes/Patient", params=params, session_token=user["sessionToken"])
        assert found.status == 200 and "doctor" not in found.body["results"][0], params


# --- exploit 12: sub-queries into classes the caller may not search --------------------------------

async def test_sub_queries_into_installation_are_refused_to_clients(api: Client) -> None:
    reply = await api.post("/installations", {"installationId": "a1b2c3d4-0000-4000-8000-000000000001",
                                              "deviceType": "ios", "deviceToken": "tok-secret"}, master=True)
    assert reply.status == 201, reply.body
    user = await signup(api, "guesser")
    token = user["sessionToken"]
    await schema(api, "Probe", {"kind": {"type": "String"},
                                "inst": {"type": "Pointer", "targetClass": "_Installation"}})
    await make(api, "Probe", {"kind": "ios", "inst": ptr("_Installation", reply.body["objectId"])},
               session_token=token)
    guess = {"className": "_Installation", "where": {"installationId": {"$regex": "^a1"}}}
    for where in ({"kind": {"$select": {"query": guess, "key": "deviceType"}}},
                  {"kind": {"$dontSelect": {"query": guess, "key": "deviceType"}}},
                  {"inst": {"$inQuery": guess}},
                  {"inst": {"$notInQuery": guess}},
                  {"$or": [{"inst": {"$inQuery": guess}}]}):
        found = await api.get("/classes/Probe", params={"where": where}, session_token=token)
        assert found.status == 400 and found.body == INSTALLATION_FORBIDDEN, (where, found.body)
        counted = await api.get("/classes/Probe", params={"where": where, "count": 1, "limit": 0},
                                session_token=token)
        assert counted.status == 400 and counted.body["code"] == 119
    # the master key may, as before
    found = await api.get("/classes/Probe", params={"where": {"inst": {"$inQuery": guess}}}, master=True)
    assert len(found.body["results"]) == 1


@pytest.mark.parametrize("closed", ["_GlobalConfig", "_JobStatus", "_Hooks", "_PushStatus", "_Idempotency",
                                    "_JobSchedule", "_Audience"])
async def test_sub_queries_and_related_to_into_master_only_classes_are_refused(api: Client, closed: str) -> None:
    user = await signup(api, "u3")
    await make(api, "Probe", {"kind": "x"})
    where_list = [{"kind": {"$select": {"query": {"className": closed, "where": {}}, "key": "objectId"}}},
                  {"objectId": {"$inQuery": {"className": closed, "where": {}}}},
                  {"$relatedTo": {"object": ptr(closed, "1"), "key": "things"}}]
    for where in where_list:
        found = await api.get("/classes/Probe", params={"where": where}, session_token=user["sessionToken"])
        assert found.status == 400 and found.body["code"] == 119, (where, found.body)


async def test_sub_queries_apply_the_target_clp_and_acl(api: Client) -> None:
    await schema(api, "Hidden", {"tag": {"type": "String"}}, {**open_clp(), "find": {}})
    await make(api, "Hidden", {"tag": "x"})
    await schema(api, "Private", {"tag": {"type": "String"}}, open_clp())
    await make(api, "Private", {"tag": "y", "ACL": {}})
    await make(api, "Probe", {"kind": "x"})
    await make(api, "Probe", {"kind": "y"})
    user = await signup(api, "u4")
    token = user["sessionToken"]
    refused = {"kind": {"$select": {"query": {"className": "Hidden", "where": {}}, "key": "tag"}}}
    found = await api.get("/classes/Probe", params={"where": refused}, session_token=token)
    assert found.status == 400 and found.body["code"] == 119
    unreadable = {"kind": {"$select": {"query": {"className": "Private", "where": {}}, "key": "tag"}}}
    found = await api.get("/classes/Probe", params={"where": unreadable}, session_token=token)
    assert found.status == 200 and found.body["results"] == []
    found = await api.get("/classes/Probe", params={"where": unreadable}, master=True)
    assert [p["kind"] for p in found.body["results"]] == ["y"]


# --- exploit 8: inferring protected values ---------------------------------------------------------

async def test_select_and_dont_select_on_a_protected_field_are_refused(api: Client) -> None:
    await schema(api, "Patient", {"name": {"type": "String"}, "ssn": {"type": "String"},
                                  "doctors": {"type": "Relation", "targetClass": "_User"}},
                 open_clp(protectedFields={"*": ["ssn", "doctors"]}))
    patient = await make(api, "Patient", {"name": "p", "ssn": "123-45-6789"})
    user = await signup(api, "snoop")
    token = user["sessionToken"]
    await schema(api, "Guess", {"value": {"type": "String"}})
    await make(api, "Guess", {"value": "123-45-6789"}, session_token=token)
    for op in ("$select", "$dontSelect"):
        where = {"value": {op: {"query": {"className": "Patient", "where": {}}, "key": "ssn"}}}
        found = await api.get("/classes/Guess", params={"where": where}, session_token=token)
        assert found.status == 400 and found.body == {
            "code": 119, "error": "This user is not allowed to query ssn on class Patient"}, found.body
        dotted = {"value": {op: {"query": {"className": "Patient", "where": {}}, "key": "ssn.part"}}}
        found = await api.get("/classes/Guess", params={"where": dotted}, session_token=token)
        assert found.status == 400 and found.body["code"] == 119
    # other users' e-mail addresses (protected on _User by default) cannot be matched either
    await signup(api, "victim")
    await make(api, "Guess", {"value": "victim@example.com"}, session_token=token)
    where = {"value": {"$select": {"query": {"className": "_User", "where": {}}, "key": "email"}}}
    found = await api.get("/classes/Guess", params={"where": where}, session_token=token)
    assert found.status == 400 and found.body["code"] == 119
    # a protected relation cannot be walked with $relatedTo
    related = {"$relatedTo": {"object": ptr("Patient", patient), "key": "doctors"}}
    found = await api.get("/classes/_User", params={"where": related}, session_token=token)
    assert found.status == 400 and found.body["code"] == 119
    # nor can a protected relation be matched from its own class
    for where in ({"doctors": ptr("_User", user["objectId"])},
                  {"$or": [{"doctors": {"$in": [ptr("_User", user["objectId"])]}}]}):
        found = await api.get("/classes/Patient", params={"where": where}, session_token=token)
        assert found.status == 400 and found.body["code"] == 119, (where, found.body)
    # the master key may
    where = {"value": {"$select": {"query": {"className": "Patient", "where": {}}, "key": "ssn"}}}
    found = await api.get("/classes/Guess", params={"where": where}, master=True)
    assert [g["value"] for g in found.body["results"]] == ["123-45-6789"]


async def test_where_and_order_on_protected_fields_are_refused(api: Client) -> None:
    await schema(api, "Patient", {"name": {"type": "String"}, "chart": {"type": "Object"}},
                 open_clp(protectedFields={"*": ["chart"]}))
    await make(api, "Patient", {"name": "p", "chart": {"diagnosis": "flu"}})
    user = await signup(api, "u5")
    token = user["sessionToken"]
    refused: list[dict[str, Any]] = [
        {"where": {"chart.diagnosis": "flu"}},
        {"where": {"$or": [{"name": "x"}, {"chart.diagnosis": {"$regex": "^f"}}]}},
        {"where": {"chart": {"$exists": True}}},
        {"order": "chart.diagnosis"},
        {"order": "-chart"},
        {"where": {"objectId": {"$inQuery": {"className": "Patient", "where": {"chart.diagnosis": "flu"}}}}},
    ]
    for params in refused:
        found = await api.get("/classes/Patient", params=params, session_token=token)
        assert found.status == 400 and found.body["code"] == 119, (params, found.body)
    found = await api.get("/classes/Patient", params={"order": "name"}, session_token=token)
    assert found.status == 200 and "chart" not in found.body["results"][0]


async def test_count_needs_the_count_permission(api: Client) -> None:
    await schema(api, "Tally", {"n": {"type": "Number"}}, {**open_clp(), "count": {}})
    await make(api, "Tally", {"n": 1})
    user = await signup(api, "u6")
    for params in ({"count": 1, "limit": 0}, {"count": 1}):
        found = await api.get("/classes/Tally", params=params, session_token=user["sessionToken"])
        assert found.status == 400 and found.body["code"] == 119, params
    found = await api.get("/classes/Tally", session_token=user["sessionToken"])
    assert found.status == 200 and len(found.body["results"]) == 1


async def test_user_field_protected_fields_follow_the_pointer(api: Client) -> None:
    await schema(api, "Chart", {"owner": {"type": "Pointer", "targetClass": "_User"}, "notes": {"type": "String"}},
                 open_clp(protectedFields={"*": ["notes"], "userField:owner": []}))
    owner, other = await signup(api, "owner"), await signup(api, "other")
    await make(api, "Chart", {"owner": ptr("_User", owner["objectId"]), "notes": "private"})
    mine = await api.get("/classes/Chart", session_token=owner["sessionToken"])
    assert mine.body["results"][0]["notes"] == "private"
    theirs = await api.get("/classes/Chart", session_token=other["sessionToken"])
    assert "notes" not in theirs.body["results"][0]


async def test_sub_query_keys_follow_the_where_key_rules(api: Client) -> None:
    await schema(api, "Guess", {"value": {"type": "String"}})
    victim = await signup(api, "victim2")
    user = await signup(api, "u7")
    token = user["sessionToken"]
    await make(api, "Guess", {"value": "x"}, session_token=token)
    for key in ("authData.anonymous.id", "_hashed_password", "_perishable_token", "_rperm", "sessionToken"):
        for op in ("$select", "$dontSelect"):
            where = {"value": {op: {"query": {"className": "_User", "where": {}}, "key": key}}}
            found = await api.get("/classes/Guess", params={"where": where}, session_token=token)
            assert found.status == 400 and found.body["code"] == 105, (key, op, found.body)
    related = {"$relatedTo": {"object": ptr("_User", victim["objectId"]), "key": "_rperm"}}
    found = await api.get("/classes/Guess", params={"where": related}, session_token=token)
    assert found.status == 400 and found.body["code"] == 105
