"""Some classes in a storage of their own: the append-only classes of a SQLite app in a second file.

`RoutedStorage` is a `StorageAdapter` that hands each class's calls to the adapter that holds
it: the classes named in `routes` to theirs, every other class (and the relation rows) to
`main`. `open_storage` uses it for SQLite files: the access audit trail (`_Audit`,
`base.APPEND_ONLY_CLASSES`) lives in `<name>-audit<suffix>` beside the main file, written on
its own thread (`SQLiteAdapter(own_thread=True)`). Why: every commit to a SQLite file empties
the page cache of each other connection to it, and a commit's system calls are tens of
microseconds; with the trail in the main file each group commit of a read's audit entry made
the next reads of patient data fetch their pages again and held the event loop for the commit.
In its own file written beside the loop, the trail costs the loop only the hand-over.

Each file describes its own classes (its `_SCHEMA` rows), so `load_schemas` is the union.
A main file made before the split that already holds a routed class's table keeps it there
(nothing is moved; `routes_in_use` says which classes went to their own file).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from typing import Any

from .base import ClassSchema, Document, FindOptions, StorageAdapter, Where

log = logging.getLogger("parse_compat.storage")


class RoutedStorage:
    """`main` for everything but the classes in `routes`, each of which has its own adapter.

    `has_table(class_name)` on `main` (an async method) tells whether an older main file
    already holds a routed class; then that class stays in `main`."""

    def __init__(self, main: Any, routes: dict[str, Callable[[], StorageAdapter]]) -> None:
        self.main = main
        self.capabilities = main.capabilities
        self._factories = dict(routes)
        self._routes: dict[str, StorageAdapter] = {}

    @property
    def routes_in_use(self) -> dict[str, StorageAdapter]:
        return dict(self._routes)

    def _for(self, class_name: str) -> Any:
        return self._routes.get(class_name, self.main)

    # --- lifecycle ---------------------------------------------------------------------
    async def connect(self) -> None:
        await self.main.connect()
        opened: dict[str, StorageAdapter] = {}
        try:
            for class_name, factory in self._factories.items():
                if await self.main.has_table(class_name):
                    log.info("%s stays in the main database file (it was made there before it had its own)",
                             class_name)
                    continue
                adapter = factory()
                await adapter.connect()
                opened[class_name] = adapter
        except BaseException:
            for adapter in opened.values():
                await adapter.close()
            await self.main.close()
            raise
        self._routes = opened

    async def close(self) -> None:
        for adapter in self._routes.values():
            await adapter.close()
        self._routes = {}
        await self.main.close()

    # --- schema ------------------------------------------------------------------------
    async def load_schemas(self) -> list[ClassSchema]:
        schemas = [schema for schema in await self.main.load_schemas() if schema.class_name not in self._routes]
        for class_name, adapter in self._routes.items():
            schemas.extend(schema for schema in await adapter.load_schemas() if schema.class_name == class_name)
        return schemas

    async def save_schema(self, schema: ClassSchema) -> None:
        await self._for(schema.class_name).save_schema(schema)

    async def delete_class(self, class_name: str) -> None:
        await self._for(class_name).delete_class(class_name)

    async def delete_field(self, schema: ClassSchema, field_name: str) -> None:
        await self._for(schema.class_name).delete_field(schema, field_name)

    async def ensure_unique(self, schema: ClassSchema, field_names: list[str]) -> None:
        await self._for(schema.class_name).ensure_unique(schema, field_names)

    # --- objects -----------------------------------------------------------------------
    async def insert(self, schema: ClassSchema, doc: Document) -> None:
        await self._for(schema.class_name).insert(schema, doc)

    async def insert_many(self, schema: ClassSchema, docs: list[Document]) -> None:
        await self._for(schema.class_name).insert_many(schema, docs)

    async def update(self, schema: ClassSchema, where: Where, update: Document) -> Document | None:
        result: Document | None = await self._for(schema.class_name).update(schema, where, update)
        return result

    async def delete(self, schema: ClassSchema, where: Where) -> Document | None:
        result: Document | None = await self._for(schema.class_name).delete(schema, where)
        return result

    async def delete_many(self, schema: ClassSchema, where: Where) -> int:
        return int(await self._for(schema.class_name).delete_many(schema, where))

    async def find(self, schema: ClassSchema, where: Where, options: FindOptions) -> list[Document]:
        found: list[Document] = await self._for(schema.class_name).find(schema, where, options)
        return found

    async def count(self, schema: ClassSchema, where: Where) -> int:
        return int(await self._for(schema.class_name).count(schema, where))

    # --- relations (the routed classes hold none) ---------------------------------------
    async def add_relations(self, owning_class: str, field_name: str, owning_id: str,
                            related_ids: list[str]) -> None:
        await self.main.add_relations(owning_class, field_name, owning_id, related_ids)

    async def remove_relations(self, owning_class: str, field_name: str, owning_id: str,
                               related_ids: list[str]) -> None:
        await self.main.remove_relations(owning_class, field_name, owning_id, related_ids)

    async def related_ids(self, owning_class: str, field_name: str, owning_ids: list[str]) -> list[str]:
        found: list[str] = await self.main.related_ids(owning_class, field_name, owning_ids)
        return found

    async def owning_ids(self, owning_class: str, field_name: str, related_ids: list[str]) -> list[str]:
        found: list[str] = await self.main.owning_ids(owning_class, field_name, related_ids)
        return found

    # --- transactions ------------------------------------------------------------------
    def transaction(self) -> AbstractAsyncContextManager[None]:
        """The main file's transaction (a transaction never spans two files)."""
        context: AbstractAsyncContextManager[None] = self.main.transaction()
        return context

    def transaction_for(self, class_name: str) -> AbstractAsyncContextManager[None]:
        """A transaction of the file that holds `class_name`."""
        context: AbstractAsyncContextManager[None] = self._for(class_name).transaction()
        return context
