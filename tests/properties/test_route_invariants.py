"""Issue 10, Deliver 10, the routes that write besides objects: `POST /files/<name>`, `DELETE
/files/<name>`, `/schemas` (POST / PUT / DELETE, with generated fields of every type, CLPs and
indexes), `DELETE /purge/<class>`, `POST /jobs[/<name>]`, the schedule API (`/cloud_code/jobs`),
`/hooks/functions` and `/hooks/triggers`, `PUT /config`, `POST /push` and `/push_audiences` — sent
directly, inside
`/batch` and inside `transaction: true` batches, by every caller, aimed at data, system,
master-only and new classes.

Invariants, with stored state (objects, relation rows, every schema, stored files) read straight
from storage before and after: no 5xx; a caller without the master key is refused on every one
of these routes (uploading a file as a logged-in user is the one write it may make, and it
stores that file only) and its answer names nothing stored; the read-only master key changes
nothing; a refused request — by anyone, master included — stores nothing.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from parse_compat.schema.model import FIELD_TYPES
from parse_compat.storage.base import FindOptions

from .strategies import callers
from .world import DATA_CLASSES, DATA_FIELDS, USERS, World, budget, diff
from .writes import Outcome

EXAMPLES = settings(max_examples=budget(8), deadline=None, derandomize=True, database=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
ROUTES = ("files_upload", "files_delete", "schemas_create", "schemas_update", "schemas_delete", "purge", "jobs",
          "jobs_by_body", "schedule_create", "schedule_update", "schedule_delete", "hooks_functions",
          "hooks_triggers", "config", "push", "audiences")
WRAPPERS = ("direct", "batch", "transaction")
CLASSES = (*DATA_CLASSES, "Target", "Secret", "_User", "_Session", "_Role", "_Installation", "_GlobalConfig",
           "_JobStatus", "_JobSchedule", "_Hooks", "_Audience", "_Idempotency", "_Audit", "fresh")
# Routes whose effect would end the world when the master key runs them on its own classes: the
# master key gets a throwaway class (or file) instead; every other caller aims at the real ones.
DESTRUCTIVE = ("schemas_update", "schemas_delete", "purge", "files_delete")
NEVER = "2999-01-01T00:00:00.000Z"  # schedules the scheduler must not run while the suite looks
BOOKKEEPING = ("_JobStatus", "_JobSchedule", "_Hooks", "_GlobalConfig", "_PushStatus", "_Audience")

field_specs = st.one_of(
    st.sampled_from(sorted(FIELD_TYPES | {"Nope", "ACL"})).map(lambda kind: {"type": kind}),
    st.builds(lambda kind, target: {"type": kind, "targetClass": target},
              st.sampled_from(("Pointer", "Relation")), st.sampled_from(("Target", "_User", "_GlobalConfig", "9x"))),
    st.builds(lambda kind, default: {"type": kind, "required": True, "defaultValue": default},
              st.sampled_from(("String", "Number", "Boolean")), st.one_of(st.text(max_size=3), st.integers(0, 3))),
    st.just({"__op": "Delete"}),
)
field_names = st.sampled_from((*DATA_FIELDS, "newField", "objectId", "ACL", "_hashed_password", "a.b", "$x", "9x"))
clps = st.sampled_from((None, {}, {"find": {"*": True}, "get": {"*": True}, "create": {"*": True}},
                        {"get": {"requiresAuthentication": True}}, {"find": {"pointerFields": ["owner"]}},
                        {"protectedFields": {"*": ["str"]}}, {"bogus": {"*": True}}))
indexes = st.sampled_from((None, {"by_str": {"str": 1}}, {"by_str": {"__op": "Delete"}}, {"bad": {"nope": 1}}))
json_values = st.one_of(st.none(), st.booleans(), st.integers(-2, 2), st.text(max_size=4),
                        st.just({"__op": "Delete"}), st.just({"__type": "Date", "iso": "2030-01-01T00:00:00.000Z"}))


@st.composite
def items(draw: st.DrawFn, route: str | None = None) -> dict[str, Any]:
    """One generated request: its route, the class it aims at and its body's parts."""
    return {"route": route or draw(st.sampled_from(ROUTES)), "class_name": draw(st.sampled_from(CLASSES)),
            "fields": draw(st.dictionaries(field_names, field_specs, max_size=3)), "clp": draw(clps),
            "indexes": draw(indexes), "job": draw(st.sampled_from(("propJob", "noSuchJob"))),
            "params": draw(st.dictionaries(st.sampled_from(("shown", "hush", "n", "_x", "a.b")), json_values,
                                           max_size=2)),
            "master_only": draw(st.booleans()), "hook_delete": draw(st.booleans())}


@st.composite
def cases(draw: st.DrawFn, route: str) -> dict[str, Any]:
    """A request on `route` by any caller; in a batch, maybe followed by one on any route."""
    wrapper = draw(st.sampled_from(WRAPPERS))
    more = draw(st.lists(items(), max_size=1)) if wrapper != "direct" else []
    return {"caller": draw(callers), "wrapper": wrapper, "items": [draw(items(route)), *more]}


# --- building and sending the requests ---------------------------------------------------------
async def throwaway_class(world: World) -> str:
    name = "Tmp" + uuid.uuid4().hex[:8]
    made = await world.api.post(f"/classes/{name}", {"str": "mk-throwaway", "n": 1}, master=True)
    assert made.status == 201, made.body
    return name


async def throwaway_file(world: World) -> str:
    made = await world.api.post("/files/tmp.txt", raw=b"throwaway", master=True,
                                headers={"Content-Type": "text/plain"})
    assert made.status == 201, made.body
    return str(made.body["name"])


async def a_schedule(world: World) -> str:
    made = await world.api.post("/cloud_code/jobs", {"job_schedule": {"jobName": "propJob", "description": "tmp",
                                                                      "startAfter": NEVER, "params": {}}},
                                master=True)
    assert made.status in (200, 201), made.body
    return str(made.body["objectId"])


async def an_audience(world: World) -> str:
    made = await world.api.post("/push_audiences", {"name": "mk-audience", "query": "{}"}, master=True)
    assert made.status == 201, made.body
    return str(made.body["objectId"])


async def build(world: World, caller: str, item: dict[str, Any]) -> tuple[str, str, Any, bytes | None]:
    """(method, path, JSON body, raw body) of one generated item."""
    route, cls = item["route"], item["class_name"]
    if cls == "fresh":
        cls = "Fresh" + uuid.uuid4().hex[:8]
    if caller == "master" and route in DESTRUCTIVE:
        cls = await throwaway_class(world)
    if route == "files_upload":
        return "POST", f"/files/{cls.strip('_') or 'x'}.txt", None, b"generated upload"
    if route == "files_delete":
        name = await throwaway_file(world) if caller == "master" else world.files[USERS[len(cls) % 3]]["name"]
        return "DELETE", f"/files/{name}", None, None
    schema_body: dict[str, Any] = {"fields": item["fields"]}
    if item["clp"] is not None:
        schema_body["classLevelPermissions"] = item["clp"]
    if item["indexes"] is not None:
        schema_body["indexes"] = item["indexes"]
    if route == "schemas_create":  # the class named in the path, or in the body only
        return "POST", "/schemas" if item["master_only"] else f"/schemas/{cls}", {"className": cls, **schema_body}, None
    if route == "schemas_update":
        return "PUT", f"/schemas/{cls}", schema_body, None
    if route == "schemas_delete":
        return "DELETE", f"/schemas/{cls}", None, None
    if route == "purge":
        return "DELETE", f"/purge/{cls}", None, None
    if route == "jobs":
        return "POST", f"/jobs/{item['job']}", dict(item["params"]), None
    if route == "jobs_by_body":
        return "POST", "/jobs", {"jobName": item["job"], **item["params"]}, None
    schedule = {"job_schedule": {"jobName": item["job"], "description": "generated", "startAfter": NEVER,
                                 "params": item["params"]}}
    if route == "schedule_create":
        return "POST", "/cloud_code/jobs", schedule, None
    if route in ("schedule_update", "schedule_delete"):
        object_id = await a_schedule(world)
        return ("PUT", f"/cloud_code/jobs/{object_id}", schedule, None) if route == "schedule_update" else (
            "DELETE", f"/cloud_code/jobs/{object_id}", None, None)
    hook_body: dict[str, Any] = {"__op": "Delete"} if item["hook_delete"] else {"url": "https://example.com/hook"}
    if route == "hooks_functions":
        if item["master_only"]:
            return "POST", "/hooks/functions", {"functionName": "generated", "url": "https://example.com/f"}, None
        return "PUT", "/hooks/functions/generated", hook_body, None
    if route == "hooks_triggers":
        if item["master_only"]:
            return "POST", "/hooks/triggers", {"className": cls, "triggerName": "beforeSave",
                                               "url": "https://example.com/t"}, None
        return "PUT", f"/hooks/triggers/{cls}/beforeSave", hook_body, None
    if route == "config":
        names = {name: True for name in item["params"]} if item["master_only"] else {}
        return "PUT", "/config", {"params": item["params"], "masterKeyOnly": names}, None
    if route == "audiences":
        if item["master_only"]:
            return "POST", "/push_audiences", {"name": "generated", "query": json.dumps(item["params"])}, None
        object_id = await an_audience(world)
        return ("DELETE", f"/push_audiences/{object_id}", None, None) if item["hook_delete"] else (
            "PUT", f"/push_audiences/{object_id}", {"name": "renamed"}, None)
    return "POST", "/push", {"where": {}, "data": {"alert": "generated"}}, None


Built = tuple[str, str, Any, bytes | None]


async def send(world: World, case: dict[str, Any], built: list[Built]) -> list[Outcome]:
    caller, wrapper = case["caller"], case["wrapper"]
    if wrapper == "direct":
        method, path, body, raw = built[0]
        who = world.who(caller)
        if raw is not None:
            who = {**who, "raw": raw, "headers": {**who.get("headers", {}), "Content-Type": "text/plain"}}
        reply = await world.api.request(method, path, body, **who)
        return [Outcome(reply.status < 400, reply.status, reply.body, {"path": path})]
    requests = []
    for method, path, body, raw in built:
        sub: dict[str, Any] = {"method": method, "path": "/parse" + path}
        if raw is not None:
            sub["body"] = {"base64": "Z2VuZXJhdGVk", "_ContentType": "text/plain"}
        elif body is not None:
            sub["body"] = body
        requests.append(sub)
    payload: dict[str, Any] = {"requests": requests, **({"transaction": True} if wrapper == "transaction" else {})}
    reply = await world.call(caller, "POST", "/batch", payload)
    if reply.status >= 400 or not isinstance(reply.body, list):
        return [Outcome(False, reply.status, reply.body, {"path": path}) for _, path, _, _ in built]
    out = []
    for item, (_, path, _, _) in zip(reply.body, built, strict=True):
        code = (item.get("error") or {}).get("code") if "success" not in item else None
        out.append(Outcome("success" in item, 200 if "success" in item else 500 if code == 1 else 400, item,
                           {"path": path}))
    return out


# --- stored state --------------------------------------------------------------------------
async def stored(world: World, classes: tuple[str, ...]) -> dict[str, Any]:
    """Objects of `classes` and every schema (world.snapshot), plus the names of stored files."""
    snap = await world.snapshot(classes)
    files = world.state.services.files
    snap["__files"] = sorted([name async for name in files.store.adapter.names()]) if files is not None else []
    return snap


async def settle_jobs(world: World, before: dict[str, Any]) -> None:
    """Wait (bounded) for jobs a master request started, so their status rows stop changing."""
    schema = world.state.schemas.get("_JobStatus")
    seen = list(before.get("_JobStatus") or {})
    for _ in range(100):
        if schema is None or not await world.state.storage.find(
                schema, {"status": "running", "objectId": {"$nin": seen}}, FindOptions(limit=1)):
            return
        await asyncio.sleep(0.02)


def check(world: World, case: dict[str, Any], outcomes: list[Outcome], before: dict[str, Any],
          after: dict[str, Any]) -> None:
    caller, wrapper = case["caller"], case["wrapper"]
    changes = diff(before, after)
    context = {**case, "outcomes": [(o.status, o.body) for o in outcomes], "changes": changes}
    assert all(o.status < 500 for o in outcomes), context
    if caller == "ro":
        assert not any(o.ok for o in outcomes) and not changes, context
    succeeded = [o for o in outcomes if o.ok]
    if not succeeded or (wrapper == "transaction" and len(succeeded) < len(outcomes)):
        assert not changes, context                          # a refused request stores nothing
    if caller == "master":
        return
    answers = json.dumps([o.body for o in outcomes], default=str)
    assert "mk-" not in answers, context                     # a refusal names nothing stored
    for outcome, item in zip(outcomes, case["items"], strict=False):
        upload = item["route"] == "files_upload" and wrapper == "direct"
        assert not outcome.ok or (upload and caller in USERS), context
    if succeeded:  # a user's own upload: that file and nothing else
        name = succeeded[0].body["name"]
        assert changes == [f"__files: {before['__files']!r} -> {after['__files']!r}"], context
        assert set(after["__files"]) - set(before["__files"]) == {name}, context


async def run_case(world: World, case: dict[str, Any]) -> None:
    built = [await build(world, case["caller"], item) for item in case["items"]]  # throwaways first
    classes = tuple(dict.fromkeys([item["class_name"] for item in case["items"] if item["class_name"] != "fresh"]
                                  + list(BOOKKEEPING)))
    before = await stored(world, classes)
    outcomes = await send(world, case, built)
    if case["caller"] == "master":
        await settle_jobs(world, before)
    after = await stored(world, classes)
    check(world, case, outcomes, before, after)


@pytest.mark.parametrize("route", ROUTES)
def test_system_routes_refuse_callers_without_the_master_key(world: World, route: str) -> None:
    """Every route gets its own fixed budget (a shared one left some routes with no example)."""

    @EXAMPLES
    @given(case=cases(route))
    def property_of_route(case: dict[str, Any]) -> None:
        world.run(run_case(world, case))

    property_of_route()


# --- the account routes anyone may call ----------------------------------------------------
ACCOUNT_ROUTES = ("login", "verify_password", "logout", "password_reset", "verification_email")
ACCOUNT_PATHS = {"login": "/login", "verify_password": "/verifyPassword", "logout": "/logout",
                 "password_reset": "/requestPasswordReset", "verification_email": "/verificationEmailRequest"}
# What each route may change on `_User` rows (server-owned bookkeeping), beyond sessions.
ACCOUNT_FIELDS = {"login": {"_failed_login_count", "_account_lockout_expires_at"},
                  "verify_password": {"_failed_login_count", "_account_lockout_expires_at"},
                  "logout": set(), "password_reset": {"_perishable_token", "_perishable_token_expires_at"},
                  "verification_email": {"_email_verify_token", "_email_verify_token_expires_at"}}
account_bodies = st.fixed_dictionaries({}, optional={
    "username": st.sampled_from(("userA", "userB", "userM", "nobody", "")),
    "email": st.sampled_from(("a@example.com", "b@example.com", "nobody@example.com", 3)),
    "password": st.sampled_from(("pw-A", "pw-B", "wrong", None)),
})


@st.composite
def account_cases(draw: st.DrawFn, route: str) -> dict[str, Any]:
    return {"caller": draw(callers), "wrapper": draw(st.sampled_from(("direct", "batch"))), "route": route,
            "body": draw(account_bodies)}


async def run_account_case(world: World, case: dict[str, Any]) -> None:
    caller, route, body = case["caller"], case["route"], case["body"]
    classes = ("_User", "_Session")
    before = await stored(world, classes)
    path = ACCOUNT_PATHS[route]
    if case["wrapper"] == "direct":
        reply = await world.call(caller, "POST", path, body)
        outcome = Outcome(reply.status < 400, reply.status, reply.body, body)
    else:
        reply = await world.call(caller, "POST", "/batch", {"requests": [
            {"method": "POST", "path": "/parse" + path, "body": body}]})
        item = reply.body[0] if reply.status == 200 and isinstance(reply.body, list) else {"error": reply.body}
        code = (item.get("error") or {}).get("code") if isinstance(item.get("error"), dict) else None
        outcome = Outcome("success" in item, 200 if "success" in item else 500 if code == 1 else 400, item, body)
    after = await stored(world, classes)
    changes = diff(before, after)
    context = {**case, "outcome": (outcome.status, outcome.body), "changes": changes}
    assert outcome.status < 500, context
    if not outcome.ok:
        assert not (changes and route == "logout"), context
    users_b, users_a = before["_User"] or {}, after["_User"] or {}
    assert set(users_b) == set(users_a), context                     # no account made or removed
    for oid in users_b:
        changed = {k for k in set(users_b[oid]) | set(users_a[oid]) if users_b[oid].get(k) != users_a[oid].get(k)}
        assert changed <= ACCOUNT_FIELDS[route] | ({"updatedAt"} if changed else set()), (oid, changed, context)
    sessions_b, sessions_a = before["_Session"] or {}, after["_Session"] or {}
    gone, made = set(sessions_b) - set(sessions_a), set(sessions_a) - set(sessions_b)
    me = world.ids.get(caller)
    if route == "logout":                                            # only the caller's own session ends
        assert not made and all(sessions_b[oid]["user"]["objectId"] == me for oid in gone), context
    elif route == "login":                                           # a session for the account that proved it
        assert not made or outcome.ok, context
        proved = {uid for name, uid in world.ids.items() if body.get("password") == "pw-" + name}
        assert all(sessions_a[oid]["user"]["objectId"] in proved for oid in made), context
        # parse-compat: as in Parse, a new session ends the account's earlier ones on the same
        # installation — "cloud" for requests made with a master key, so none for plain clients
        assert all(sessions_b[oid]["user"]["objectId"] in proved and caller in ("master", "ro")
                   and sessions_b[oid].get("installationId") == "cloud" for oid in gone), context
    else:
        assert not gone and not made, context
    answer = json.dumps(outcome.body, default=str)
    assert "_perishable_token" not in answer and "_email_verify_token" not in answer, context
    if gone and me is not None and route == "logout":  # the caller logged out: log it back in
        login = await world.api.post("/login", {"username": "user" + caller, "password": "pw-" + caller})
        assert login.status == 200, login.body
        world.tokens[caller] = login.body["sessionToken"]


@pytest.mark.parametrize("route", ACCOUNT_ROUTES)
def test_account_routes_touch_only_their_own_bookkeeping(world: World, route: str) -> None:
    """`/login`, `/verifyPassword`, `/logout`, `/requestPasswordReset`, `/verificationEmailRequest`:
    open to every caller, they change no field but their own server-owned bookkeeping, end no
    session but the caller's, and start sessions only for the account whose password was sent."""

    @EXAMPLES
    @given(case=account_cases(route))
    def property_of_route(case: dict[str, Any]) -> None:
        world.run(run_account_case(world, case))

    property_of_route()


# --- analytics events, open to every caller -------------------------------------------------
event_cases = st.fixed_dictionaries({
    "caller": callers, "wrapper": st.sampled_from(("direct", "batch")),
    "name": st.sampled_from(("AppOpened", "propEvent", "mk-event", "a" * 300)),
    "body": st.one_of(st.dictionaries(st.sampled_from(("dimensions", "at", "_x")), json_values, max_size=2),
                      st.just({"dimensions": {"category": "mk-secret"}})),
})


async def run_event_case(world: World, case: dict[str, Any]) -> None:
    classes = (*DATA_CLASSES, *BOOKKEEPING)
    before = await stored(world, classes)
    path = f"/events/{case['name']}"
    if case["wrapper"] == "direct":
        reply = await world.call(case["caller"], "POST", path, case["body"])
        status, body = reply.status, reply.body
    else:
        reply = await world.call(case["caller"], "POST", "/batch", {"requests": [
            {"method": "POST", "path": "/parse" + path, "body": case["body"]}]})
        status, body = reply.status, reply.body
    after = await stored(world, classes)
    context = {**case, "answer": (status, body)}
    assert status < 500 and not diff(before, after), context   # accepted or refused, nothing stored
    if case["wrapper"] == "direct" and status == 200:
        assert body == {}, context                             # Parse's answer; nothing echoed back


def test_analytics_events_store_nothing(world: World) -> None:
    """`POST /events/<name>` (Parse's analytics): any caller, any body, direct or batched — the
    answer is `{}` or a refusal and nothing is stored (the default adapter keeps nothing)."""

    @EXAMPLES
    @given(case=event_cases)
    def property_of_events(case: dict[str, Any]) -> None:
        world.run(run_event_case(world, case))

    property_of_events()


# --- impersonation and login challenges -----------------------------------------------------
impersonation_cases = st.fixed_dictionaries({
    "caller": callers, "wrapper": st.sampled_from(("direct", "batch")),
    "route": st.sampled_from(("/loginAs", "/challenge", "/upgradeToRevocableSession")),
    "body": st.fixed_dictionaries({}, optional={
        "userId": st.sampled_from(("A", "B", "M", "missing", "")),
        "username": st.sampled_from(("userA", "userB", "nobody")),
        "password": st.sampled_from(("pw-A", "pw-B", "wrong")),
        "authData": st.one_of(st.none(), st.just({"anonymous": {"id": "x"}}), st.just({"mfa": {"token": "1"}})),
        "challengeData": st.one_of(st.none(), st.just({"mfa": {}}), st.just({"google": {"x": 1}}), json_values),
    }),
})


async def run_impersonation_case(world: World, case: dict[str, Any]) -> None:
    caller, route, body = case["caller"], case["route"], dict(case["body"])
    if body.get("userId") in world.ids:
        body["userId"] = world.ids[body["userId"]]
    classes = ("_User", "_Session")
    before = await stored(world, classes)
    if case["wrapper"] == "direct":
        reply = await world.call(caller, "POST", route, body)
        status, answer = reply.status, reply.body
    else:
        reply = await world.call(caller, "POST", "/batch", {"requests": [
            {"method": "POST", "path": "/parse" + route, "body": body}]})
        item = reply.body[0] if reply.status == 200 and isinstance(reply.body, list) else {"error": reply.body}
        status, answer = (200 if "success" in item else 400), item
    after = await stored(world, classes)
    changes = diff(before, after)
    context = {**case, "answer": (status, answer), "changes": changes}
    assert status < 500, context
    assert (before["_User"] or {}) == (after["_User"] or {}), context          # no account touched
    sessions_b, sessions_a = before["_Session"] or {}, after["_Session"] or {}
    made = set(sessions_a) - set(sessions_b)
    assert set(sessions_b) <= set(sessions_a), context                         # no session ended
    if route == "/loginAs" and caller == "master" and body.get("userId") in world.ids.values():
        assert len(made) <= 1 and all(sessions_a[oid]["user"]["objectId"] == body["userId"] for oid in made), context
    elif route == "/upgradeToRevocableSession" and caller in world.tokens:
        # a session holder may get one more session of its own user, ending when its own does
        own = [doc for doc in sessions_b.values() if doc.get("sessionToken") == world.tokens[caller]]
        assert len(made) <= 1 and len(own) == 1, context
        for oid in made:
            assert sessions_a[oid]["user"]["objectId"] == world.ids[caller], context
            assert sessions_a[oid].get("expiresAt") == own[0].get("expiresAt"), context
    else:  # only the master key impersonates; a challenge never opens a session
        assert not made, context
        assert "sessionToken" not in json.dumps(answer, default=str), context


def test_only_the_master_key_impersonates_and_challenges_open_no_session(world: World) -> None:
    """`POST /loginAs` and `POST /challenge`, by every caller, direct or batched: no account is
    changed and no session ends; a session starts only for the master key's `loginAs`, and only
    for the account it names (read-only master, sessions and anonymous callers are refused)."""

    @EXAMPLES
    @given(case=impersonation_cases)
    def property_of_impersonation(case: dict[str, Any]) -> None:
        world.run(run_impersonation_case(world, case))

    property_of_impersonation()
