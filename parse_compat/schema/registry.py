"""The per-app schema cache: every class's fields, CLPs and indexes, persisted through storage.

All schema changes (boot, /schemas, fields added by writes) go through this registry, under
one lock, so concurrent writes that add the same field never race. The registry reads schemas
from the adapter but persists them through the store step (`SchemaWrites`, given by the app:
`rest/write/store.py` is the one place writes reach storage). A registry built without it is a
read-only view (the audit CLI's): it reads what is stored and persists nothing.
"""

from __future__ import annotations

import asyncio
import copy
import time
from typing import Any

from ..errors import (
    INCORRECT_TYPE,
    INSTALLATION_ERROR,
    INVALID_CLASS_NAME,
    INVALID_KEY_NAME,
    INVALID_SCHEMA_OPERATION,
    ParseError,
)
from ..storage.base import ClassSchema, SchemaWrites, StorageAdapter
from .model import (
    BOOT_SYSTEM_CLASSES,
    DEFAULT_FIELDS,
    FIELD_TYPES,
    default_fields_for,
    describe_type,
    is_valid_class_name,
    is_valid_field_name,
    same_type,
)


def validate_field_spec(class_name: str, name: str, spec: Any) -> dict[str, Any]:
    """Check one `/schemas` field definition; return its normalised form."""
    if not is_valid_field_name(name):
        raise ParseError(INVALID_KEY_NAME, f"invalid field name: {name}")
    if not isinstance(spec, dict) or not isinstance(spec.get("type"), str):
        raise ParseError(INCORRECT_TYPE, f"invalid field type: {spec!r}")
    kind = spec["type"]
    if kind not in FIELD_TYPES or kind == "ACL":
        raise ParseError(INCORRECT_TYPE, f"invalid field type: {kind}")
    out: dict[str, Any] = {"type": kind}
    if kind in ("Pointer", "Relation"):
        target = spec.get("targetClass")
        if not target:
            raise ParseError(INSTALLATION_ERROR, f"type {kind} needs a class name")
        if not isinstance(target, str) or not is_valid_class_name(target):
            raise ParseError(INVALID_CLASS_NAME, f"Invalid classname: {target}")
        out["targetClass"] = target
    if "required" in spec:
        if not isinstance(spec["required"], bool) or kind == "Relation":
            raise ParseError(INCORRECT_TYPE, f"invalid required option for {name}")
        if spec["required"]:
            out["required"] = True
    if "defaultValue" in spec and spec["defaultValue"] is not None:
        if kind == "Relation":
            raise ParseError(INCORRECT_TYPE, f"The 'default value' option is not applicable for {kind}")
        out["defaultValue"] = spec["defaultValue"]
    return out


# An unknown class triggers at most one storage re-read per this many seconds.
MISS_RELOAD_SECONDS = 1.0
# How often a running server re-reads schemas (CLP and field changes made by other processes).
REFRESH_SECONDS = 5.0


class SchemaRegistry:
    """In-memory view of every class schema, kept in step with storage."""

    def __init__(self, storage: StorageAdapter, writes: SchemaWrites | None = None) -> None:
        self._storage = storage  # reads only
        self._writes = writes
        self._classes: dict[str, ClassSchema] = {}
        self._lock = asyncio.Lock()
        self._loaded_at = 0.0

    async def reload(self) -> None:
        """Re-read every schema from storage (other server processes may have changed them)."""
        self._classes = {schema.class_name: schema for schema in await self._storage.load_schemas()}
        self._loaded_at = time.monotonic()

    async def refresh(self) -> None:
        """A periodic re-read, serialised with schema changes made here."""
        async with self._lock:
            await self.reload()

    async def find_class(self, class_name: str) -> ClassSchema | None:
        """The class, re-reading storage once when it is unknown here (created by another process)."""
        schema = self._classes.get(class_name)
        if schema is None and time.monotonic() - self._loaded_at > MISS_RELOAD_SECONDS:
            await self.reload()
            schema = self._classes.get(class_name)
        return schema

    async def load(self) -> None:
        await self.reload()
        for name in BOOT_SYSTEM_CLASSES:
            if name not in self._classes:
                await self._persist(ClassSchema(name, default_fields_for(name)))
            else:
                await self._add_missing_defaults(name)
        await self.ensure_unique(self._classes["_User"], ["username", "email"])
        await self.ensure_unique(self._classes["_Role"], ["name"])
        await self.ensure_unique(self._classes["_Session"], ["sessionToken"])
        await self.ensure_unique(await self.ensure_class("_Idempotency"), ["reqId"])

    async def ensure_unique(self, schema: ClassSchema, field_names: list[str]) -> None:
        """A unique index on `field_names` (case-insensitive for `_User` username/email)."""
        if self._writes is not None:
            await self._writes.ensure_unique(schema, field_names)

    async def _add_missing_defaults(self, name: str) -> None:
        schema = self._classes[name]
        missing = {k: v for k, v in default_fields_for(name).items() if k not in schema.fields}
        if missing:
            updated = copy.deepcopy(schema)
            updated.fields.update(missing)
            await self._persist(updated)

    async def _persist(self, schema: ClassSchema) -> None:
        if self._writes is not None:
            await self._writes.save_schema(schema)
        self._classes[schema.class_name] = schema

    def get(self, class_name: str) -> ClassSchema | None:
        return self._classes.get(class_name)

    def all(self) -> list[ClassSchema]:
        return sorted(self._classes.values(), key=lambda s: s.class_name)

    async def ensure_class(self, class_name: str) -> ClassSchema:
        """Create a class with its default fields if it does not exist (system classes too)."""
        existing = self._classes.get(class_name)
        if existing:
            return existing
        async with self._lock:
            await self.reload()
            existing = self._classes.get(class_name)
            if existing:
                return existing
            if not is_valid_class_name(class_name):
                raise ParseError(INVALID_CLASS_NAME, f"Invalid classname: {class_name}")
            schema = ClassSchema(class_name, default_fields_for(class_name))
            await self._persist(schema)
            return schema

    async def add_fields(self, class_name: str, new_fields: dict[str, dict[str, Any]]) -> ClassSchema:
        """Add fields seen on a write; a type clash with an existing field → 111."""
        async with self._lock:
            await self.reload()  # merge onto what other processes may have added meanwhile
            schema = self._classes[class_name]
            to_add: dict[str, dict[str, Any]] = {}
            for name, spec in new_fields.items():
                current = schema.fields.get(name)
                if current is None:
                    to_add[name] = spec
                elif not same_type(current, spec):
                    raise ParseError(
                        INCORRECT_TYPE,
                        f"schema mismatch for {class_name}.{name}; expected "
                        f"{describe_type(current)} but got {describe_type(spec)}",
                    )
            if not to_add:
                return schema
            geo = [n for n, s in {**schema.fields, **to_add}.items() if s["type"] == "GeoPoint"]
            if len(geo) > 1:
                raise ParseError(
                    INCORRECT_TYPE,
                    "there can only be one geopoint field in a class",
                )
            updated = copy.deepcopy(schema)
            updated.fields.update(to_add)
            await self._persist(updated)
            return updated

    async def create_class(self, class_name: str, fields: dict[str, Any],
                           clp: dict[str, Any] | None, indexes: dict[str, Any] | None) -> ClassSchema:
        async with self._lock:
            if class_name in self._classes:
                raise ParseError(INVALID_CLASS_NAME, f"Class {class_name} already exists.")
            if not is_valid_class_name(class_name):
                raise ParseError(INVALID_CLASS_NAME, f"Invalid classname: {class_name}")
            all_fields = default_fields_for(class_name)
            for name, spec in (fields or {}).items():
                if name in all_fields:
                    raise ParseError(136, f"field {name} cannot be added")
                all_fields[name] = validate_field_spec(class_name, name, spec)
            self._check_single_geopoint(all_fields)
            schema = ClassSchema(class_name, all_fields, clp, {})
            schema.indexes = self._validated_indexes(schema, indexes or {})
            await self._persist(schema)
            return schema

    async def update_class(self, class_name: str, fields: dict[str, Any],
                           clp: dict[str, Any] | None, indexes: dict[str, Any] | None) -> ClassSchema:
        async with self._lock:
            current = self._classes.get(class_name)
            if current is None:
                raise ParseError(INVALID_CLASS_NAME, f"Class {class_name} does not exist.")
            updated = copy.deepcopy(current)
            defaults = default_fields_for(class_name)
            deleted: list[str] = []
            for name, spec in (fields or {}).items():
                if isinstance(spec, dict) and spec.get("__op") == "Delete":
                    if name not in updated.fields:
                        raise ParseError(INVALID_SCHEMA_OPERATION,
                                         f"Field {name} does not exist, cannot delete.")
                    if name in defaults:
                        raise ParseError(136, f"field {name} cannot be changed")
                    deleted.append(name)
                    continue
                wanted = validate_field_spec(class_name, name, spec)
                if name in updated.fields:
                    if same_type(updated.fields[name], wanted):
                        continue  # parse-compat: re-declaring a field with its own type is a no-op, as in Parse
                    raise ParseError(INVALID_SCHEMA_OPERATION, f"Field {name} exists, cannot update.")
                updated.fields[name] = wanted
            for name in deleted:
                if self._writes is not None:
                    await self._writes.delete_field(current, name)
                del updated.fields[name]
            self._check_single_geopoint(updated.fields)
            if clp is not None:
                updated.class_level_permissions = clp
            for name, spec in (indexes or {}).items():
                if isinstance(spec, dict) and spec.get("__op") == "Delete":
                    updated.indexes.pop(name, None)
                elif name in updated.indexes:
                    raise ParseError(102, f"Index {name} exists, cannot update.")
                else:
                    updated.indexes.update(self._validated_indexes(updated, {name: spec}))
            await self._persist(updated)
            return updated

    async def merge_fields(self, class_name: str, fields: dict[str, dict[str, Any]]) -> ClassSchema:
        """Add or refresh field definitions (options such as `required`) without a type check."""
        async with self._lock:
            updated = copy.deepcopy(self._classes[class_name])
            updated.fields.update(fields)
            await self._persist(updated)
            return updated

    async def set_clp(self, class_name: str, clp: dict[str, Any] | None) -> ClassSchema:
        async with self._lock:
            updated = copy.deepcopy(self._classes[class_name])
            updated.class_level_permissions = clp
            await self._persist(updated)
            return updated

    async def delete_class(self, class_name: str) -> None:
        async with self._lock:
            if self._writes is not None:
                await self._writes.delete_class(class_name)
            self._classes.pop(class_name, None)

    @staticmethod
    def _check_single_geopoint(fields: dict[str, dict[str, Any]]) -> None:
        if sum(1 for spec in fields.values() if spec["type"] == "GeoPoint") > 1:
            raise ParseError(INCORRECT_TYPE, "there can only be one geopoint field in a class")

    @staticmethod
    def _validated_indexes(schema: ClassSchema, indexes: dict[str, Any]) -> dict[str, dict[str, Any]]:
        out: dict[str, dict[str, Any]] = {}
        for name, spec in indexes.items():
            if not isinstance(spec, dict) or not spec:
                raise ParseError(107, f"invalid index {name}")
            for field_name in spec:
                if field_name not in schema.fields and field_name not in DEFAULT_FIELDS:
                    raise ParseError(102, f"Field {field_name} does not exist, cannot add index.")
            out[name] = dict(spec)
        return out
