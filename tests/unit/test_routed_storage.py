"""A SQLite app keeps its audit trail in a file of its own, written off the event loop
(storage/routed.py, storage/loader.py, `own_thread` in storage/sqlite/runner.py)."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import pytest

from parse_compat.storage.base import ClassSchema, FindOptions
from parse_compat.storage.loader import append_only_path, open_storage
from parse_compat.storage.routed import RoutedStorage
from parse_compat.storage.sqlite.adapter import SQLiteAdapter

AUDIT = ClassSchema("_Audit", {"action": {"type": "String"}, "seq": {"type": "Number"}})
NOTE = ClassSchema("Note", {"text": {"type": "String"}})


def tables(path: Path) -> set[str]:
    with sqlite3.connect(path) as db:
        return {name for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type='table'")}


def test_the_trail_file_sits_beside_the_database() -> None:
    assert append_only_path("data/parse.db") == "data/parse-audit.db"
    assert append_only_path("/srv/app/practice") == "/srv/app/practice-audit"


async def test_audit_rows_go_to_their_own_file_and_everything_else_to_the_main_one(tmp_path: Path) -> None:
    storage = open_storage(f"sqlite:///{tmp_path / 'p.db'}")
    assert isinstance(storage, RoutedStorage)
    await storage.connect()
    try:
        for schema in (AUDIT, NOTE):
            await storage.save_schema(schema)
        await storage.insert_many(AUDIT, [{"objectId": f"{n:010d}", "action": "get", "seq": n} for n in (1, 2)])
        await storage.insert(NOTE, {"objectId": "n1", "text": "hello"})
        assert {s.class_name for s in await storage.load_schemas()} >= {"_Audit", "Note"}
        found = await storage.find(AUDIT, {}, FindOptions(sort=[("objectId", True)]))
        assert [doc["seq"] for doc in found] == [1, 2]
        assert await storage.count(NOTE, {}) == 1
    finally:
        await storage.close()
    assert "_Audit" in tables(tmp_path / "p-audit.db") and "Note" not in tables(tmp_path / "p-audit.db")
    assert "Note" in tables(tmp_path / "p.db") and "_Audit" not in tables(tmp_path / "p.db")


async def test_a_database_that_already_holds_the_trail_keeps_it_in_place(tmp_path: Path) -> None:
    older = SQLiteAdapter(str(tmp_path / "p.db"))  # as written before the trail had its own file
    await older.connect()
    await older.save_schema(AUDIT)
    await older.insert_many(AUDIT, [{"objectId": "0000000001", "action": "get", "seq": 1}])
    await older.close()
    storage = open_storage(f"sqlite:///{tmp_path / 'p.db'}")
    assert isinstance(storage, RoutedStorage)
    await storage.connect()
    try:
        assert storage.routes_in_use == {}
        await storage.insert_many(AUDIT, [{"objectId": "0000000002", "action": "get", "seq": 2}])
        assert await storage.count(AUDIT, {}) == 2
    finally:
        await storage.close()
    assert not (tmp_path / "p-audit.db").exists()


async def test_the_trail_is_written_on_its_own_thread_in_order(tmp_path: Path) -> None:
    adapter = SQLiteAdapter(str(tmp_path / "t.db"), readers=1, own_thread=True)
    await adapter.connect()
    try:
        name = await adapter._call(lambda: threading.current_thread().name)
        assert name.startswith("sqlite-own-writer") and name != threading.current_thread().name
        await adapter.save_schema(AUDIT)
        for n in range(1, 21):
            await adapter.insert_many(AUDIT, [{"objectId": f"{n:010d}", "action": "get", "seq": n}])
        found = await adapter.find(AUDIT, {}, FindOptions(sort=[("objectId", True)], limit=100))
        assert [doc["seq"] for doc in found] == list(range(1, 21))
    finally:
        await adapter.close()


async def test_a_transaction_of_the_trail_is_all_or_nothing(tmp_path: Path) -> None:
    storage = open_storage(f"sqlite:///{tmp_path / 'p.db'}")
    await storage.connect()
    try:
        await storage.save_schema(AUDIT)
        with pytest.raises(RuntimeError):
            async with storage.transaction_for("_Audit"):
                await storage.insert_many(AUDIT, [{"objectId": "0000000001", "action": "get", "seq": 1}])
                raise RuntimeError("stop")
        assert await storage.count(AUDIT, {}) == 0
        async with storage.transaction_for("_Audit"):
            await storage.insert_many(AUDIT, [{"objectId": "0000000001", "action": "get", "seq": 1}])
            assert await storage.count(AUDIT, {}) == 1  # the transaction sees its own write
        assert await storage.count(AUDIT, {}) == 1
    finally:
        await storage.close()
