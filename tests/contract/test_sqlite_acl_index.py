"""The SQLite `_ACL` side table stays in step with every write, is rebuilt for databases made
before it existed, and lets an ACL-only query avoid a table scan."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from parse_compat.storage.base import ClassSchema, FindOptions
from parse_compat.storage.sqlite.adapter import SQLiteAdapter

pytestmark = pytest.mark.asyncio
SCHEMA = ClassSchema("Rec", {"objectId": {"type": "String"}, "n": {"type": "Number"}})
STAMP = "2024-01-01T00:00:00.000Z"


def doc(object_id: str, readers: list[str] | None, n: int = 0) -> dict:
    out = {"objectId": object_id, "createdAt": STAMP, "updatedAt": STAMP, "n": n}
    if readers is not None:
        out["_rperm"] = readers
        out["_wperm"] = readers[:1]
    return out


async def visible(adapter: SQLiteAdapter, group: list[str]) -> set[str]:
    found = await adapter.find(SCHEMA, {"_rperm": {"$in": group}}, FindOptions())
    return {d["objectId"] for d in found}


async def test_index_follows_inserts_updates_and_deletes(tmp_path: Path) -> None:
    adapter = SQLiteAdapter(str(tmp_path / "acl.db"))
    await adapter.connect()
    await adapter.save_schema(SCHEMA)
    await adapter.insert(SCHEMA, doc("pub", None))
    await adapter.insert(SCHEMA, doc("a", ["alice"]))
    await adapter.insert(SCHEMA, doc("b", ["bob", "role:staff"]))
    assert await visible(adapter, ["*", "alice"]) == {"pub", "a"}
    assert await visible(adapter, ["*", "carol", "role:staff"]) == {"pub", "b"}
    await adapter.update(SCHEMA, {"objectId": "a"}, {"_rperm": ["carol"], "_wperm": ["carol"]})
    assert await visible(adapter, ["*", "alice"]) == {"pub"}
    assert await visible(adapter, ["*", "carol"]) == {"pub", "a"}
    await adapter.update(SCHEMA, {"objectId": "b"}, {"n": {"__op": "Increment", "amount": 1}})
    assert await visible(adapter, ["role:staff"]) == {"pub", "b"}
    await adapter.delete(SCHEMA, {"objectId": "a"})
    await adapter.delete_many(SCHEMA, {"n": 1})
    assert await visible(adapter, ["*", "carol", "role:staff"]) == {"pub"}
    leftovers = adapter.db.execute('SELECT COUNT(*) FROM "_ACL"').fetchone()[0]
    assert leftovers == 0
    plan = " ".join(str(row) for row in adapter.db.execute(
        "EXPLAIN QUERY PLAN SELECT objectId FROM \"Rec\" AS t WHERE " +
        "t._rperm IS NULL OR t.objectId IN (SELECT objectId FROM \"_ACL\" WHERE cls='Rec' AND perm='r' "
        "AND entity IN ('*','x'))"))
    assert "MULTI-INDEX OR" in plan, plan
    await adapter.close()


async def test_index_is_rebuilt_for_an_older_database(tmp_path: Path) -> None:
    path = str(tmp_path / "old.db")
    adapter = SQLiteAdapter(path)
    await adapter.connect()
    await adapter.save_schema(SCHEMA)
    await adapter.insert(SCHEMA, doc("a", ["alice"]))
    await adapter.close()
    with sqlite3.connect(path) as db:  # as a database written before the index existed
        db.execute('DROP TABLE "_ACL"')
    reopened = SQLiteAdapter(path)
    await reopened.connect()
    assert [schema.class_name for schema in await reopened.load_schemas()] == ["Rec"]
    assert await visible(reopened, ["alice"]) == {"a"}
    assert await visible(reopened, ["bob"]) == set()
    await reopened.close()


async def test_acl_form_depends_on_the_other_constraints() -> None:
    from parse_compat.storage.sqlite.where import WhereCompiler

    acl = {"_rperm": {"$in": ["*", "u1"]}}
    alone = WhereCompiler(SCHEMA).compile(acl).sql
    assert "IN (SELECT objectId" in alone and "EXISTS" not in alone  # union of index lookups
    by_id = WhereCompiler(SCHEMA).compile({"$and": [{"objectId": "x"}, acl]}).sql
    assert "EXISTS (SELECT 1 FROM \"_ACL\"" in by_id  # one probe for the one row, no materialised list


PLAN_SCHEMA = ClassSchema("Plan", {"objectId": {"type": "String"}, "status": {"type": "String"},
                                   "patient": {"type": "Pointer", "targetClass": "Patient"}})


def query_plan(adapter: SQLiteAdapter, sql: str, params: list) -> list[str]:
    return [row[3] for row in adapter.db.execute("EXPLAIN QUERY PLAN " + sql, params)]


async def test_acl_list_starts_from_the_readable_rows_not_the_class(tmp_path: Path) -> None:
    from parse_compat.storage.sqlite import acl_plan

    adapter = SQLiteAdapter(str(tmp_path / "plan.db"))
    await adapter.connect()
    await adapter.save_schema(PLAN_SCHEMA)
    where = {"$and": [{"status": "planned"}, {"_rperm": {"$in": ["*", "u1", "role:staff"]}}]}
    main_screen = FindOptions(limit=20, sort=[("createdAt", False)])
    chosen = acl_plan.find_sql(PLAN_SCHEMA, where, main_screen)
    assert chosen is not None
    steps = query_plan(adapter, *chosen)
    # each principal's rows in createdAt order on the _ACL key; public rows on the class's index
    assert sum("SEARCH a USING PRIMARY KEY (cls=? AND perm=? AND entity=?)" in s for s in steps) == 3, steps
    assert any("idx_Plan__rperm_createdAt (_rperm=?)" in s for s in steps), steps
    assert not any(s.startswith("SCAN t") for s in steps), steps  # never a walk of the whole class
    assert not any("RIGHT PART OF ORDER BY" in s for s in steps), steps
    counted = acl_plan.count_sql(PLAN_SCHEMA, where)
    assert counted is not None and not any(s.startswith("SCAN t") for s in query_plan(adapter, *counted))
    # a pointer (or objectId) constraint keeps the usual plan: its index selects a few rows first
    by_patient = {"$and": [{"patient": {"__type": "Pointer", "className": "Patient", "objectId": "p1"}},
                           where["$and"][1]]}
    assert acl_plan.find_sql(PLAN_SCHEMA, by_patient, main_screen) is None
    assert acl_plan.find_sql(PLAN_SCHEMA, where, FindOptions(limit=20, sort=[("status", True)])) is None
    sql, params = adapter._select(PLAN_SCHEMA, by_patient, main_screen)
    assert any("idx_Plan_patient" in s for s in query_plan(adapter, sql, params))
    await adapter.close()


async def test_older_acl_table_without_created_at_is_rebuilt(tmp_path: Path) -> None:
    path = str(tmp_path / "old.db")
    adapter = SQLiteAdapter(path)
    await adapter.connect()
    await adapter.save_schema(SCHEMA)
    await adapter.insert(SCHEMA, {**doc("a", ["alice"]), "createdAt": "2024-01-02T00:00:00.000Z"})
    await adapter.insert(SCHEMA, doc("b", ["alice"]))
    await adapter.close()
    with sqlite3.connect(path) as db:  # the layout before createdAt was kept in _ACL
        db.execute('DROP TABLE "_ACL"')
        db.execute('CREATE TABLE "_ACL" (cls TEXT NOT NULL, objectId TEXT NOT NULL, perm TEXT NOT NULL, '
                   "entity TEXT NOT NULL, PRIMARY KEY (cls, perm, entity, objectId)) WITHOUT ROWID")
        db.execute("INSERT INTO \"_ACL\" VALUES ('Rec', 'a', 'r', 'alice')")
        db.execute('DROP INDEX "idx_Rec__rperm_createdAt"')
        db.execute('CREATE INDEX "idx_Rec__rperm" ON "Rec" (_rperm)')
    reopened = SQLiteAdapter(path)
    await reopened.connect()
    await reopened.load_schemas()
    found = await reopened.find(SCHEMA, {"_rperm": {"$in": ["alice"]}}, FindOptions(sort=[("createdAt", False)]))
    assert [d["objectId"] for d in found] == ["a", "b"]
    indexes = {row[0] for row in reopened.db.execute("SELECT name FROM sqlite_master WHERE type='index'")}
    assert "idx_Rec__rperm_createdAt" in indexes and "idx_Rec__rperm" not in indexes
    await reopened.close()


async def test_readable_first_list_runs_a_regex_only_on_readable_rows(tmp_path: Path,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    from parse_compat.storage.sqlite import functions

    calls = []
    original = functions.regex_match
    monkeypatch.setattr(functions, "regex_match", lambda *args: calls.append(1) or original(*args))
    adapter = SQLiteAdapter(str(tmp_path / "regex.db"))
    await adapter.connect()
    await adapter.save_schema(PLAN_SCHEMA)
    for i in range(60):
        readers = ["u1"] if i % 10 == 0 else ["someone-else"]
        await adapter.insert(PLAN_SCHEMA, {**doc(f"o{i:03}", readers), "status": f"planned {i}",
                                           "createdAt": f"2024-01-01T00:00:{i:02d}.000Z"})
    where = {"$and": [{"status": {"$regex": "^planned"}}, {"_rperm": {"$in": ["*", "u1"]}}]}
    found = await adapter.find(PLAN_SCHEMA, where, FindOptions(limit=20, sort=[("createdAt", False)]))
    assert [d["objectId"] for d in found] == ["o050", "o040", "o030", "o020", "o010", "o000"]
    assert 0 < len(calls) <= 12  # the 6 readable rows, never the 54 others
    calls.clear()
    assert await adapter.count(PLAN_SCHEMA, where) == 6
    assert 0 < len(calls) <= 12
    await adapter.close()
