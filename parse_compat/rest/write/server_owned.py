"""Writes of server-owned records — sessions, lockout counters, account and invitation tokens,
outbox rows, idempotency ids, job status, config, audit entries — that never carry a client's body.

One of the two places where writes reach storage: every other write (anything built from a
request body — REST, batch, the cloud SDK, the system routes) goes through `pipeline.py`, whose
store step (`store.py`) is the other. The values written here are built by the server itself,
so none of the pipeline's steps (key paths, permissions, triggers) apply to them.

Installed as `state.services.server_writes`; modules below `rest/` (`auth/`, the outbox) take it
typed as `storage.base.RecordWrites`, so they never import `rest/`. Schema operations (creating
classes and fields, deleting them) stay with `schema/registry.py`.
"""

from __future__ import annotations

from ...storage.base import ClassSchema, Document, StorageAdapter, Where
from .op import new_object_id


class ServerOwnedWrites:
    def __init__(self, storage: StorageAdapter, object_id_size: int) -> None:
        self._storage = storage
        self._id_size = object_id_size

    def new_object_id(self, size: int | None = None) -> str:
        return new_object_id(size or self._id_size)

    async def insert(self, schema: ClassSchema, doc: Document) -> None:
        await self._storage.insert(schema, doc)

    async def insert_many(self, schema: ClassSchema, docs: list[Document]) -> None:
        """Several records with one storage call (the audit trail's group commit)."""
        await self._storage.insert_many(schema, docs)

    async def update(self, schema: ClassSchema, where: Where, update: Document) -> Document | None:
        return await self._storage.update(schema, where, update)

    async def delete(self, schema: ClassSchema, where: Where) -> Document | None:
        return await self._storage.delete(schema, where)

    async def delete_many(self, schema: ClassSchema, where: Where) -> int:
        return await self._storage.delete_many(schema, where)
