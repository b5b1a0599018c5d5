"""Issue 10, Deliver 10: generated writes on classes with every field type — key paths (plain,
dotted into each type, server-owned), values of every type, every `__op` — by every caller,
through REST, /batch, `transaction: true` and the cloud SDK (as the caller and `as_master()`).

Invariants, with stored state read straight from storage before and after:
(1) a refused request stores nothing; (2) no caller changes an object its ACL / CLP / pointer
permissions deny it; (3) objectId, createdAt, updatedAt and the raw `_rperm` / `_wperm` are never
set from a client body; (4) the read-only master key changes nothing, even through `as_master()`;
an allowed write changes only the fields it named (plus updatedAt) and adds fields only where
the class lets the caller add them; (6) no 5xx.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from .strategies import KINDS, ROUTES, bodies, callers, resolve_body
from .world import ACLS, DATA_CLASSES, SYSTEM_CLASSES, World, budget, diff, seed
from .writes import Outcome, send

EXAMPLES = settings(max_examples=budget(150), deadline=None, derandomize=True, database=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
CLIENT_OWNED_NEVER = ("objectId", "createdAt", "updatedAt", "_rperm", "_wperm")


def _heads(body: dict[str, Any]) -> set[str]:
    return {key.split(".")[0] for key in body}


def _allowed_keys(heads: set[str], master: bool) -> set[str]:
    keys = {h for h in heads if master or not (h.startswith("_") or h in CLIENT_OWNED_NEVER)}
    keys |= {"__rel:" + h for h in keys} | {"updatedAt"}
    if "ACL" in heads:
        keys |= {"_rperm", "_wperm"}
    return keys


def check(world: World, case: dict[str, Any], outcomes: list[Outcome], before: dict[str, Any],
          after: dict[str, Any], object_id: str | None) -> None:
    caller, route, kind, cls = case["caller"], case["route"], case["kind"], case["class_name"]
    changes = diff(before, after)
    context = {**case, "outcomes": [(o.status, o.body) for o in outcomes], "changes": changes}
    assert all(o.status < 500 for o in outcomes), context                       # (6)
    if caller == "ro":
        assert not changes, context                                             # (4)
    succeeded = [o for o in outcomes if o.ok]
    if not succeeded or (route == "transaction" and len(succeeded) < len(outcomes)):
        assert not changes, context                                             # (1)
        return
    effective = "master" if route == "cloud_master" else caller
    assert world.may_write(effective, cls, kind, case["acl"], case["owner"]), context   # (2)
    master = effective == "master"
    if not master and caller != "M" and "fresh" in world.files:
        # a file only its uploader (M) may download yet: nobody else may attach it (issue 10, exploit 13)
        assert json.dumps(world.files["fresh"]["name"]) not in json.dumps(after.get(cls)), context
    heads = set().union(*(_heads(o.sent) for o in succeeded)) if kind != "delete" else set()
    allowed = _allowed_keys(heads, master)
    for name in before:
        if name == "__schemas":
            for schema_class in set(before[name]) | set(after[name]):
                if before[name].get(schema_class) != after[name].get(schema_class):
                    assert schema_class == cls and kind != "delete", context
                    assert world.clp_allows(effective, cls, "addField", None), context
            continue
        if name != cls:
            assert before[name] == after[name], (name, context)
            continue
        rows_b, rows_a = before[name] or {}, after[name] or {}
        for oid in set(rows_b) | set(rows_a):
            b, a = rows_b.get(oid), rows_a.get(oid)
            if b == a:
                continue
            if kind == "create":
                assert b is None, (oid, context)
                if not master:                                                  # (3)
                    for o in succeeded:
                        for key in CLIENT_OWNED_NEVER:
                            if key in o.sent and key in a:
                                assert a[key] != o.sent[key], (key, context)
                continue
            assert oid == object_id, (oid, context)
            if kind == "delete":
                assert a is None, context
                continue
            assert a is not None, context
            changed = {k for k in set(a) | set(b) if a.get(k) != b.get(k)}
            assert changed <= allowed, (changed - allowed, context)              # (2)(3)


async def run_case(world: World, case: dict[str, Any]) -> None:
    cls, kind = case["class_name"], case["kind"]
    object_id = None
    if kind != "create":
        object_id = (await seed(world, cls, case["acl"], case["owner"], "mk-w-" + uuid.uuid4().hex[:8])).object_id
    if "'$file', 'fresh'" in repr(case["bodies"]):
        upload = await world.api.post(f"/files/fresh-{uuid.uuid4().hex[:6]}.txt", raw=b"fresh",
                                      session_token=world.tokens["M"], headers={"Content-Type": "text/plain"})
        assert upload.status == 201, upload.body
        world.files["fresh"] = {"__type": "File", "name": upload.body["name"]}
    sent = [resolve_body(world, body) for body in case["bodies"]]
    classes = (cls, "Target", "Secret", *SYSTEM_CLASSES)
    before = await world.snapshot(classes)
    outcomes = await send(world, case["caller"], case["route"], kind, cls, object_id, sent)
    after = await world.snapshot(classes)
    check(world, case, outcomes, before, after, object_id)


cases = st.fixed_dictionaries({
    "caller": callers,
    "class_name": st.sampled_from(DATA_CLASSES),
    "kind": st.sampled_from(KINDS),
    "route": st.sampled_from(ROUTES),
    "acl": st.sampled_from(sorted(ACLS)),
    "owner": st.sampled_from(("A", "B")),
    "bodies": st.lists(bodies, min_size=1, max_size=2),
})


@EXAMPLES
@given(case=cases)
def test_a_write_never_passes_the_policy_and_a_refused_one_stores_nothing(world: World, case: dict[str, Any]) -> None:
    if case["route"] not in ("batch", "transaction"):
        case = {**case, "bodies": case["bodies"][:1]}
    world.run(run_case(world, case))
