"""Hypothesis strategies: key paths × values of every field type × `__op` operators, callers and
write routes. Values name objects symbolically (`("$ptr", "Target", "A_rw")`) and `World.resolve`
turns them into ids, so the strategies stay independent of one run's objectIds."""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from .world import ACLS, CALLERS, DATA_FIELDS, World

SERVER_OWNED = ("objectId", "createdAt", "updatedAt", "_rperm", "_wperm", "_hashed_password", "authData",
                "sessionToken", "emailVerified", "_failed_login_count", "_account_lockout_expires_at")
HEADS = (*DATA_FIELDS, "ACL", "fresh", *SERVER_OWNED)
SUBS = ("objectId", "className", "__type", "name", "url", "iso", "latitude", "coordinates", "base64", "a", "a.b",
        "*", "read", "$A", "$B")
POINTER_TARGETS = (("Target", "public"), ("Target", "A_rw"), ("Target", "B_rw"), ("Target", "nobody"),
                   ("Secret", None), ("_GlobalConfig", None), ("_Session", None), ("_User", "A"), ("_User", "B"),
                   ("_Installation", None), ("_JobStatus", None))
ROUTES = ("rest", "batch", "transaction", "cloud", "cloud_master")
KINDS = ("create", "update", "delete")

key_paths = st.one_of(
    st.sampled_from(HEADS),
    st.builds(lambda head, sub: f"{head}.{sub}", st.sampled_from(HEADS), st.sampled_from(SUBS)),
)

pointers = st.sampled_from(POINTER_TARGETS).map(lambda t: ("$ptr", *t))
acl_values = st.sampled_from(sorted(ACLS)).map(lambda name: ("$acl", name))
# "fresh": uploaded by M just before the write (referenced by nothing, so only M may attach it)
files = st.sampled_from(("A", "B", "M", "fresh")).flatmap(
    lambda who: st.sampled_from((("$file", who, False), ("$file", who, True))))
typed = st.one_of(
    st.just({"__type": "Date", "iso": "2001-01-01T00:00:00.000Z"}),
    st.just({"__type": "Date", "iso": "not a date"}),
    st.just({"__type": "GeoPoint", "latitude": 1.5, "longitude": 2.5}),
    st.just({"__type": "GeoPoint", "latitude": 500, "longitude": 0}),
    st.just({"__type": "Polygon", "coordinates": [[0, 0], [0, 2], [2, 2]]}),
    st.just({"__type": "Bytes", "base64": "d29ybGQ="}),
    st.just({"__type": "Relation", "className": "Target"}),
    st.just({"a": {"b": 2}, "c": [1]}),
    pointers, acl_values, files,
)
scalars = st.one_of(st.none(), st.booleans(), st.integers(-3, 3), st.text(max_size=6),
                    st.floats(allow_nan=False, allow_infinity=False, width=32))
op_objects = st.lists(st.one_of(pointers, st.integers(0, 3), st.text(max_size=3)), min_size=0, max_size=2)
relation_op = st.builds(lambda op, objs: {"__op": op, "objects": objs},
                        st.sampled_from(("AddRelation", "RemoveRelation")), st.lists(pointers, max_size=2))
operators = st.one_of(
    st.builds(lambda n: {"__op": "Increment", "amount": n}, st.one_of(st.integers(-2, 2), st.text(max_size=2))),
    st.builds(lambda op, objs: {"__op": op, "objects": objs},
              st.sampled_from(("Add", "AddUnique", "Remove")), op_objects),
    st.just({"__op": "Delete"}),
    relation_op,
    st.builds(lambda ops: {"__op": "Batch", "ops": ops}, st.lists(relation_op, min_size=1, max_size=2)),
    st.just({"__op": "SetOnInsert", "value": 1}),
)
values = st.one_of(scalars, typed, operators, st.lists(st.one_of(scalars, pointers), max_size=2))
target_ptr = st.sampled_from(("public", "A_rw", "B_rw", "nobody")).map(lambda acl: ("$ptr", "Target", acl))
user_ptr = st.sampled_from(("A", "B")).map(lambda who: ("$ptr", "_User", who))
# A value of the field's own type (or an operator that applies to it), so that writes get through
# often enough for the "allowed write" invariants to be exercised.
WELL_TYPED: dict[str, st.SearchStrategy[Any]] = {
    "str": st.text(max_size=5), "num": st.one_of(st.integers(-5, 5), operators.filter(
        lambda op: op.get("__op") == "Increment")), "flag": st.booleans(),
    "when": st.just({"__type": "Date", "iso": "2001-01-01T00:00:00.000Z"}),
    "obj": st.dictionaries(st.sampled_from(("a", "b")), scalars, max_size=2),
    "obj.a.b": st.integers(0, 3), "obj.note": st.text(max_size=3),
    "arr": st.one_of(st.lists(scalars, max_size=2), st.builds(lambda op, objs: {"__op": op, "objects": objs},
                                                              st.sampled_from(("Add", "AddUnique", "Remove")),
                                                              op_objects)),
    "ptr": target_ptr, "rel": st.builds(lambda op, objs: {"__op": op, "objects": objs},
                                        st.sampled_from(("AddRelation", "RemoveRelation")),
                                        st.lists(target_ptr, min_size=1, max_size=2)),
    "file": files, "geo": st.just({"__type": "GeoPoint", "latitude": 1.5, "longitude": 2.5}),
    "poly": st.just({"__type": "Polygon", "coordinates": [[0, 0], [0, 2], [2, 2]]}),
    "bytes": st.just({"__type": "Bytes", "base64": "d29ybGQ="}), "owner": user_ptr, "usr": user_ptr,
    "ACL": acl_values, "sec": st.just(("$ptr", "Secret", None)), "cfg": st.just(("$ptr", "_GlobalConfig", None)),
    "sess": st.just(("$ptr", "_Session", None)), "inst": st.just(("$ptr", "_Installation", None)),
    "job": st.just(("$ptr", "_JobStatus", None)), "fresh": scalars,
}
well_typed_bodies = st.lists(st.sampled_from(sorted(WELL_TYPED)), min_size=1, max_size=2, unique=True).flatmap(
    lambda keys: st.fixed_dictionaries({key: st.one_of(WELL_TYPED[key], st.just({"__op": "Delete"}))
                                        for key in keys}))
bodies = st.one_of(well_typed_bodies, st.dictionaries(key_paths, values, min_size=1, max_size=3))
callers = st.sampled_from(CALLERS)


def resolve(world: World, value: Any) -> Any:
    """Symbolic references (`("$ptr", ...)`, `("$acl", ...)`, `("$file", ...)`) → JSON values."""
    if isinstance(value, tuple) and value and value[0] == "$ptr":
        _, class_name, which = value
        if class_name == "Target":
            return world.pointer("Target", world.targets[which].object_id)
        if class_name == "_User":
            return world.pointer("_User", world.ids[which])
        key = {"Secret": "sec", "_GlobalConfig": "cfg", "_Session": "sess", "_Installation": "inst",
               "_JobStatus": "job"}[class_name]
        return world.pointer(class_name, world.system_ids[key])
    if isinstance(value, tuple) and value and value[0] == "$acl":
        return world.acl(value[1]) or {"*": {"read": True, "write": True}}
    if isinstance(value, tuple) and value and value[0] == "$file":
        _, who, with_url = value
        out = dict(world.files.get(who) or world.files["M"])
        if with_url:
            out["url"] = f"{world.api.base}/files/{world.api.state.settings.appId}/{out['name']}"
        return out
    if isinstance(value, dict):
        return {resolve_key(world, k): resolve(world, v) for k, v in value.items()}
    if isinstance(value, list):
        return [resolve(world, v) for v in value]
    return value


def resolve_key(world: World, key: str) -> str:
    return key.replace("$A", world.ids["A"]).replace("$B", world.ids["B"])


def resolve_body(world: World, body: dict[str, Any]) -> dict[str, Any]:
    return {resolve_key(world, k): resolve(world, v) for k, v in body.items()}
