"""The storage boundary: the one Protocol every database adapter implements.

Nothing above this module knows which database is underneath. Adapters receive and return
*storage documents* and *storage queries*, both defined here.

Storage document (a plain dict):
  - ``objectId`` (str), ``createdAt`` / ``updatedAt`` (ISO-8601 strings, millisecond
    precision, ``Z``: ``2020-01-01T00:00:00.000Z``);
  - every schema field in Parse's REST JSON encoding: Date ``{"__type":"Date","iso"}``,
    Pointer ``{"__type":"Pointer","className","objectId"}``, File ``{"__type":"File","name"}``
    (no url), GeoPoint, Polygon, Bytes, plain Object / Array / str / number / bool / None;
  - Relation fields are never stored on the document (they live in relation rows);
  - ``_rperm`` / ``_wperm``: lists of ``"*"``, user ids and ``"role:Name"``; a missing key means
    "no ACL" (public). The ACL is rebuilt from these two lists above the boundary;
  - internal keys starting with ``_`` (``_hashed_password``, ``_email_verify_token``,
    ``_perishable_token``, ``_failed_login_count``, ``_account_lockout_expires_at`` ...) are
    stored and returned as they are. ``_Session.sessionToken`` is an ordinary field here.

Storage query (``where``): Parse's ``where`` JSON after the REST layer has validated it and
resolved everything that needs another query (``$inQuery``, ``$notInQuery``, ``$select``,
``$dontSelect``, ``$relatedTo``, relation-field constraints become ``$in``/``$nin``;
``$relativeTime`` becomes a Date). What remains:
  - ``{"field": value}`` equality (on an Array field: "contains"), pointers compared by
    className + objectId, Dates by instant;
  - ``$lt $lte $gt $gte $eq $ne $in $nin $all $containedBy $exists $regex`` (+ ``$options``,
    PCRE ``\\Q…\\E`` allowed) ``$or $and $nor $nearSphere`` (+ ``$maxDistance`` in radians)
    ``$within {$box}`` ``$geoWithin {$polygon | $centerSphere}`` ``$geoIntersects {$point}``
    ``$text`` (when ``Capabilities.text_search``);
  - dotted keys ``"obj.sub"`` into Object fields;
  - ``_rperm`` / ``_wperm`` with ``{"$in": [...]}``: matches a document with no such list, or
    whose list shares an element with the given one. This is how ACLs reach storage.

Update document (for ``update``): field → new value, or an op dict ``{"__op": "Delete"}``,
``{"__op": "Increment", "amount": n}``, ``{"__op": "Add" | "AddUnique" | "Remove",
"objects": [...]}``. Keys may be dotted (``"obj.sub"``). Applied atomically to one document.
"""

from __future__ import annotations

from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from typing import Any, Protocol

# The time budget of every query unless `databaseOptions.maxTimeMS` says otherwise (storage/loader.py).
DEFAULT_MAX_TIME_MS = 5000

# Server-written classes whose rows are only ever inserted (never updated) and carry no ACL (the
# audit trail, parse_compat/audit): adapters keep no updatedAt or read-list index for them.
APPEND_ONLY_CLASSES = frozenset({"_Audit"})

Document = dict[str, Any]
Where = dict[str, Any]


@dataclass(frozen=True)
class Capabilities:
    """What an adapter can do; contract tests skip by capability, never by adapter name."""

    transactions: bool = False
    text_search: bool = False
    geo: bool = True
    # An explicit null is stored apart from a missing field (False: it reads back as missing).
    null_values: bool = True


@dataclass
class FindOptions:
    """Paging, ordering and projection of a find."""

    limit: int | None = None
    skip: int = 0
    # (field, ascending) pairs; field may be objectId/createdAt/updatedAt or a schema field.
    sort: list[tuple[str, bool]] = field(default_factory=list)
    # Fields the caller needs (None = all). An adapter may return more.
    keys: set[str] | None = None


@dataclass
class ClassSchema:
    """A class as the server knows it, in Parse's `/schemas` JSON vocabulary.

    ``fields`` maps a field name to ``{"type": ..., "targetClass"?, "required"?,
    "defaultValue"?}`` and includes the default fields (objectId, createdAt, updatedAt, ACL).
    """

    class_name: str
    fields: dict[str, dict[str, Any]]
    class_level_permissions: dict[str, Any] | None = None
    indexes: dict[str, dict[str, Any]] = field(default_factory=dict)

    def field_type(self, name: str) -> str | None:
        spec = self.fields.get(name)
        return spec["type"] if spec else None

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"className": self.class_name, "fields": self.fields}
        if self.class_level_permissions is not None:
            out["classLevelPermissions"] = self.class_level_permissions
        if self.indexes:
            out["indexes"] = self.indexes
        return out


class RecordWrites(Protocol):
    """The writes of server-owned records (`rest/write/server_owned.py`, `state.services.server_writes`,
    which hands them to the store step): what `auth/` and the outbox are given instead of the
    adapter's own write methods."""

    def new_object_id(self, size: int | None = None) -> str: ...

    async def insert(self, schema: ClassSchema, doc: Document) -> None: ...

    async def insert_many(self, schema: ClassSchema, docs: list[Document]) -> None: ...

    async def update(self, schema: ClassSchema, where: Where, update: Document) -> Document | None: ...

    async def delete(self, schema: ClassSchema, where: Where) -> Document | None: ...

    async def delete_many(self, schema: ClassSchema, where: Where) -> int: ...


class SchemaWrites(Protocol):
    """The schema persistence calls (`rest/write/store.py`, `StorageWrites`): what the schema
    registry is given instead of the adapter's own schema write methods."""

    async def save_schema(self, schema: ClassSchema) -> None: ...

    async def delete_class(self, class_name: str) -> None: ...

    async def delete_field(self, schema: ClassSchema, field_name: str) -> None: ...

    async def ensure_unique(self, schema: ClassSchema, field_names: list[str]) -> None: ...


class StorageAdapter(Protocol):
    """The contract every adapter fulfils (SQLite, MongoDB, later PostgreSQL)."""

    capabilities: Capabilities

    async def connect(self) -> None: ...

    async def close(self) -> None: ...

    # --- schema -------------------------------------------------------------------------
    async def load_schemas(self) -> list[ClassSchema]:
        """Every stored class schema."""
        ...

    async def save_schema(self, schema: ClassSchema) -> None:
        """Create or replace a class's schema, creating its table/collection and indexes."""
        ...

    async def delete_class(self, class_name: str) -> None:
        """Drop the class's data, its relation rows and its schema."""
        ...

    async def delete_field(self, schema: ClassSchema, field_name: str) -> None:
        """Remove a field's values from every object (and relation rows for a Relation)."""
        ...

    # --- objects ------------------------------------------------------------------------
    async def insert(self, schema: ClassSchema, doc: Document) -> None:
        """Insert a new object. Raises ``DuplicateValue(field)`` on a unique conflict."""
        ...

    async def insert_many(self, schema: ClassSchema, docs: list[Document]) -> None:
        """Insert new objects in order with one call, in one transaction where
        ``capabilities.transactions`` (otherwise those before a conflict stay). Raises
        ``DuplicateValue(field)`` on a unique conflict."""
        ...

    async def update(self, schema: ClassSchema, where: Where, update: Document) -> Document | None:
        """Atomically apply ``update`` to the one object matching ``where``.

        Returns the document after the update, or None when nothing matched. Raises
        ``DuplicateValue`` on a unique conflict.
        """
        ...

    async def delete(self, schema: ClassSchema, where: Where) -> Document | None:
        """Delete the one object matching ``where``; return it, or None when nothing matched."""
        ...

    async def delete_many(self, schema: ClassSchema, where: Where) -> int:
        """Delete every object matching ``where``; return how many."""
        ...

    async def find(self, schema: ClassSchema, where: Where, options: FindOptions) -> list[Document]:
        ...

    async def count(self, schema: ClassSchema, where: Where) -> int:
        ...

    async def ensure_unique(self, schema: ClassSchema, field_names: list[str]) -> None:
        """Enforce uniqueness of a field (case-insensitive for username/email on _User)."""
        ...

    # --- relations (rows of _Join:<field>:<owningClass>) -----------------------------------
    async def add_relations(self, owning_class: str, field_name: str, owning_id: str,
                            related_ids: list[str]) -> None:
        ...

    async def remove_relations(self, owning_class: str, field_name: str, owning_id: str,
                               related_ids: list[str]) -> None:
        ...

    async def related_ids(self, owning_class: str, field_name: str, owning_ids: list[str]) -> list[str]:
        """Ids of objects related through ``field_name`` of any of ``owning_ids``."""
        ...

    async def owning_ids(self, owning_class: str, field_name: str, related_ids: list[str]) -> list[str]:
        """Ids of owning objects whose relation ``field_name`` holds any of ``related_ids``."""
        ...

    # --- transactions --------------------------------------------------------------------
    def transaction(self) -> AbstractAsyncContextManager[None]:
        """Group writes; all or nothing where ``capabilities.transactions``."""
        ...
