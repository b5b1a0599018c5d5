"""Issue 10, Deliver 10, the read side: generated find / get / count with `where` (on visible,
protected and dotted keys), `include` and `keys` (into pointers at Target, Secret and the system
classes `_GlobalConfig`, `_Session`, `_User`, `_Installation`, `_JobStatus`), `$inQuery` /
`$notInQuery` / `$select` / `$dontSelect` / `$relatedTo`, by every caller.

Every seeded object and secret carries a unique marker string, and the model says which caller
may see which marker: a response never contains a marker of an object (or field) the policy
hides, never an object the caller may not read, never a protected field, a query on a protected
field is refused, a sub-query pinned to an unreadable object matches nothing, and no 5xx.
"""

from __future__ import annotations

import json
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from .strategies import callers
from .world import DATA_CLASSES, DATA_FIELDS, SYSTEM_POINTERS, World, budget

EXAMPLES = settings(max_examples=budget(250), deadline=None, derandomize=True, database=None,
                    suppress_health_check=[HealthCheck.too_slow])
SUBQUERY_CLASSES = ("Target", "Secret", "Locked", "Owned", "Guarded", "_Installation", "_Session", "_User",
                    "_GlobalConfig", "_JobStatus")
SUBQUERIES = ("inQuery", "notInQuery", "select", "dontSelect")
CLOSED_TO_CLIENTS = ("Secret", "Locked", "_Installation", "_GlobalConfig", "_JobStatus")
where_keys = st.sampled_from((*DATA_FIELDS, "obj.note", "obj.a.b", "ptr.objectId", "sess.sessionToken",
                              "cfg.params", "_rperm", "_wperm"))


@st.composite
def read_cases(draw: st.DrawFn) -> dict[str, Any]:
    case: dict[str, Any] = {"caller": draw(callers), "class_name": draw(st.sampled_from(DATA_CLASSES)),
                            "op": draw(st.sampled_from(("find", "find", "count", "get")))}
    params: dict[str, Any] = {}
    shape = draw(st.sampled_from(("none", "field", "exists", "inQuery", "notInQuery", "select", "dontSelect",
                                  "relatedTo")))
    sub_class = draw(st.sampled_from(SUBQUERY_CLASSES))
    case.update(shape=shape, sub_class=sub_class, pin=draw(st.booleans()), key=draw(where_keys))
    if draw(st.booleans()):
        params["include"] = ",".join(draw(st.lists(st.sampled_from((*SYSTEM_POINTERS, "*", "ptr.ptr", "sess.user")),
                                                   min_size=1, max_size=3, unique=True)))
    if draw(st.booleans()):
        params["keys"] = ",".join(draw(st.lists(st.sampled_from(
            ("str", "num", "obj", "cfg.params", "cfg.masterKeyOnly", "sess.sessionToken", "inst.deviceToken",
             "job.message", "sec.str", "usr.email", "ptr.str", "owner")), min_size=1, max_size=3, unique=True)))
    case["params"] = params
    case["target"] = draw(st.integers(0, 10_000))
    return case


def _where(world: World, case: dict[str, Any]) -> tuple[dict[str, Any], str | None]:
    """The generated where, and the marker of the object a sub-query is pinned to (if any)."""
    shape, sub, key = case["shape"], case["sub_class"], case["key"]
    pinned = None
    inner: dict[str, Any] = {}
    if case["pin"] and sub == "Target":
        target = list(world.targets.values())[case["target"] % len(world.targets)]
        inner, pinned = {"str": target.marker}, target.marker
    elif case["pin"] and sub in DATA_CLASSES:
        seeded = [s for s in world.seeded if s.class_name == sub]
        chosen = seeded[case["target"] % len(seeded)]
        inner, pinned = {"str": chosen.marker}, chosen.marker
    elif case["pin"]:
        inner = {"objectId": {"$exists": True}}
    if shape == "field":
        return {key: "mk-guess"}, None
    if shape == "exists":
        return {key: {"$exists": True}}, None
    if shape in ("inQuery", "notInQuery"):
        return {"ptr": {"$" + shape: {"className": sub, "where": inner}}}, pinned
    if shape in ("select", "dontSelect"):
        return {"str": {"$" + shape: {"query": {"className": sub, "where": inner}, "key": "str"}}}, pinned
    if shape == "relatedTo":
        seeded = world.seeded[case["target"] % len(world.seeded)]
        return {"$relatedTo": {"object": world.pointer(seeded.class_name, seeded.object_id), "key": "rel"}}, None
    return {}, None


def visible_markers(world: World, caller: str) -> set[str]:
    """Every marker this caller may ever see (objects it may read, fields not protected for it)."""
    out = set()
    for s in world.seeded:
        if world.may_read(caller, s.class_name, s.acl, s.owner, "get") and \
                "str" not in world.hidden(caller, s.class_name, s.owner):
            out |= {s.marker, s.marker + "-obj"}
        elif world.may_read(caller, s.class_name, s.acl, s.owner, "get"):
            out.add(s.marker + "-obj")
    for t in world.targets.values():
        if world.acl_allows(caller, t.acl, "read"):
            out.add(t.marker)
    if caller in ("master", "ro"):
        out |= set(world.markers.values())
    # parse-compat: as in Parse, a client may get an installation by objectId (find is closed), and the
    # seeded one has no ACL, so include shows it like a get would
    out.add(world.markers["device"])
    return out


def all_markers(world: World) -> set[str]:
    return ({s.marker for s in world.seeded} | {s.marker + "-obj" for s in world.seeded}
            | {t.marker for t in world.targets.values()} | set(world.markers.values()))


def _objects(body: Any) -> list[dict[str, Any]]:
    if isinstance(body, dict) and isinstance(body.get("results"), list):
        return [r for r in body["results"] if isinstance(r, dict)]
    if isinstance(body, dict) and "objectId" in body:
        return [body]
    return []


async def run_case(world: World, case: dict[str, Any]) -> None:
    caller, cls = case["caller"], case["class_name"]
    where, pinned = _where(world, case)
    params = dict(case["params"])
    seeded = [s for s in world.seeded if s.class_name == cls]
    path = f"/classes/{cls}"
    if case["op"] == "get":
        path += "/" + seeded[case["target"] % len(seeded)].object_id
    else:
        params["where"] = where
        if case["op"] == "count":
            params.update(count=1, limit=0)
    reply = await world.call(caller, "GET", path, params=params)
    context = {**case, "where": where, "status": reply.status, "body": reply.body}
    assert reply.status < 500, context                                                      # (6)
    text = json.dumps(reply.body)
    leaked = {m for m in all_markers(world) - visible_markers(world, caller) if json.dumps(m) in text}
    assert not leaked, (leaked, context)                                                    # (5)
    # secrets that are not markers: other users' session tokens
    for who, token in world.tokens.items():
        if caller not in (who, "master", "ro"):
            assert token not in text, (who, context)
    if reply.status >= 400:
        return
    if caller not in ("master", "ro") and case["op"] != "get" and case["shape"] in SUBQUERIES:
        # sub-queries into classes the caller may not search, or selecting a protected key, are refused
        assert case["sub_class"] not in CLOSED_TO_CLIENTS, ("sub-query into a closed class answered", context)
        if case["shape"] in ("select", "dontSelect"):
            assert "str" not in world.query_hidden(caller, case["sub_class"]), ("protected $select key", context)
    if case["op"] != "get" and case["shape"] in ("field", "exists") and \
            case["key"].split(".")[0] in world.query_hidden(caller, cls):
        raise AssertionError(("a query on a protected field answered", context))
    by_id = {s.object_id: s for s in seeded}
    for obj in _objects(reply.body):
        s = by_id.get(obj.get("objectId"))
        if s is None:
            continue  # created by the write suites of another module? (not in this world)
        assert world.may_read(caller, cls, s.acl, s.owner, "get" if case["op"] == "get" else "find"), context
        hidden = world.hidden(caller, cls, s.owner) & set(obj)
        assert not hidden, (hidden, context)
    if pinned is not None and pinned not in visible_markers(world, caller) and case["shape"] in ("inQuery", "select") \
            and case["op"] != "get":
        assert not _objects(reply.body) and not (isinstance(reply.body, dict) and reply.body.get("count")), context


@EXAMPLES
@given(case=read_cases())
def test_a_read_never_shows_what_the_policy_hides(world: World, case: dict[str, Any]) -> None:
    world.run(run_case(world, case))
