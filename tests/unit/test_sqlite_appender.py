"""The SQLite appender (storage/sqlite/appender.py) stores an append-only record exactly as the
inline path does (same columns, same `data` text), refuses a taken objectId as the inline path
does, and falls back to the inline path for what it cannot take as it is."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest

from parse_compat.errors import DuplicateValue
from parse_compat.storage.base import ClassSchema, FindOptions
from parse_compat.storage.sqlite.adapter import SQLiteAdapter
from parse_compat.storage.sqlite.rows import append_only_row

SCHEMA = ClassSchema("_Audit", {"action": {"type": "String"}, "ids": {"type": "Array"}, "n": {"type": "Number"},
                                "user": {"type": "Pointer", "targetClass": "_User"}}, {})


def entry(n: int, **extra: Any) -> dict[str, Any]:
    return {"objectId": f"{n:010d}", "action": "get", "targetId": "p\u00e9\"x\\", "ids": ["a", "b"], "user": None,
            "n": n, "big": 2**40, "nested": {"z": 1, "a": [None, True, 1.5]}, "text": "l\u2028ine\n\u0001",
            "createdAt": "2026-12-03T19:00:00.123Z", **extra}


async def stored_rows(path: Path) -> list[tuple[Any, ...]]:
    with sqlite3.connect(path) as db:
        return list(db.execute('SELECT * FROM "_Audit" ORDER BY objectId'))


async def test_the_appender_stores_what_the_inline_path_stores(tmp_path: Path) -> None:
    adapter = SQLiteAdapter(str(tmp_path / "a.db"))
    await adapter.connect()
    try:
        docs = [entry(n) for n in range(1, 40)]
        appender = adapter._appender
        assert appender is not None
        batches: list[int] = []
        insert = appender.insert

        async def counted(class_name: str, batch: list[dict[str, Any]]) -> None:
            batches.append(len(batch))
            await insert(class_name, batch)
        appender.insert = counted  # type: ignore[method-assign]
        await adapter.insert_many(SCHEMA, docs)
        assert batches == [39]  # the appender took the batch
        rows = await stored_rows(tmp_path / "a.db")
        assert rows == [append_only_row(doc) for doc in docs]  # byte for byte, in order
        found = await adapter.find(SCHEMA, {"objectId": "0000000007"}, FindOptions())
        assert found[0]["targetId"] == "p\u00e9\"x\\" and found[0]["nested"] == {"z": 1, "a": [None, True, 1.5]}
        with pytest.raises(DuplicateValue):
            await adapter.insert_many(SCHEMA, [entry(40), entry(5)])  # all or none
        assert len(await stored_rows(tmp_path / "a.db")) == 39
    finally:
        await adapter.close()


async def test_what_the_appender_cannot_take_goes_the_inline_way(tmp_path: Path) -> None:
    adapter = SQLiteAdapter(str(tmp_path / "a.db"))
    await adapter.connect()
    try:
        odd = [entry(1, createdAt="2026-12-03T19:00:00Z"), entry(2, huge=2**70)]  # not the fixed form; no orjson form
        await adapter.insert_many(SCHEMA, odd[:1])
        await adapter.insert_many(SCHEMA, odd[1:])
        rows = await stored_rows(tmp_path / "a.db")
        assert [row[0] for row in rows] == ["0000000001", "0000000002"]
        assert rows[0][1] == "2026-12-03T19:00:00.000Z"  # put in the fixed form, as the inline path does
        async with adapter.transaction():  # inside a transaction the record is the transaction's
            await adapter.insert_many(SCHEMA, [entry(3)])
        assert len(await stored_rows(tmp_path / "a.db")) == 3
    finally:
        await adapter.close()
