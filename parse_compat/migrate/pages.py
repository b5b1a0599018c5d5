"""Reading one store class by class: rows in objectId pages, and each page's relation rows.

Pages follow `objectId > last` in the store's objectId order (byte order on every adapter:
SQLite's BINARY, PostgreSQL's `COLLATE "C"`, MongoDB's), so a page costs one indexed range
read whatever the table's size, and both ends of a migration are read in the same order.
"""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator

from ..storage.base import ClassSchema, Document, FindOptions, StorageAdapter
from ..storage.mongo.relations import JOIN_PREFIX
from .digest import canonical_row


def with_object_ids(page: list[Document]) -> list[Document]:
    """The page with an objectId on every row. Parse Server's PostgreSQL layout keeps some system
    rows without one (`_Hooks`); such a row gets a stable id made from its content (the same on
    every read, so both ends compare), and the page is put in objectId order."""
    if all("objectId" in doc for doc in page):
        return page
    for doc in page:
        if "objectId" not in doc:
            doc["objectId"] = "m" + hashlib.sha256(canonical_row(doc)).hexdigest()[:15]
    return sorted(page, key=lambda doc: str(doc["objectId"]))


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
        page = with_object_ids(await storage.find(schema, where, FindOptions(limit=size, sort=[("objectId", True)])))
        if page:
            yield page
        if len(page) < size:
            return
        last = str(page[-1]["objectId"])


async def page_relations(storage: StorageAdapter, schema: ClassSchema, field_name: str,
                         page: list[Document]) -> list[tuple[str, list[str]]]:
    """(owning objectId, its related ids sorted) for the page's objects that have relation rows,
    in page order. One query finds what the whole page relates to; then the pairs are read from
    whichever side is smaller (per related object, or per owning object)."""
    owners = [str(doc["objectId"]) for doc in page]
    related = sorted(set(await storage.related_ids(schema.class_name, field_name, owners)))
    if not related:
        return []
    pairs: dict[str, list[str]] = {}
    if len(related) < len(owners):
        wanted = set(owners)
        for related_id in related:
            for owning_id in await storage.owning_ids(schema.class_name, field_name, [related_id]):
                if owning_id in wanted:
                    pairs.setdefault(owning_id, []).append(related_id)
    else:
        for owning_id in owners:
            found = await storage.related_ids(schema.class_name, field_name, [owning_id])
            if found:
                pairs[owning_id] = sorted(set(found))
    return [(owning_id, sorted(pairs[owning_id])) for owning_id in owners if owning_id in pairs]
