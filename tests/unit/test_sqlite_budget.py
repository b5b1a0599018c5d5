"""SQLite adapter: ACL before costly predicates, the time budget, and reads off the event loop."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from parse_compat.errors import ParseError
from parse_compat.looplag import LoopLagMonitor
from parse_compat.storage.base import ClassSchema, FindOptions
from parse_compat.storage.sqlite import functions
from parse_compat.storage.sqlite.adapter import SQLiteAdapter
from tests.quiet_gc import quiet_gc

pytestmark = pytest.mark.asyncio

SCHEMA = ClassSchema("Note", {"objectId": {"type": "String"}, "name": {"type": "String"},
                              "n": {"type": "Number"}})
READABLE = 5
HIDDEN = 60


class CallCounter:
    """Counts the calls of the SQLite regex function (it runs in reader threads too)."""

    def __init__(self) -> None:
        self.calls = 0
        self._lock = threading.Lock()
        self._original = functions.regex_match

    def __call__(self, pattern: str, options: str, value: Any) -> int:
        with self._lock:
            self.calls += 1
        return self._original(pattern, options, value)


@pytest.fixture
def counter(monkeypatch: pytest.MonkeyPatch) -> CallCounter:
    counting = CallCounter()
    monkeypatch.setattr(functions, "regex_match", counting)  # registered on connect
    return counting


async def _adapter(tmp_path: Path, **kw: Any) -> SQLiteAdapter:
    adapter = SQLiteAdapter(str(tmp_path / "t.db"), **kw)
    await adapter.connect()
    await adapter.save_schema(SCHEMA)
    return adapter


@pytest.fixture
async def notes(tmp_path: Path, counter: CallCounter) -> AsyncIterator[SQLiteAdapter]:
    adapter = await _adapter(tmp_path)
    for i in range(READABLE + HIDDEN):
        readers = ["role:staff"] if i < READABLE else ["someone-else"]
        await adapter.insert(SCHEMA, {"objectId": f"o{i:03}", "name": f"note {i}", "n": i,
                                      "_rperm": readers, "_wperm": readers})
    yield adapter
    await adapter.close()


ACL = {"_rperm": {"$in": ["*", "role:staff"]}}


@pytest.mark.parametrize("where", [
    {"$and": [{"name": {"$regex": "note"}}, ACL]},                       # the shape rest/find.py sends
    {"$and": [{"name": {"$regex": "note"}, "n": {"$gte": 0}}, ACL]},     # ACL not the only constraint
    {"$and": [{"$or": [{"name": {"$regex": "x"}}, {"name": {"$regex": "note"}}]}, ACL]},
])
async def test_regex_runs_only_on_rows_the_caller_may_read(notes: SQLiteAdapter, counter: CallCounter,
                                                           where: dict[str, Any]) -> None:
    found = await notes.find(SCHEMA, where, FindOptions(limit=1000))
    assert len(found) == READABLE
    counter.calls = 0
    found = await notes.find(SCHEMA, where, FindOptions(limit=1000))
    assert len(found) == READABLE
    assert 0 < counter.calls <= 2 * READABLE  # never once per unreadable row
    counter.calls = 0
    assert await notes.count(SCHEMA, where) == READABLE
    assert counter.calls <= 2 * READABLE


async def test_master_queries_still_see_every_row(notes: SQLiteAdapter) -> None:
    assert await notes.count(SCHEMA, {"name": {"$regex": "^note"}}) == READABLE + HIDDEN


async def _fill(adapter: SQLiteAdapter, rows: int) -> None:
    adapter.db.execute(
        'WITH RECURSIVE i(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM i WHERE x < ?) '
        'INSERT INTO "Note" (objectId, createdAt, updatedAt, _rperm, _wperm, data) '
        "SELECT printf('b%07d', x), '2024-01-01T00:00:00.000Z', '2024-01-01T00:00:00.000Z', NULL, NULL, "
        "json_object('name', printf('name %d', x), 'n', x) FROM i", (rows,))


async def test_a_query_past_the_budget_answers_parse_timeout(tmp_path: Path) -> None:
    adapter = await _adapter(tmp_path, max_time_ms=50)
    try:
        await _fill(adapter, 300_000)
        slow = {"name": {"$regex": "never$"}, "n": {"$gte": 0}}
        for _ in range(4):  # more than the reader connections: each one is freed after its timeout
            with pytest.raises(ParseError) as info:
                await adapter.count(SCHEMA, slow)
            assert info.value.code == 124
        assert await adapter.count(SCHEMA, {"objectId": "b0000001"}) == 1
        assert len(await adapter.find(SCHEMA, {}, FindOptions(limit=3))) == 3
    finally:
        await adapter.close()


async def test_long_reads_leave_the_loop_free(tmp_path: Path) -> None:
    adapter = await _adapter(tmp_path, max_time_ms=10_000)
    try:
        await _fill(adapter, 100_000)
        with quiet_gc():
            async with LoopLagMonitor() as monitor:
                slow = asyncio.gather(
                    adapter.count(SCHEMA, {"name": {"$regex": "(a+)+$"}}),
                    adapter.find(SCHEMA, {}, FindOptions(limit=5, skip=99_990)),
                    adapter.find(SCHEMA, {"name": {"$regex": "^name 1"}}, FindOptions(limit=2, sort=[("n", False)])),
                )
                point_reads = 0
                while not slow.done():
                    found = await adapter.find(SCHEMA, {"objectId": "b0000042"}, FindOptions(limit=1))
                    assert found[0]["n"] == 42
                    point_reads += 1
                    await asyncio.sleep(0)  # an inline point read never yields; let the loop run
                count, page, sorted_page = await slow
        assert count == 0
        assert [doc["n"] for doc in page] == [99_991, 99_992, 99_993, 99_994, 99_995]
        assert [doc["n"] for doc in sorted_page] == [100_000, 19_999]
        assert point_reads > 10  # point reads kept being served while the long ones ran
        assert monitor.max_busy < 0.05, monitor.snapshot()
    finally:
        await adapter.close()


async def test_point_reads_inside_a_transaction_see_its_writes(notes: SQLiteAdapter) -> None:
    async with notes.transaction():
        await notes.insert(SCHEMA, {"objectId": "new", "name": "fresh", "_rperm": None})
        assert [d["name"] for d in await notes.find(SCHEMA, {"objectId": "new"}, FindOptions())] == ["fresh"]
        assert await notes.count(SCHEMA, {"name": "fresh"}) == 1  # a list read, same transaction


async def test_a_point_read_that_outgrows_its_slice_moves_off_the_loop(tmp_path: Path) -> None:
    adapter = await _adapter(tmp_path)
    try:
        long_text = "a" * 100_000
        for i in range(400):
            await adapter.insert(SCHEMA, {"objectId": f"p{i:03}", "name": long_text, "n": i})
        where = {"objectId": {"$in": [f"p{i:03}" for i in range(400)]}, "name": {"$regex": "(a|b)c"}}
        async with LoopLagMonitor(interval=0.002) as monitor:
            assert await adapter.find(SCHEMA, where, FindOptions(limit=1000)) == []
            assert await adapter.count(SCHEMA, where) == 0
        assert monitor.max_busy < 0.05, monitor.snapshot()  # the 10 ms slice, not the whole scan (~100 ms)
    finally:
        await adapter.close()


async def test_a_long_read_inside_a_transaction_does_not_share_the_connection(tmp_path: Path) -> None:
    adapter = await _adapter(tmp_path)
    try:
        for i in range(300):
            await adapter.insert(SCHEMA, {"objectId": f"p{i:03}", "name": "a" * 100_000, "n": i})
        where = {"objectId": {"$in": [f"p{i:03}" for i in range(300)]}, "name": {"$regex": "(a|b)c"}}
        async with adapter.transaction():
            found, _ = await asyncio.gather(
                adapter.find(SCHEMA, where, FindOptions(limit=1000)),  # outgrows its slice: a thread
                adapter.insert(SCHEMA, {"objectId": "late", "name": "ac", "n": -1}),
            )
            assert found == []
            assert [d["objectId"] for d in await adapter.find(SCHEMA, {"objectId": "late"}, FindOptions())] == ["late"]
        assert await adapter.count(SCHEMA, {"name": {"$regex": "(a|b)c"}}) == 1
    finally:
        await adapter.close()
