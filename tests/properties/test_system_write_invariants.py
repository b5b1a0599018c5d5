"""Issue 10, Deliver 10, the system routes: generated writes on `/users`, `/sessions`, `/roles`,
`/installations` (and `/classes/_X`, /batch, the cloud SDK), and `PUT /config`, by every caller.

Invariants, with stored state read straight from storage: a refused request stores nothing; the
read-only master key changes nothing; no 5xx; and a non-master caller never sets a server-owned
field — `_Session` user/expiresAt/sessionToken/createdWith/restricted/installationId, `_User`
emailVerified/_hashed_password (except its own password)/authData of others/lockout fields,
`_Role` names after creation, `_Installation` ids, objectId/createdAt, `_GlobalConfig` and
`_JobStatus` at all — and never changes a user, session or role it may not write.
"""

from __future__ import annotations

import uuid
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from .strategies import callers, resolve_body, values
from .world import ROLE, SYSTEM_CLASSES, USERS, World, budget, diff
from .writes import Outcome, send

EXAMPLES = settings(max_examples=budget(80), deadline=None, derandomize=True, database=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
ROUTES = ("rest", "alias", "batch", "transaction", "cloud", "cloud_master")
ALIAS = {"_User": "/users", "_Session": "/sessions", "_Role": "/roles", "_Installation": "/installations"}
SESSION_OWNED = ("user", "sessionToken", "expiresAt", "createdWith", "restricted", "installationId")
USER_OWNED = ("emailVerified", "_hashed_password", "authData", "_failed_login_count", "_account_lockout_expires_at",
              "_perishable_token", "_perishable_token_expires_at", "_email_verify_token",
              "_email_verify_token_expires_at", "_password_changed_at", "_password_history")
KEYS = {
    "_Session": (*SESSION_OWNED, "user.objectId", "expiresAt.iso", "createdWith.action", "note", "ACL"),
    "_User": (*USER_OWNED, "authData.anonymous", "authData.x", "authData.anonymous.id", "password", "username",
              "email", "note", "ACL", "objectId", "createdAt"),
    "_Role": ("name", "users", "roles", "ACL", "note", "name.x"),
    "_Installation": ("installationId", "deviceToken", "deviceType", "channels", "appIdentifier", "badge",
                      "installationId.x", "objectId"),
}
SPECIAL = st.sampled_from((
    "r:chosen", "2999-01-01T00:00:00.000Z", True, False, 0, 99, "0f6a4e1c-aaaa-4bbb-8ccc-000000000002", "ios",
    "administrator", {"__type": "Date", "iso": "2999-01-01T00:00:00.000Z"}, {"action": "login"},
    {"anonymous": {"id": "c0ffee00-0000-4000-8000-000000000000"}}, {"id": "x"}, "new-password-1",
    ("$ptr", "_User", "A"), ("$ptr", "_User", "B"),
    {"__op": "AddRelation", "objects": [("$ptr", "_User", "A")]},
    {"__op": "RemoveRelation", "objects": [("$ptr", "_User", "M")]},
))


def system_bodies(class_name: str) -> st.SearchStrategy[dict[str, Any]]:
    """Half the time one key with a plausible value (so the write can get through), else up to
    three keys with any generated value."""
    one = st.builds(lambda key, value: {key: value}, st.sampled_from(KEYS[class_name]), SPECIAL)
    many = st.dictionaries(st.sampled_from(KEYS[class_name]), st.one_of(SPECIAL, values), min_size=1, max_size=3)
    return st.one_of(one, many)


def create_base(class_name: str) -> dict[str, Any]:
    """What a create needs besides the generated keys (a fresh name, an installation id)."""
    tag = uuid.uuid4().hex[:10]
    return {"_User": {"username": "new" + tag, "password": "pw-new-" + tag},
            "_Role": {"name": "role" + tag},
            "_Installation": {"installationId": str(uuid.uuid4()), "deviceType": "android"}}.get(class_name, {})


@st.composite
def cases(draw: st.DrawFn) -> dict[str, Any]:
    class_name = draw(st.sampled_from((*KEYS, "_GlobalConfig", "_JobStatus")))
    case: dict[str, Any] = {"caller": draw(callers), "class_name": class_name,
                            "kind": draw(st.sampled_from(("create", "update", "delete"))),
                            "route": draw(st.sampled_from(ROUTES)), "target": draw(st.sampled_from(USERS))}
    if class_name in KEYS:
        case["body"] = draw(system_bodies(class_name))
    else:
        case["body"] = {draw(st.sampled_from(("params", "masterKeyOnly", "status", "message"))): draw(
            st.one_of(SPECIAL, values, st.just({"hush": "changed"})))}
    return case


async def target_id(world: World, class_name: str, who: str, kind: str = "update") -> str | None:
    """The existing object an update / delete aims at (the `who` user's own, or the shared one)."""
    if kind == "delete" and class_name != "_Session":
        # a throwaway object: deleting A, B, M, the role or the installation would end the world
        return await throwaway(world, class_name)
    if class_name == "_User":
        return world.ids[who]
    if class_name == "_Session":
        rows = (await world.snapshot(("_Session",)))["_Session"] or {}
        mine = [oid for oid, row in rows.items() if (row.get("user") or {}).get("objectId") == world.ids[who]]
        return sorted(mine)[0] if mine else "missing000"
    if class_name == "_Role":
        rows = (await world.snapshot(("_Role",)))["_Role"] or {}
        return next(oid for oid, row in rows.items() if row.get("name") == ROLE)
    return world.system_ids[{"_Installation": "inst", "_GlobalConfig": "cfg", "_JobStatus": "job"}[class_name]]


async def throwaway(world: World, class_name: str) -> str:
    tag = uuid.uuid4().hex[:10]
    body: dict[str, Any] = {"_User": {"username": "tmp" + tag, "password": "pw-tmp"},
                            "_Role": {"name": "tmp" + tag, "ACL": {"*": {"read": True}}},
                            "_Installation": {"installationId": str(uuid.uuid4()), "deviceType": "android"},
                            }.get(class_name, {"status": "tmp" + tag})
    if class_name == "_GlobalConfig":
        return "1"
    made = await world.api.post(f"/classes/{class_name}", body, master=True)
    assert made.status == 201, made.body
    return str(made.body["objectId"])


async def repair(world: World) -> None:
    """Put the callers back (tokens, passwords, role membership) after an allowed change."""
    role = await target_id(world, "_Role", "A")
    for who in USERS:
        uid = world.ids[who]
        await world.api.put(f"/users/{uid}", {"password": "pw-" + who, "username": "user" + who}, master=True)
        login = await world.api.post("/login", {"username": "user" + who, "password": "pw-" + who})
        assert login.status == 200, login.body
        world.tokens[who] = login.body["sessionToken"]
    await world.api.put(f"/roles/{role}", {"users": {"__op": "RemoveRelation", "objects": [
        world.pointer("_User", world.ids["A"]), world.pointer("_User", world.ids["B"])]}}, master=True)
    await world.api.put(f"/roles/{role}", {"users": {"__op": "AddRelation", "objects": [
        world.pointer("_User", world.ids["M"])]}}, master=True)


def check(world: World, case: dict[str, Any], outcomes: list[Outcome], before: dict[str, Any],
          after: dict[str, Any]) -> None:
    caller, route = case["caller"], case["route"]
    changes = diff(before, after)
    context = {**case, "outcomes": [(o.status, o.body) for o in outcomes], "changes": changes}
    assert all(o.status < 500 for o in outcomes), context
    if caller == "ro":
        assert not changes, context
    succeeded = [o for o in outcomes if o.ok]
    if not succeeded or (route == "transaction" and len(succeeded) < len(outcomes)):
        assert not changes, context
        return
    if caller == "master" or route == "cloud_master":
        return
    me = world.ids.get(caller)
    for name in ("_GlobalConfig", "_JobStatus"):
        assert before[name] == after[name], context
    for name in SYSTEM_CLASSES:
        rows_b, rows_a = before[name] or {}, after[name] or {}
        for oid in set(rows_b) | set(rows_a):
            b, a = rows_b.get(oid), rows_a.get(oid)
            if b == a:
                continue
            changed = {k for k in set(a or {}) | set(b or {}) if (a or {}).get(k) != (b or {}).get(k)}
            where = (name, oid, changed, context)
            assert b is None or a is None or not changed & {"objectId", "createdAt"}, where
            if name == "_Session":
                if b is None:  # a new session is the caller's own (login/signup/POST /sessions)
                    assert me is not None and a["user"]["objectId"] in (me, *new_users(before, after)), where
                    assert a.get("createdWith", {}).get("action") != "login" or case["kind"] != "create", where
                elif a is not None:
                    assert not changed & set(SESSION_OWNED), where
                    assert b["user"]["objectId"] == me, where
                else:
                    assert b["user"]["objectId"] == me, where
            elif name == "_User":
                if b is None:
                    assert not a.get("emailVerified") and "_failed_login_count" not in a and "authData" not in a \
                        or "authData" in case["body"], where
                    continue
                assert oid == me, where
                if a is not None:
                    owned = changed & set(USER_OWNED)
                    if any(key.split(".")[0] == "authData" for key in case["body"]):
                        owned.discard("authData")  # a user may link providers to its own account
                    assert owned <= {"_hashed_password", "_password_changed_at", "_password_history"} and (
                        not owned or "password" in case["body"]), where
                    assert "emailVerified" not in changed or not a.get("emailVerified"), where
            elif name == "_Role":
                assert b is None or a is None or "name" not in changed, where
                assert b is None or b.get("name") != ROLE, where  # members role: public read, no writers
            elif name == "_Installation":
                assert a is not None, where  # clients may not delete installations
                assert b is None or "installationId" not in changed, where


def new_users(before: dict[str, Any], after: dict[str, Any]) -> set[str]:
    return set(after["_User"] or {}) - set(before["_User"] or {})


async def run_case(world: World, case: dict[str, Any]) -> None:
    cls, kind, route = case["class_name"], case["kind"], case["route"]
    if cls == "_GlobalConfig" and kind == "delete":
        kind = case["kind"] = "update"  # the config object is one of a kind
    body = resolve_body(world, case["body"])
    if kind == "create":
        body = {**create_base(cls), **body}
    object_id = None if kind == "create" else await target_id(world, cls, case["target"], kind)
    before = await world.snapshot(SYSTEM_CLASSES)
    if cls == "_GlobalConfig" and route in ("rest", "alias"):
        reply = await world.call(case["caller"], "PUT", "/config", body)
        outcomes = [Outcome(reply.status < 400, reply.status, reply.body, body)]
    else:
        base = ALIAS.get(cls) if route == "alias" else None
        outcomes = await send(world, case["caller"], route if route != "alias" else "rest", kind, cls, object_id,
                              [body], base)
    after = await world.snapshot(SYSTEM_CLASSES)
    check(world, case, outcomes, before, after)
    if before != after:
        await repair(world)


@EXAMPLES
@given(case=cases())
def test_system_classes_keep_their_server_owned_fields(world: World, case: dict[str, Any]) -> None:
    world.run(run_case(world, case))
