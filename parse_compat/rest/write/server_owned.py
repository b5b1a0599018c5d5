"""Writes of server-owned records — sessions, lockout counters, account and invitation tokens,
outbox rows, idempotency ids, job status, config, audit entries — that never carry a client's body.

The values written here are built by the server itself, so none of the pipeline's steps (key
paths, permissions, triggers) apply to them; they reach storage through the store step's
`StorageWrites` (`store.py`), the one place writes reach storage — this module never holds the
adapter. Anything built from a request body goes through `pipeline.py` instead.

Installed as `state.services.server_writes`; modules below `rest/` (`auth/`, the outbox) take it
typed as `storage.base.RecordWrites`, so they never import `rest/`.
"""

from __future__ import annotations

from ...storage.base import ClassSchema, Document, Where
from .op import new_object_id
from .store import StorageWrites


class ServerOwnedWrites:
    def __init__(self, writes: StorageWrites, object_id_size: int) -> None:
        self._writes = writes
        self._id_size = object_id_size

    def new_object_id(self, size: int | None = None) -> str:
        return new_object_id(size or self._id_size)

    async def insert(self, schema: ClassSchema, doc: Document) -> None:
        await self._writes.insert(schema, doc)

    async def insert_many(self, schema: ClassSchema, docs: list[Document]) -> None:
        """Several records with one storage call (the audit trail's group commit)."""
        await self._writes.insert_many(schema, docs)

    async def update(self, schema: ClassSchema, where: Where, update: Document) -> Document | None:
        return await self._writes.update(schema, where, update)

    async def delete(self, schema: ClassSchema, where: Where) -> Document | None:
        return await self._writes.delete(schema, where)

    async def delete_many(self, schema: ClassSchema, where: Where) -> int:
        return await self._writes.delete_many(schema, where)
