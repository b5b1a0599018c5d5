"""The `_ACL` side table: one row per (class, object, entity) that may read it, so that a caller's
read constraint is an index lookup instead of parsing every row's `_rperm` list.

Only reads are indexed: writes always name one object by id, where checking that row's
`_wperm` list directly is cheaper than keeping a second index up to date on every write.

Kept in step with the class tables inside the same transaction as each write. The JSON
`_rperm` / `_wperm` columns stay the source of truth (they are what documents are rebuilt
from); this table is derived and can be rebuilt from them (`backfill`).
"""

from __future__ import annotations

import sqlite3
from typing import Any

CREATE = ('CREATE TABLE IF NOT EXISTS "_ACL" (cls TEXT NOT NULL, objectId TEXT NOT NULL, perm TEXT NOT NULL, '
          'entity TEXT NOT NULL, PRIMARY KEY (cls, perm, entity, objectId)) WITHOUT ROWID')
CREATE_BY_OBJECT = 'CREATE INDEX IF NOT EXISTS "idx_acl_object" ON "_ACL" (cls, objectId)'
PERMS = {"_rperm": "r"}


def ensure(db: sqlite3.Connection) -> bool:
    """Create the table; True when it did not exist before (so existing rows need a backfill)."""
    existed = db.execute("SELECT 1 FROM sqlite_master WHERE type='table' AND name='_ACL'").fetchone()
    db.execute(CREATE)
    db.execute(CREATE_BY_OBJECT)
    return existed is None


def backfill(db: sqlite3.Connection, class_name: str, table: str) -> None:
    for column, perm in PERMS.items():
        db.execute(f'INSERT OR IGNORE INTO "_ACL" SELECT ?, t.objectId, ?, j.value FROM {table} AS t, '
                   f"json_each(t.{column}) AS j WHERE t.{column} IS NOT NULL", (class_name, perm))


def write(db: sqlite3.Connection, class_name: str, object_id: str, doc: dict[str, Any], *, new: bool = False) -> None:
    """Replace the rows of one object with the lists in `doc`."""
    if not new:
        db.execute('DELETE FROM "_ACL" WHERE cls = ? AND objectId = ?', (class_name, object_id))
    rows = [(class_name, object_id, perm, entity)
            for column, perm in PERMS.items() for entity in doc.get(column) or () if isinstance(entity, str)]
    if rows:
        db.executemany('INSERT OR IGNORE INTO "_ACL" VALUES (?,?,?,?)', rows)


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
