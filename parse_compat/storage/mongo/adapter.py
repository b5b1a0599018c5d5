"""``MongoAdapter``: the StorageAdapter (base.py) over MongoDB in Parse Server's own layout.

Owns the collection-level work — which collection, which PyMongo call, sessions for
transactions, on-demand geo/text indexes, turning duplicate-key errors into
``DuplicateValue`` — and delegates every format question to ``transform`` (documents),
``query`` (where), ``update`` (update ops), ``schema_store`` (``_SCHEMA``), ``relations``
(``_Join:`` rows) and ``uniqueness``. Only this package imports pymongo.

Written against the subset of PyMongo's async API that mongomock-motor also provides, so one
adapter serves ``mongodb://`` and the test-only ``mongomock://<db>``.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager, contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from pymongo import ReturnDocument
from pymongo.errors import BulkWriteError, CollectionInvalid, ExecutionTimeout, OperationFailure

from parse_compat.errors import INVALID_QUERY, DuplicateValue, ParseError
from parse_compat.storage.base import Capabilities, ClassSchema, Document, FindOptions, Where
from parse_compat.storage.mongo import connection, relations, schema_store, uniqueness
from parse_compat.storage.mongo import keys as k
from parse_compat.storage.mongo.query import CompiledQuery, Dialect, compile_sort, compile_where
from parse_compat.storage.mongo.transform import from_mongo_document, projection, to_mongo_document
from parse_compat.storage.mongo.update import compile_update, touched_keys

_DUPLICATE_KEY = 11000
_INDEX_EXISTS_CODES = (85, 86)  # IndexOptionsConflict, IndexKeySpecsConflict
_READ_LIST_INDEX = [("_rperm", 1), ("_created_at", -1)]
_READ_LIST_INDEX_NAME = "_rperm_1__created_at_-1"


@dataclass
class _OpenTransaction:
    """The session of the transaction open in this task, and the lock that serialises its use
    (a PyMongo session runs one operation at a time; batch items may run concurrently)."""

    session: Any
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)


def _reraise_duplicate(error: OperationFailure) -> None:
    """Raise ``DuplicateValue`` for a duplicate-key error; return for any other failure."""
    if error.code == _DUPLICATE_KEY:
        raise DuplicateValue(uniqueness.duplicate_field(error)) from error


def _bulk_duplicate_field(error: BulkWriteError) -> str:
    """The REST field of the first duplicate-key error of a bulk insert."""
    for item in error.details.get("writeErrors", ()):
        pattern = item.get("keyPattern")
        if item.get("code") == _DUPLICATE_KEY and isinstance(pattern, dict) and pattern:
            return uniqueness.rest_field_name(next(iter(pattern)))
    return "objectId"


@contextmanager
def query_errors_as_parse_errors() -> Iterator[None]:
    """A query the translator or the server cannot take (a value of the wrong shape for its field,
    an operator the server refuses) is the client's doing: 102, never a 500."""
    try:
        yield
    except ParseError:
        raise
    except ExecutionTimeout as exc:
        # parse-compat: past databaseOptions.maxTimeMS MongoDB stops the query; Parse's 124.
        raise ParseError(124, "Query timed out: it ran longer than databaseOptions.maxTimeMS.") from exc
    except (ValueError, KeyError, IndexError, TypeError, OperationFailure) as exc:
        raise ParseError(INVALID_QUERY, "Invalid query for the stored values.") from exc


class MongoAdapter:
    """Parse Server's MongoDB layout behind the storage boundary."""

    def __init__(self, uri: str, client: Any | None = None, max_time_ms: int | None = None,
                 collations: bool = True) -> None:
        self.uri = uri
        self._max_time_ms = max_time_ms or None  # the server stops a query past it (maxTimeMS)
        self._client = client
        self._owns_client = client is None
        self._db: Any = None
        self._emulated = connection.is_mock_uri(uri) or (
            client is not None and connection.is_emulator(client))
        self.capabilities = (connection.EMULATOR_CAPABILITIES if self._emulated
                             else Capabilities(transactions=False, text_search=True, geo=True))
        self._dialect = Dialect(native_regex=not self._emulated)
        # Parse's enableCollationCaseComparison turns collations off (Atlas Serverless, DocumentDB):
        # the case-insensitive user checks then use an anchored `i` regex, as on emulators.
        self._collations = collations and not self._emulated
        self._open: ContextVar[_OpenTransaction | None] = ContextVar(
            f"parse_compat_mongo_tx_{id(self)}", default=None)
        self._ready_indexes: set[tuple[str, str, str]] = set()

    # --- connection ------------------------------------------------------------------------
    @property
    def database(self) -> Any:
        """The PyMongo (or mongomock-motor) database; for tests and administration."""
        if self._db is None:
            raise RuntimeError("MongoAdapter is not connected")
        return self._db

    async def connect(self) -> None:
        if self._client is None:
            self._client = connection.create_client(self.uri)
        self._db = self._client[connection.database_name(self.uri)]
        self.capabilities = await connection.probe_capabilities(self._client)

    async def close(self) -> None:
        if self._client is not None and self._owns_client:
            await connection.close_client(self._client)
            self._client = None
        self._db = None

    async def drop_database(self) -> None:
        """Drop the whole database (test clean-up)."""
        await self.database.client.drop_database(self.database.name)

    @asynccontextmanager
    async def _using(self) -> AsyncIterator[dict[str, Any]]:
        """Keyword arguments for one operation: the open transaction's session, if any."""
        open_tx = self._open.get()
        if open_tx is None:
            yield {}
            return
        async with open_tx.lock:
            yield {"session": open_tx.session}

    def _collection(self, name: str) -> Any:
        return self.database[name]

    # --- schema --------------------------------------------------------------------------
    async def load_schemas(self) -> list[ClassSchema]:
        async with self._using() as kw:
            docs = await self._collection(schema_store.SCHEMA_COLLECTION).find({}, **kw).to_list(None)
        return [schema_store.document_to_schema(doc) for doc in docs if isinstance(doc.get("_id"), str)]

    async def save_schema(self, schema: ClassSchema) -> None:
        schemas = self._collection(schema_store.SCHEMA_COLLECTION)
        async with self._using() as kw:
            old = await schemas.find_one({"_id": schema.class_name}, **kw)
            await schemas.replace_one({"_id": schema.class_name}, schema_store.schema_to_document(schema),
                                      upsert=True, **kw)
        if schema.class_name not in await self.database.list_collection_names():
            try:
                await self.database.create_collection(schema.class_name)
            except CollectionInvalid:
                pass
        await self._sync_indexes(schema, old)

    async def _sync_indexes(self, schema: ClassSchema, old: dict[str, Any] | None) -> None:
        collection = self._collection(schema.class_name)
        wanted = schema_store.mongo_index_specs(schema)
        previous = ((old or {}).get("_metadata") or {}).get("indexes") or {}
        for name in previous:
            if name != "_id_" and name not in wanted:
                try:
                    await collection.drop_index(name)
                except OperationFailure:
                    pass
        for name, spec in wanted.items():
            try:
                await collection.create_index(spec, name=name)
            except OperationFailure as error:
                if error.code not in _INDEX_EXISTS_CODES:
                    raise
        if not schema.class_name.startswith("_"):
            # The ACL-restricted list ("my plans, newest first": `_rperm $in [...]` sorted on
            # `_created_at`): MongoDB merges one range of this index per principal in order and
            # stops at the limit, instead of sorting every readable document.
            try:
                await collection.create_index(_READ_LIST_INDEX, name=_READ_LIST_INDEX_NAME)
            except OperationFailure as error:
                if error.code not in _INDEX_EXISTS_CODES:
                    raise
        for name, field_spec in schema.fields.items():
            if field_spec.get("type") == "Polygon":
                # parse-compat: a 2dsphere index is created when a Polygon field is added;
                # best effort, as stored shapes the index rejects must not block the schema.
                try:
                    await collection.create_index([(name, "2dsphere")])
                except OperationFailure:
                    pass

    async def delete_class(self, class_name: str) -> None:
        for name in await self.database.list_collection_names():
            if name == class_name or relations.is_join_of(name, class_name):
                await self.database.drop_collection(name)
        async with self._using() as kw:
            await self._collection(schema_store.SCHEMA_COLLECTION).delete_one({"_id": class_name}, **kw)
        self._ready_indexes = {entry for entry in self._ready_indexes if entry[0] != class_name}

    async def delete_field(self, schema: ClassSchema, field_name: str) -> None:
        if schema.field_type(field_name) == "Relation":
            await self.database.drop_collection(relations.join_collection_name(schema.class_name, field_name))
        async with self._using() as kw:
            if schema.field_type(field_name) != "Relation":
                unset = {field_name: "", k.POINTER_PREFIX + field_name: ""}
                await self._collection(schema.class_name).update_many({}, {"$unset": unset}, **kw)
            await self._collection(schema_store.SCHEMA_COLLECTION).update_one(
                {"_id": schema.class_name},
                {"$unset": {field_name: "", f"_metadata.fields_options.{field_name}": ""}},
                **kw,
            )

    # --- objects -------------------------------------------------------------------------
    async def insert(self, schema: ClassSchema, doc: Document) -> None:
        collection = self._collection(schema.class_name)
        async with self._using() as kw:
            if uniqueness.needs_case_insensitive_check(schema.class_name):
                await uniqueness.check_case_insensitive(collection, doc, None, self._collations, kw)
            try:
                await collection.insert_one(to_mongo_document(schema, doc), **kw)
            except OperationFailure as error:
                _reraise_duplicate(error)
                raise

    async def insert_many(self, schema: ClassSchema, docs: list[Document]) -> None:
        """Insert `docs` in order with one call, in a transaction where the server has them (all or
        none); without, the documents before a duplicate stay."""
        if not docs:
            return
        collection = self._collection(schema.class_name)
        async with self.transaction(), self._using() as kw:
            if uniqueness.needs_case_insensitive_check(schema.class_name):
                for doc in docs:
                    await uniqueness.check_case_insensitive(collection, doc, None, self._collations, kw)
            try:
                await collection.insert_many([to_mongo_document(schema, doc) for doc in docs], ordered=True, **kw)
            except BulkWriteError as error:
                if any(item.get("code") == _DUPLICATE_KEY for item in error.details.get("writeErrors", ())):
                    raise DuplicateValue(_bulk_duplicate_field(error)) from error
                raise

    async def update(self, schema: ClassSchema, where: Where, update: Document) -> Document | None:
        collection = self._collection(schema.class_name)
        query = await self._compile(schema, where)
        spec = compile_update(schema, update)
        filter_ = query.filter
        written = touched_keys(update) & set(uniqueness.CASE_INSENSITIVE_FIELDS)
        async with self._using() as kw:
            if written and uniqueness.needs_case_insensitive_check(schema.class_name):
                target = await collection.find_one(filter_, {"_id": 1}, **kw)
                if target is None:
                    return None
                values = {name: update[name] for name in written if name in update}
                await uniqueness.check_case_insensitive(collection, values, target["_id"],
                                                        self._collations, kw)
                filter_ = {"$and": [filter_, {"_id": target["_id"]}]} if filter_ else {"_id": target["_id"]}
            if not spec:
                found = await collection.find_one(filter_, **kw)
            else:
                try:
                    found = await collection.find_one_and_update(
                        filter_, spec, return_document=ReturnDocument.AFTER, **kw)
                except OperationFailure as error:
                    _reraise_duplicate(error)
                    raise
        return from_mongo_document(schema, found) if found is not None else None

    async def delete(self, schema: ClassSchema, where: Where) -> Document | None:
        query = await self._compile(schema, where)
        async with self._using() as kw:
            found = await self._collection(schema.class_name).find_one_and_delete(query.filter, **kw)
        return from_mongo_document(schema, found) if found is not None else None

    async def delete_many(self, schema: ClassSchema, where: Where) -> int:
        query = await self._compile(schema, where)
        async with self._using() as kw:
            result = await self._collection(schema.class_name).delete_many(query.filter, **kw)
        return int(result.deleted_count)

    async def find(self, schema: ClassSchema, where: Where, options: FindOptions) -> list[Document]:
        if options.limit == 0:
            return []
        with query_errors_as_parse_errors():
            return await self._find(schema, where, options)

    async def _find(self, schema: ClassSchema, where: Where, options: FindOptions) -> list[Document]:
        query = await self._compile(schema, where)
        fields: dict[str, Any] | None = projection(schema, options.keys)
        sort = compile_sort(schema, options.sort)
        if any(name == "score" and isinstance(direction, dict) for name, direction in sort) \
                or (options.keys and "$score" in options.keys):
            fields = {**(fields or {}), "score": {"$meta": "textScore"}}
        async with self._using() as kw:
            cursor = self._collection(schema.class_name).find(query.filter, fields, max_time_ms=self._max_time_ms,
                                                              **kw)
            if sort:
                cursor = cursor.sort(sort)
            if options.skip:
                cursor = cursor.skip(options.skip)
            if options.limit is not None:
                cursor = cursor.limit(options.limit)
            rows = await cursor.to_list(None)
        return [from_mongo_document(schema, row) for row in rows]

    async def count(self, schema: ClassSchema, where: Where) -> int:
        with query_errors_as_parse_errors():
            query = await self._compile(schema, where, for_count=True)
            async with self._using() as kw:
                budget = {"maxTimeMS": self._max_time_ms} if self._max_time_ms else {}
                return int(await self._collection(schema.class_name).count_documents(query.filter, **budget, **kw))

    async def _compile(self, schema: ClassSchema, where: Where, for_count: bool = False) -> CompiledQuery:
        query = compile_where(schema, where, self._dialect, for_count=for_count)
        if self._emulated:
            return query
        collection = self._collection(schema.class_name)
        for name in query.near_fields:
            # parse-compat: $nearSphere needs a 2d index, created on demand.
            await self._ensure_index_once(schema.class_name, collection, name, "2d")
        for name in query.text_fields:
            # parse-compat: $text creates the text index `<field>_text` on demand.
            await self._ensure_index_once(schema.class_name, collection, name, "text")
        return query

    async def _ensure_index_once(self, class_name: str, collection: Any, field: str, kind: str) -> None:
        key = (class_name, field, kind)
        if key in self._ready_indexes:
            return
        try:
            await collection.create_index([(field, kind)], name=f"{field}_{kind}")
        except OperationFailure:
            pass  # another geo/text index already serves the query, or the query will say why
        self._ready_indexes.add(key)

    async def ensure_unique(self, schema: ClassSchema, field_names: list[str]) -> None:
        await uniqueness.ensure_unique_indexes(self._collection(schema.class_name), schema, field_names,
                                               collations=self._collations)

    # --- relations -----------------------------------------------------------------------
    def _join(self, owning_class: str, field_name: str) -> Any:
        return self._collection(relations.join_collection_name(owning_class, field_name))

    async def add_relations(self, owning_class: str, field_name: str, owning_id: str,
                            related_ids: list[str]) -> None:
        async with self._using() as kw:
            await relations.add(self._join(owning_class, field_name), owning_id, related_ids, kw)

    async def remove_relations(self, owning_class: str, field_name: str, owning_id: str,
                               related_ids: list[str]) -> None:
        async with self._using() as kw:
            await relations.remove(self._join(owning_class, field_name), owning_id, related_ids, kw)

    async def related_ids(self, owning_class: str, field_name: str, owning_ids: list[str]) -> list[str]:
        async with self._using() as kw:
            return await relations.column(self._join(owning_class, field_name), "owningId", owning_ids,
                                          "relatedId", kw)

    async def owning_ids(self, owning_class: str, field_name: str, related_ids: list[str]) -> list[str]:
        async with self._using() as kw:
            return await relations.column(self._join(owning_class, field_name), "relatedId", related_ids,
                                          "owningId", kw)

    # --- transactions --------------------------------------------------------------------
    def transaction(self) -> AbstractAsyncContextManager[None]:
        return self._transaction()

    @asynccontextmanager
    async def _transaction(self) -> AsyncIterator[None]:
        if not self.capabilities.transactions or self._open.get() is not None:
            yield  # no transactions here, or joining the one already open
            return
        if self._client is None:
            raise RuntimeError("the MongoDB adapter is not connected")
        async with self._client.start_session() as session:
            async with await session.start_transaction():
                token = self._open.set(_OpenTransaction(session))
                try:
                    yield
                finally:
                    self._open.reset(token)
