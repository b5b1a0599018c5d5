"""The `_ACL` side table: one row per (class, object, entity) that may read it, so that a caller's
read constraint is an index lookup instead of parsing every row's `_rperm` list.

Only reads are indexed: writes always name one object by id, where checking that row's
`_wperm` list directly is cheaper than keeping a second index up to date on every write.

Each row carries the object's `createdAt`, and the key is (class, perm, entity, createdAt,
objectId): "what this principal may read, newest first" is an ordered walk of the key that stops
at the page's end (acl_plan.py), whatever the size of the class. `createdAt` never changes
after the insert, so updates touch these rows only when the read list changes.

Kept in step with the class tables inside the same transaction as each write. The JSON
`_rperm` / `_wperm` columns stay the source of truth (they are what documents are rebuilt
from); this table is derived and can be rebuilt from them (`backfill`).
"""

from __future__ import annotations

import sqlite3
from typing import Any

from .rows import index_name

CREATE = ('CREATE TABLE IF NOT EXISTS "_ACL" (cls TEXT NOT NULL, objectId TEXT NOT NULL, perm TEXT NOT NULL, '
          "entity TEXT NOT NULL, createdAt TEXT NOT NULL DEFAULT '', "
          "PRIMARY KEY (cls, perm, entity, createdAt, objectId)) WITHOUT ROWID")
CREATE_BY_OBJECT = 'CREATE INDEX IF NOT EXISTS "idx_acl_object" ON "_ACL" (cls, objectId)'
PERMS = {"_rperm": "r"}


def ensure(db: sqlite3.Connection) -> bool:
    """Create the table; True when it is new (so existing rows need a backfill). A table from
    before `createdAt` was kept in it is dropped and rebuilt: it is derived data."""
    columns = {row[1] for row in db.execute('PRAGMA table_info("_ACL")')}
    if columns and "createdAt" not in columns:
        db.execute('DROP TABLE "_ACL"')
        columns = set()
    db.execute(CREATE)
    db.execute(CREATE_BY_OBJECT)
    return not columns


def ensure_class(db: sqlite3.Connection, table: str, name: str) -> None:
    """The class table's index for the rows nobody restricted (`_rperm` NULL), in createdAt order."""
    db.execute(f"DROP INDEX IF EXISTS {index_name(name, '_rperm')}")  # the older (_rperm) index it replaces
    db.execute(f"CREATE INDEX IF NOT EXISTS {index_name(name, '_rperm_createdAt')} "
               f"ON {table} (_rperm, createdAt, objectId)")


def backfill(db: sqlite3.Connection, class_name: str, table: str) -> None:
    for column, perm in PERMS.items():
        db.execute(f'INSERT OR IGNORE INTO "_ACL" SELECT ?, t.objectId, ?, j.value, COALESCE(t.createdAt, \'\') '
                   f"FROM {table} AS t, json_each(t.{column}) AS j WHERE t.{column} IS NOT NULL", (class_name, perm))


def write(db: sqlite3.Connection, class_name: str, object_id: str, doc: dict[str, Any], created: str | None,
          *, new: bool = False) -> None:
    """Replace the rows of one object with the lists in `doc`; `created` is its createdAt column."""
    if not new:
        db.execute('DELETE FROM "_ACL" WHERE cls = ? AND objectId = ?', (class_name, object_id))
    rows = [(class_name, object_id, perm, entity, created or "")
            for column, perm in PERMS.items() for entity in doc.get(column) or () if isinstance(entity, str)]
    if rows:
        db.executemany('INSERT OR IGNORE INTO "_ACL" VALUES (?,?,?,?,?)', rows)


def forget(db: sqlite3.Connection, class_name: str, object_ids: list[str] | None = None) -> None:
    """Drop the rows of some objects of a class, or of the whole class."""
    if object_ids is None:
        db.execute('DELETE FROM "_ACL" WHERE cls = ?', (class_name,))
        return
    db.executemany('DELETE FROM "_ACL" WHERE cls = ? AND objectId = ?', [(class_name, i) for i in object_ids])


def constraint(alias: str, class_name: str, column: str, names: list[str], params: list[Any],
               *, drives_query: bool) -> str:
    """SQL for "no such list, or the list names one of `names`" through the index.

    When the ACL is the query's only constraint (`drives_query`), an uncorrelated IN lets SQLite
    answer with a union of two index lookups. Otherwise another constraint (an objectId, a
    pointer) selects a few rows first, and a correlated probe per row is far cheaper than
    materialising every object the caller can read (which can be the whole class)."""
    params.extend([class_name, PERMS[column], *names])
    marks = ",".join("?" * len(names))
    if drives_query:
        return (f"{alias}.{column} IS NULL OR {alias}.objectId IN (SELECT objectId FROM \"_ACL\" "
                f"WHERE cls = ? AND perm = ? AND entity IN ({marks}))")
    return (f"{alias}.{column} IS NULL OR EXISTS (SELECT 1 FROM \"_ACL\" AS a WHERE a.cls = ? AND a.perm = ? "
            f"AND a.entity IN ({marks}) AND a.objectId = {alias}.objectId)")
