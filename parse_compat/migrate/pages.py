"""Reading one store class by class: rows in objectId pages, and each page's relation rows.

Pages follow `objectId > last` in the store's objectId order (byte order on every adapter:
SQLite's BINARY, PostgreSQL's `COLLATE "C"`, MongoDB's), so a page costs one indexed range
read whatever the table's size, and both ends of a migration are read in the same order.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

from ..storage.base import ClassSchema, Document, FindOptions, StorageAdapter
from ..storage.mongo.relations import JOIN_PREFIX


def relation_fields(schema: ClassSchema) -> list[str]:
    return sorted(name for name, spec in schema.fields.items() if spec.get("type") == "Relation")


def join_label(schema: ClassSchema, field_name: str) -> str:
    """How the report names a relation's rows: Parse's join table, `_Join:<field>:<class>`."""
    return f"{JOIN_PREFIX}{field_name}:{schema.class_name}"


async def class_pages(storage: StorageAdapter, schema: ClassSchema, size: int) -> AsyncIterator[list[Document]]:
    """Every row of the class, `size` at a time, in objectId order."""
    last: str | None = None
    while True:
        where = {} if last is None else {"objectId": {"$gt": last}}
        page = await storage.find(schema, where, FindOptions(limit=size, sort=[("objectId", True)]))
        if page:
            yield page
        if len(page) < size:
            return
        last = str(page[-1]["objectId"])


async def page_relations(storage: StorageAdapter, schema: ClassSchema, field_name: str,
                         page: list[Document]) -> list[tuple[str, list[str]]]:
    """(owning objectId, its related ids) for the page's objects that have relation rows."""
    out = []
    for doc in page:
        owning_id = str(doc["objectId"])
        related = await storage.related_ids(schema.class_name, field_name, [owning_id])
        if related:
            out.append((owning_id, sorted(related)))
    return out
