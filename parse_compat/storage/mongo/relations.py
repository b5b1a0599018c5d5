"""Relation rows in Parse Server's ``_Join:<field>:<OwningClass>`` collections (§10.3).

Owns the join-collection naming and its rows ``{_id: ObjectId, owningId, relatedId}``,
written by upsert so the ``_id`` is a BSON ObjectId (never a string), as Parse Server does.
"""

from __future__ import annotations

from typing import Any

JOIN_PREFIX = "_Join:"


def join_collection_name(owning_class: str, field_name: str) -> str:
    return f"{JOIN_PREFIX}{field_name}:{owning_class}"


def is_join_of(collection_name: str, owning_class: str) -> bool:
    return collection_name.startswith(JOIN_PREFIX) and collection_name.endswith(":" + owning_class) \
        and collection_name.count(":") == 2


async def add(collection: Any, owning_id: str, related_ids: list[str], session_kw: dict[str, Any]) -> None:
    for related_id in dict.fromkeys(related_ids):
        row = {"owningId": owning_id, "relatedId": related_id}
        await collection.update_one(row, {"$set": row}, upsert=True, **session_kw)


async def remove(collection: Any, owning_id: str, related_ids: list[str],
                 session_kw: dict[str, Any]) -> None:
    if related_ids:
        await collection.delete_many({"owningId": owning_id, "relatedId": {"$in": list(related_ids)}},
                                     **session_kw)


async def column(collection: Any, match_field: str, ids: list[str], wanted: str,
                 session_kw: dict[str, Any]) -> list[str]:
    """Distinct ``wanted`` values of rows whose ``match_field`` is one of ``ids``."""
    if not ids:
        return []
    rows = await collection.find({match_field: {"$in": list(ids)}}, {wanted: 1, "_id": 0},
                                 **session_kw).to_list(None)
    return list(dict.fromkeys(row[wanted] for row in rows if wanted in row))
