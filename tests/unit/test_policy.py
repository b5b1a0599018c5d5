"""security.policy without a server: class gates, grants, per-object reads and writes, protected fields."""

from __future__ import annotations

from typing import Any

import pytest

from parse_compat.auth.identity import Auth
from parse_compat.errors import ParseError
from parse_compat.security import policy

ALICE = policy.Caller(False, False, "alice", ("*", "alice", "role:staff"))
BOB = policy.Caller(False, False, "bob", ("*", "bob"))
ANON = policy.Caller(False, False, None, ("*",))
READ_ONLY = policy.caller(Auth(is_read_only=True))
OPEN = {op: {"*": True} for op in ("find", "count", "get", "create", "update", "delete", "addField")}


def ptr(user_id: str) -> dict[str, str]:
    return {"__type": "Pointer", "className": "_User", "objectId": user_id}


@pytest.mark.parametrize(("class_name", "operation", "who", "code"), [
    ("_GlobalConfig", "get", ALICE, 119),
    ("_JobStatus", "find", ANON, 119),
    ("_Audit", "find", ALICE, 119),
    ("_Join:users:_Role", "find", ALICE, 119),
    ("_Installation", "find", ALICE, 119),
    ("_Installation", "count", ALICE, 119),
    ("_Installation", "delete", ALICE, 119),
    ("_Installation", "get", ALICE, None),
    ("_Installation", "update", ANON, None),
    ("_GlobalConfig", "get", policy.MASTER_CALLER, None),
    ("_GlobalConfig", "get", READ_ONLY, None),
    ("Note", "update", READ_ONLY, 119),
    ("Note", "find", ANON, None),
])
def test_class_gate(class_name: str, operation: str, who: policy.Caller, code: int | None) -> None:
    if code is None:
        policy.check_class_open(class_name, operation, who)
    else:
        with pytest.raises(ParseError) as raised:
            policy.check_class_open(class_name, operation, who)
        assert raised.value.code == code


def test_clp_errors_and_sessions() -> None:
    with pytest.raises(ParseError) as raised:
        policy.class_grant("Note", {**OPEN, "find": {}}, "find", ALICE)
    assert raised.value.code == 119
    with pytest.raises(ParseError) as raised:
        policy.class_grant("Note", {**OPEN, "find": {"requiresAuthentication": True}}, "find", ANON)
    assert raised.value.code == 101
    assert policy.class_grant("Note", {**OPEN, "find": {"role:staff": True}}, "find", ALICE).pointer_fields is None
    with pytest.raises(ParseError) as raised:
        policy.class_grant("_Session", None, "find", ANON)
    assert raised.value.code == 209


def test_object_reads_and_writes() -> None:
    grant = policy.class_grant("Note", None, "get", ALICE)
    assert policy.readable(grant, ALICE, {"_rperm": ["role:staff"]})
    assert not policy.readable(grant, BOB, {"_rperm": ["role:staff"]})
    assert policy.readable(grant, BOB, {})  # no ACL: public
    write = policy.class_grant("Note", None, "update", BOB)
    assert policy.writable(write, BOB, {"_rperm": ["*"], "_wperm": ["bob"]})
    assert not policy.writable(write, BOB, {"_rperm": ["*"], "_wperm": ["alice"]})
    assert policy.storage_where(write, BOB, "_wperm") == [{"_wperm": {"$in": ["*", "bob"]}}]
    owned = policy.class_grant("Note", {**OPEN, "get": {"pointerFields": ["owner"]}}, "get", BOB)
    assert policy.readable(owned, BOB, {"owner": ptr("bob")})
    assert policy.readable(owned, BOB, {"owner": [ptr("x"), ptr("bob")]})
    assert not policy.readable(owned, BOB, {"owner": ptr("alice")})
    sessions = policy.class_grant("_Session", None, "get", BOB)
    assert policy.readable(sessions, BOB, {"user": ptr("bob")})
    assert not policy.readable(sessions, BOB, {"user": ptr("alice")})
    assert {"user": ptr("bob")} in policy.storage_where(sessions, BOB)


@pytest.mark.parametrize(("protected", "who", "doc", "hidden"), [
    ({"*": ["notes"]}, BOB, {}, {"notes"}),
    ({"*": ["notes"], "role:staff": []}, ALICE, {}, set()),
    ({"*": ["notes", "dob"], "userField:patient": ["notes"]}, BOB, {"patient": ptr("bob")}, {"notes"}),
    ({"*": ["notes", "dob"], "userField:patient": ["notes"]}, ALICE, {"patient": ptr("bob")}, {"notes", "dob"}),
    ({"userField:patient": ["notes"]}, BOB, {"patient": ptr("bob")}, {"notes"}),
    ({"userField:patient": ["notes"]}, ALICE, {"patient": ptr("bob")}, set()),
    ({"userField:patient": ["notes"]}, ANON, {"patient": ptr("bob")}, set()),
    ({"*": ["objectId", "ACL", "x"]}, BOB, {}, {"x"}),
])
def test_protected_fields(protected: dict[str, Any], who: policy.Caller, doc: dict[str, Any],
                          hidden: set[str]) -> None:
    grant = policy.class_grant("Chart", {**OPEN, "protectedFields": protected}, "find", who)
    assert policy.hidden_for(grant, who, doc) == hidden


def test_users_see_their_own_protected_fields_and_auth_data() -> None:
    grant = policy.class_grant("_User", None, "get", BOB)
    assert grant.hidden == {"email"}
    assert policy.hidden_for(grant, BOB, {"objectId": "bob"}) == set()
    assert policy.hidden_for(grant, BOB, {"objectId": "alice"}) == {"email"}
    assert policy.may_see_auth_data(BOB, {"objectId": "bob"})
    assert not policy.may_see_auth_data(BOB, {"objectId": "alice"})


def test_uses_of_protected_fields() -> None:
    with pytest.raises(ParseError):
        policy.check_query_keys({"$or": [{"a": 1}, {"$and": [{"ssn.x": 2}]}]}, {"ssn"})
    policy.check_query_keys({"a": 1, "$relatedTo": {}}, {"ssn"})
    with pytest.raises(ParseError):
        policy.check_sort_keys(["-ssn"], {"ssn"})
    assert policy.first_protected_key({"$nor": [{"ssn.x": 1}]}, {"ssn"}) == "ssn.x"
    assert not policy.client_may_query("_rperm", BOB) and policy.client_may_query("_rperm", policy.MASTER_CALLER)
    assert not policy.client_may_query("authData.facebook.id", BOB)
