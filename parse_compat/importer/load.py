"""The import run: schemas first, then every class's objects, then relation rows.

Writes go through the store step (`state.writer.store`, `rest/write/store.py`) and classes and
fields through the schema registry, never to the adapter. Idempotent and resumable by objectId:
an object already here with the same or a later `updatedAt` is skipped, one with an older
`updatedAt` is updated from the source, a missing one is inserted; relation rows already here
are skipped. A row that cannot be imported is counted and reported, never fatal.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path
from typing import Any

import aiohttp

from ..codec.values import mismatch
from ..errors import DUPLICATE_VALUE, DuplicateValue, ParseError
from ..rest.context import RequestContext
from ..rest.write.store import duplicate_error
from ..schema.model import default_fields_for, describe_type, same_type
from ..storage.base import ClassSchema, FindOptions
from ..storage.mongo.relations import JOIN_PREFIX
from . import sources
from .conversion import HASH_KEY, ImportedObject, from_export_row, from_mongo_row
from .files import FileMover
from .report import ImportReport

BATCH = 200
# Records the server keeps for itself: the old server's are meaningless here (or secrets).
SERVER_OWNED = frozenset({"_Session", "_Idempotency", "_PushStatus", "_JobStatus", "_Hooks", "_GlobalConfig",
                          "_GraphQLConfig", "_Audit", "_SCHEMA"})
FIELD_SPEC_KEYS = ("type", "targetClass", "required", "defaultValue")


@dataclass
class ImportSources:
    export_paths: list[Path] = field(default_factory=list)  # Dashboard JSON export files/directories
    dump: Path | None = None  # mongodump directory
    schemas: Path | None = None  # a saved GET /schemas answer
    files_from: str | None = None  # the old server's files URL prefix


def _batches(items: Iterator[Any], size: int) -> Iterator[list[Any]]:
    while batch := list(islice(items, size)):
        yield batch


class Importer:
    def __init__(self, ctx: RequestContext, files: FileMover, report: ImportReport) -> None:
        self.ctx = ctx
        self.state = ctx.state
        self.files = files
        self.report = report
        self.users_without_hash = 0

    # --- schemas -----------------------------------------------------------------------------
    async def apply_schema(self, spec: dict[str, Any]) -> None:
        name = spec["className"]
        if name in SERVER_OWNED:
            return
        defaults = default_fields_for(name)
        fields = {key: {k: v for k, v in value.items() if k in FIELD_SPEC_KEYS}
                  for key, value in (spec.get("fields") or {}).items()
                  if key not in defaults and isinstance(value, dict)}
        clp = spec.get("classLevelPermissions")
        try:
            existing = await self.state.schemas.find_class(name)
            if existing is None:
                await self.state.schemas.create_class(name, fields, clp if isinstance(clp, dict) else None, None)
                return
            if isinstance(clp, dict) and existing.class_level_permissions not in (None, clp):
                self.report.note(f"{name}: this server's class-level permissions were kept (the source's "
                                 f"differ; change them with PUT /schemas/{name})")
            missing = {key: value for key, value in fields.items() if key not in existing.fields}
            if missing:
                await self.state.schemas.update_class(name, missing, None, None)
        except ParseError as exc:
            self.report.problem(name, "schema", f"({exc.code}) {exc.message}")

    # --- objects -----------------------------------------------------------------------------
    async def import_objects(self, source: sources.SourceFile) -> None:
        name = source.class_name
        if name in SERVER_OWNED:
            self.report.note(f"{name}: not imported (the old server's own records)")
            return
        try:
            schema = await self.state.schemas.ensure_class(name)
        except ParseError as exc:
            self.report.problem(name, source.path.name, f"({exc.code}) {exc.message}")
            return
        counts = self.report.counts(name)
        try:
            for batch in _batches(iter(source.rows()), BATCH):
                counts.read += len(batch)
                converted: list[ImportedObject] = []
                for index, row in enumerate(batch):
                    try:
                        converted.append(from_mongo_row(schema, row) if source.kind == sources.BSON
                                         else from_export_row(name, row))
                    except (ParseError, ValueError, TypeError, KeyError) as exc:
                        self.report.failed(name, _row_label(row, source, counts.read - len(batch) + index),
                                           _message(exc))
                schema = await self._write_batch(schema, converted)
        except sources.SourceError as exc:
            self.report.problem(name, source.path.name, str(exc))

    async def _write_batch(self, schema: ClassSchema, objects: list[ImportedObject]) -> ClassSchema:
        if not objects:
            return schema
        ids = [item.object_id for item in objects]
        found = await self.state.storage.find(schema, {"objectId": {"$in": ids}},
                                              FindOptions(limit=len(ids), keys={"objectId", "updatedAt"}))
        here = {str(doc["objectId"]): str(doc.get("updatedAt") or "") for doc in found}
        counts = self.report.counts(schema.class_name)
        for item in objects:
            stamp = here.get(item.object_id)
            if stamp is not None and stamp >= item.doc["updatedAt"]:
                counts.skipped += 1
                continue
            try:
                schema = await self._write(schema, item, exists=stamp is not None)
            except Exception as exc:  # noqa: BLE001 - a row the store refuses is reported; the run goes on
                self.report.failed(schema.class_name, item.object_id, _message(exc))
                continue
            counts.written += 1
            here[item.object_id] = item.doc["updatedAt"]  # a row repeated in the source is written once
        return schema

    async def _write(self, schema: ClassSchema, item: ImportedObject, exists: bool) -> ClassSchema:
        schema = await self._ensure_fields(schema, item.types)
        for field_name, url in item.file_urls.items():
            value = item.doc.get(field_name)
            if isinstance(value, dict) and isinstance(value.get("name"), str):
                new_name = await self.files.move(field_name, value["name"], url)
                item.doc[field_name] = {"__type": "File", "name": new_name}
        if schema.class_name == "_User" and HASH_KEY not in item.doc and not item.doc.get("authData"):
            self.users_without_hash += 1
        store = self.state.writer.store
        try:
            if exists:
                changes = {key: value for key, value in item.doc.items() if key != "objectId"}
                await store.update(schema, {"objectId": item.object_id}, changes)
            else:
                await store.insert(schema, item.doc)
        except DuplicateValue as exc:
            if schema.class_name == "_Role":
                raise ParseError(DUPLICATE_VALUE, "a role of this name already exists here (roles are matched by "
                                                  "objectId; rename or delete one of them)") from exc
            raise duplicate_error(schema, exc) from exc
        return schema

    async def _ensure_fields(self, schema: ClassSchema, types: dict[str, dict[str, Any]]) -> ClassSchema:
        new: dict[str, dict[str, Any]] = {}
        for name, inferred in types.items():
            current = schema.fields.get(name)
            if current is None:
                new[name] = inferred
            elif not same_type(current, inferred):
                raise mismatch(schema.class_name, name, current, describe_type(inferred))
        if not new:
            return schema
        return await self.state.schemas.add_fields(schema.class_name, new)

    # --- relations ---------------------------------------------------------------------------
    async def import_relations(self, source: sources.SourceFile) -> None:
        assert source.relation_field is not None
        owning, field_name = source.class_name, source.relation_field
        label = f"{JOIN_PREFIX}{field_name}:{owning}"
        counts = self.report.counts(label)
        schema = await self.state.schemas.find_class(owning)
        if schema is None or schema.field_type(field_name) != "Relation":
            self.report.problem(label, source.path.name,
                                f"{owning}.{field_name} is not a Relation in the schema (give the schema)")
            return
        wanted: dict[str, list[str]] = {}
        try:
            for index, row in enumerate(source.rows()):
                counts.read += 1
                owning_id = row.get("owningId") if isinstance(row, dict) else None
                related_id = row.get("relatedId") if isinstance(row, dict) else None
                if not isinstance(owning_id, str) or not isinstance(related_id, str):
                    self.report.failed(label, f"row {index + 1}", "a relation row needs owningId and relatedId")
                    continue
                wanted.setdefault(owning_id, []).append(related_id)
        except sources.SourceError as exc:
            self.report.problem(label, source.path.name, str(exc))
        for owning_id, related in wanted.items():
            present = set(await self.state.storage.related_ids(owning, field_name, [owning_id]))
            new = [item for item in dict.fromkeys(related) if item not in present]
            counts.skipped += len(related) - len(new)
            if new:
                await self.state.writer.store.add_relations(owning, field_name, owning_id, new)
                counts.written += len(new)


def _row_label(row: Any, source: sources.SourceFile, index: int) -> str:
    if isinstance(row, dict):
        for key in ("objectId", "_id"):
            if isinstance(row.get(key), str):
                return str(row[key])
    return f"{source.path.name} row {index + 1}"


def _message(exc: Exception) -> str:
    if isinstance(exc, ParseError):
        return f"({exc.code}) {exc.message}"
    return f"not imported ({type(exc).__name__})"  # the type only: an exception's text may quote values


def schema_specs(given: ImportSources, dump_dir: Path | None) -> list[dict[str, Any]]:
    """Every class to declare: the dump's `_SCHEMA`, then the `/schemas` file (which wins)."""
    by_name: dict[str, dict[str, Any]] = {}
    if dump_dir is not None:
        for schema in sources.dump_schemas(dump_dir):
            by_name[schema.class_name] = schema.to_json()
    if given.schemas is not None:
        for spec in sources.schemas_file(given.schemas):
            by_name[spec["className"]] = spec
    return list(by_name.values())


async def run_import(ctx: RequestContext, given: ImportSources) -> ImportReport:
    report = ImportReport()
    try:
        dump_dir = sources.dump_directory(given.dump) if given.dump is not None else None
        specs = schema_specs(given, dump_dir)
    except (sources.SourceError, OSError) as exc:
        report.problem("-", "sources", str(exc))
        return report
    exported = [item for item in sources.export_files(given.export_paths)
                if given.schemas is None or item.path.resolve() != given.schemas.resolve()]
    files = [*(sources.dump_files(dump_dir) if dump_dir is not None else []), *exported]
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=None, sock_read=60)) as http:
        dumped = sources.DumpedFiles(dump_dir) if dump_dir is not None else None
        importer = Importer(ctx, FileMover(ctx, http, given.files_from, dumped), report)
        for spec in specs:
            await importer.apply_schema(spec)
        for source in files:
            if source.relation_field is None:
                await importer.import_objects(source)
        for source in files:
            if source.relation_field is not None:
                await importer.import_relations(source)
    if importer.users_without_hash:
        report.note(f"_User: {importer.users_without_hash} users came without a password hash (Dashboard's "
                    "export never holds it; a mongodump does): they must reset their password")
    if given.export_paths and not any(source.relation_field for source in files):
        report.note("a Dashboard JSON export holds no relation members: import them from a mongodump")
    if importer.files.fetched:
        report.note(f"files copied from the old server or the dump's GridFS: {importer.files.fetched}")
    return report
