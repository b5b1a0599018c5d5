"""Readable first: a list read by a non-master caller starts from what the caller may read.

The shape is the practice's main screen, `where={"status": "planned"}&order=-createdAt&limit=20`
for a logged-in user: the server adds `_rperm IN (user, roles, "*")`. Walking the class's
createdAt index and probing the ACL of every row costs as many rows as precede the caller's
page in the whole class (all of them when the caller's objects are old or few). Instead, each
principal's rows are walked in createdAt order on the `_ACL` key (cls, perm, entity, createdAt,
objectId), joined to the class row by primary key, filtered, and stopped at skip+limit; the rows
nobody restricted (`_rperm` NULL) come from the class index (_rperm, createdAt) the same way.
The outer query merges at most (principals + 1) × (skip + limit) rows, so the cost depends on
the page and on the caller's rows, not on the size of the class.

Each principal's walk skips objects an earlier principal already yields (an index probe), so
no object appears twice. `CROSS JOIN` keeps `_ACL` as the outer loop: the other terms (a regex
among them) are only ever evaluated on rows the caller may read.

Used only when it is the cheaper side by construction: no objectId and no pointer constraint
(those indexes select a few rows, then one probe each is cheaper), a few principals, and either
no order (count) or an order on createdAt.
"""

from __future__ import annotations

from typing import Any

from ..base import ClassSchema, FindOptions, Where
from .rows import quote
from .where import WhereCompiler, _top_level_items

MAX_PRINCIPALS = 8
COLUMNS = "t.objectId, t.createdAt, t.updatedAt, t._rperm, t._wperm, t.data"


def _split(schema: ClassSchema, where: Where) -> tuple[list[str], list[tuple[str, Any]]] | None:
    """(principals, the other top-level terms) when the read list can drive the query."""
    items = _top_level_items(where) if isinstance(where, dict) else []
    acl = [value for key, value in items if key == "_rperm"]
    if len(acl) != 1 or not isinstance(acl[0], dict) or set(acl[0]) != {"$in"} \
            or not isinstance(acl[0]["$in"], list):
        return None
    names = list(dict.fromkeys(v for v in acl[0]["$in"] if isinstance(v, str)))
    if not names or len(names) > MAX_PRINCIPALS:
        return None
    indexed = {next(iter(keys), None) for keys in schema.indexes.values() if isinstance(keys, dict)}
    others = [(key, value) for key, value in items if key != "_rperm"]
    for key, _ in others:
        if key in ("objectId", "_wperm") or key in indexed or schema.field_type(key) == "Pointer":
            return None
    return names, others


def _arms(schema: ClassSchema, names: list[str], others: list[tuple[str, Any]], columns: str,
          order: str | None, per_arm: int | None) -> tuple[list[str], list[Any]]:
    table = quote(schema.class_name)
    rest = {"$and": [{key: value} for key, value in others]}
    filters = WhereCompiler(schema).compile(rest)
    arms: list[str] = []
    params: list[Any] = []
    tail = f" ORDER BY a.createdAt {order}, a.objectId {order} LIMIT ?" if order else ""
    for i, name in enumerate(names):
        earlier = names[:i]
        dedup = ""
        if earlier:
            dedup = (' AND NOT EXISTS (SELECT 1 FROM "_ACL" AS b WHERE b.cls = ? AND b.perm = \'r\' '
                     f"AND b.entity IN ({','.join('?' * len(earlier))}) AND b.objectId = a.objectId)")
        arms.append(f'SELECT {columns.format(k="a.createdAt")} FROM "_ACL" AS a CROSS JOIN {table} AS t '
                    "ON t.objectId = a.objectId WHERE a.cls = ? AND a.perm = 'r' AND a.entity = ? "
                    f"AND ({filters.sql}){dedup}{tail}")
        params.extend([schema.class_name, name, *filters.params])
        if earlier:
            params.extend([schema.class_name, *earlier])
        if order:
            params.append(-1 if per_arm is None else per_arm)
    public = WhereCompiler(schema).compile({"$and": [*rest["$and"], {"_rperm": {"$in": []}}]})
    public_tail = f" ORDER BY t.createdAt {order}, t.objectId {order} LIMIT ?" if order else ""
    arms.append(f"SELECT {columns.format(k='COALESCE(t.createdAt, ' + repr('') + ')')} FROM {table} AS t "
                f"WHERE {public.sql}{public_tail}")
    params.extend(public.params)
    if order:
        params.append(-1 if per_arm is None else per_arm)
    return arms, params


def find_sql(schema: ClassSchema, where: Where, options: FindOptions) -> tuple[str, list[Any]] | None:
    """The readable-first SELECT for a find, or None when the usual plan is the cheaper one."""
    if len(options.sort) != 1 or options.sort[0][0] != "createdAt":
        return None
    split = _split(schema, where)
    if split is None:
        return None
    order = "ASC" if options.sort[0][1] else "DESC"
    per_arm = None if options.limit is None else options.limit + (options.skip or 0)
    arms, params = _arms(schema, *split, columns=COLUMNS + ", {k} AS k", order=order, per_arm=per_arm)
    sql = (f"SELECT objectId, createdAt, updatedAt, _rperm, _wperm, data FROM "
           f"({' UNION ALL '.join(f'SELECT * FROM ({arm})' for arm in arms)}) "
           f"ORDER BY k {order}, objectId {order} LIMIT ? OFFSET ?")
    params.extend([-1 if options.limit is None else options.limit, options.skip or 0])
    return sql, params


def count_sql(schema: ClassSchema, where: Where) -> tuple[str, list[Any]] | None:
    """The readable-first COUNT, or None when the usual plan is the cheaper one."""
    split = _split(schema, where)
    if split is None:
        return None
    arms, params = _arms(schema, *split, columns="t.objectId", order=None, per_arm=None)
    return f"SELECT COUNT(*) FROM ({' UNION ALL '.join(arms)})", params
