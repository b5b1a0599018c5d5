"""The ACL-restricted list (the practice's main screen: a filter, order=-createdAt, a page, as a
logged-in user) returns exactly the rows the caller may read, in order, with limit/skip/count,
on every adapter. On SQLite it runs the readable-first plan (acl_plan.py), so its rows are
checked against a plain Python reading of the same documents."""

from __future__ import annotations

from typing import Any

import pytest

from parse_compat.storage.base import ClassSchema, FindOptions

pytestmark = pytest.mark.asyncio
SCHEMA = ClassSchema("Plan", {"objectId": {"type": "String"}, "createdAt": {"type": "Date"},
                              "updatedAt": {"type": "Date"}, "ACL": {"type": "ACL"},
                              "status": {"type": "String"}, "n": {"type": "Number"}})
CALLER = ["*", "u1", "role:staff"]


def readers_for(n: int) -> list[str] | None:
    """Owners in turn, some shared with a role, some public, some with no ACL at all."""
    return [["u1"], ["u2"], ["u1", "role:staff"], ["role:staff"], ["*"], None, ["u3", "*", "u1"], ["u3"]][n % 8]


def make_doc(n: int) -> dict[str, Any]:
    # created out of id order, so an order by objectId would not pass for an order by createdAt
    stamp = f"2024-01-01T00:{(n * 7) % 60:02d}:{n % 60:02d}.{n:03d}Z"
    doc: dict[str, Any] = {"objectId": f"o{n:03d}", "createdAt": stamp, "updatedAt": stamp,
                           "status": ("planned", "done")[n % 3 == 0], "n": n}
    readers = readers_for(n)
    if readers is not None:
        doc["_rperm"] = readers
        doc["_wperm"] = readers[:1]
    return doc


def expected(docs: list[dict[str, Any]], caller: list[str], status: str, ascending: bool) -> list[str]:
    mine = [d for d in docs if d["status"] == status and ("_rperm" not in d or set(d["_rperm"]) & set(caller))]
    mine.sort(key=lambda d: d["createdAt"], reverse=not ascending)
    return [d["objectId"] for d in mine]


def acl_where(caller: list[str], status: str = "planned") -> dict[str, Any]:
    return {"$and": [{"status": status}, {"_rperm": {"$in": caller}}]}


async def seeded(adapter: Any) -> list[dict[str, Any]]:
    await adapter.save_schema(SCHEMA)
    docs = [make_doc(n) for n in range(120)]
    for doc in docs:
        await adapter.insert(SCHEMA, dict(doc))
    return docs


@pytest.mark.parametrize("ascending", [False, True])
async def test_acl_list_rows_order_limit_skip_and_count(adapter: Any, ascending: bool) -> None:
    docs = await seeded(adapter)
    for caller in (CALLER, ["u2"], ["u3", "role:staff"], ["nobody"]):
        want = expected(docs, caller, "planned", ascending)
        assert await adapter.count(SCHEMA, acl_where(caller)) == len(want)
        for limit, skip in ((20, 0), (20, 20), (7, 3), (None, 0), (5, len(want)), (0, 0)):
            found = await adapter.find(SCHEMA, acl_where(caller), FindOptions(
                limit=limit, skip=skip, sort=[("createdAt", ascending)]))
            page = want[skip:] if limit is None else want[skip:skip + limit]
            assert [d["objectId"] for d in found] == page, (caller, limit, skip)
    all_found = await adapter.find(SCHEMA, acl_where(CALLER), FindOptions(sort=[("createdAt", ascending)]))
    assert len({d["objectId"] for d in all_found}) == len(all_found)  # readable through two principals: once


async def test_acl_list_follows_acl_changes_and_deletes(adapter: Any) -> None:
    docs = await seeded(adapter)
    await adapter.update(SCHEMA, {"objectId": "o001"}, {"_rperm": ["u1"], "_wperm": ["u1"]})  # was u2's
    await adapter.update(SCHEMA, {"objectId": "o002"}, {"_rperm": ["u9"], "_wperm": ["u9"]})  # was u1 + staff
    await adapter.delete(SCHEMA, {"objectId": "o004"})
    for doc in docs:
        if doc["objectId"] == "o001":
            doc["_rperm"] = ["u1"]
        if doc["objectId"] == "o002":
            doc["_rperm"] = ["u9"]
    docs = [d for d in docs if d["objectId"] != "o004"]
    want = expected(docs, CALLER, "planned", False)
    found = await adapter.find(SCHEMA, acl_where(CALLER), FindOptions(limit=100, sort=[("createdAt", False)]))
    assert [d["objectId"] for d in found] == want
    assert await adapter.count(SCHEMA, acl_where(CALLER)) == len(want)
