"""The copy: schemas, then every class's rows and relation rows, then the stored files.

Every write goes through the store step's `StorageWrites` (`rest/write/store.py`, the one place
writes reach storage) and the schema registry, never to the adapter: rows in pages with
`insert_many` (one call, one transaction where the store has them, per page), relation rows
with `add_relations` per owning object. Rows are copied as stored: objectIds, dates, ACL lists,
password hashes, tokens and `_Audit` entries unchanged, so the audit chain still verifies on the
target and users log in with their passwords. `_Session` rows are copied too (people stay logged
in; their expiry stays as it was) unless `skip_sessions`. Files are copied byte for byte between
file stores (sealed files stay sealed: the target needs the same `fileKey`), keeping their names,
so the File values in rows stay valid.

Classes are those of the source's `_SCHEMA`, plus the system classes that hold rows without a
`_SCHEMA` entry (a database Parse Server wrote keeps `_GlobalConfig`, `_Hooks`, `_JobStatus`…
outside it); rows Parse's PostgreSQL layout keeps without an objectId get a stable one
(`pages.with_object_ids`).

The target must be empty (no class with rows, no stored file when the file store differs), or
`overwrite` given: then every class the target has is dropped first, and files of the same name
are replaced (others are kept); or `resume`, to continue a run that was cut off: rows and relation
rows already in the target (by objectId) and files already there (by name) are kept, the rest is
copied, and the comparison at the end shows any kept row that differs from the source.
"""

from __future__ import annotations

import dataclasses
import time
from dataclasses import dataclass

from ..files.adapter import FilesAdapter
from ..rest.write.store import StorageWrites
from ..schema.model import SYSTEM_CLASSES, default_fields_for
from ..schema.registry import SchemaRegistry
from ..storage.base import ClassSchema, Document, FindOptions, StorageAdapter
from .stores import Endpoint
from .verify import FILES_LABEL, Check, Report, add_checks, digest_class, digest_files, schema_check

SESSION_CLASS = "_Session"


@dataclass
class MigrationOptions:
    page_size: int = 500
    overwrite: bool = False
    skip_sessions: bool = False
    verify_only: bool = False
    resume: bool = False  # keep what the target holds (by objectId), copy the rest


class TargetNotEmpty(Exception):
    """The target holds data and `overwrite` was not given; the message says what it holds."""


async def stored_classes(storage: StorageAdapter) -> list[ClassSchema]:
    """Every class of `_SCHEMA`, and the system classes that hold rows without being listed
    there (Parse Server keeps no `_SCHEMA` row for `_GlobalConfig`, `_Hooks`, `_JobStatus`…)."""
    schemas = {schema.class_name: schema for schema in await storage.load_schemas()}
    for name in sorted(SYSTEM_CLASSES - schemas.keys()):
        unlisted = ClassSchema(name, default_fields_for(name))
        if await storage.count(unlisted, {}) > 0:
            schemas[name] = unlisted
    return sorted(schemas.values(), key=lambda s: s.class_name)


async def classes_with_rows(storage: StorageAdapter) -> list[str]:
    return [schema.class_name for schema in await stored_classes(storage) if await storage.count(schema, {}) > 0]


async def has_files(files: FilesAdapter) -> bool:
    async for _ in files.names():
        return True
    return False


async def copy_file(source: FilesAdapter, target: FilesAdapter, name: str) -> bool:
    record = await source.stat(name)
    if record is None:
        return False
    writer = await target.open_writer(name)
    try:
        async for piece in source.read(record, 0, record.length):
            await writer.write(piece)
    except BaseException:
        await writer.abort()
        raise
    await writer.commit(dataclasses.replace(record, ref=None))
    return True


class Migration:
    """One run from `source` to `target`; `run` returns the verification report."""

    def __init__(self, source: Endpoint, target: Endpoint, options: MigrationOptions) -> None:
        self.source = source
        self.target = target
        self.options = options
        self.writes = StorageWrites(target.storage)
        self.rows_copied = 0
        self.rows_kept = 0  # already in the target (--resume)
        self.files_copied = 0
        self.seconds = 0.0  # reading the source and writing the target
        self.verify_seconds = 0.0  # reading the target back

    @property
    def same_file_store(self) -> bool:
        return self.source.files_id == self.target.files_id

    # --- PageSink: what the source read hands over ------------------------------------------
    async def rows(self, schema: ClassSchema, page: list[Document]) -> None:
        if self.options.resume:
            ids = [doc["objectId"] for doc in page]
            found = await self.target.storage.find(schema, {"objectId": {"$in": ids}},
                                                   FindOptions(limit=len(ids), keys={"objectId"}))
            here = {doc["objectId"] for doc in found}
            page = [doc for doc in page if doc["objectId"] not in here]
            self.rows_kept += len(here)
        if page:
            await self.writes.insert_many(schema, page)
        self.rows_copied += len(page)

    async def relations(self, schema: ClassSchema, field_name: str, owning_id: str, related: list[str]) -> None:
        if self.options.resume:
            here = set(await self.target.storage.related_ids(schema.class_name, field_name, [owning_id]))
            related = [related_id for related_id in related if related_id not in here]
        if related:
            await self.writes.add_relations(schema.class_name, field_name, owning_id, related)

    # --- the run -----------------------------------------------------------------------------
    async def check_target(self) -> None:
        held = await classes_with_rows(self.target.storage)
        if not self.same_file_store and self.target.files is not None and await has_files(self.target.files):
            held.append("stored files")
        if held and not (self.options.overwrite or self.options.resume):
            raise TargetNotEmpty(f"the target is not empty ({', '.join(held[:10])}"
                                 f"{', …' if len(held) > 10 else ''}); give --overwriteTarget to replace it "
                                 "(or --resume to continue a copy that was cut off)")
        if self.options.overwrite:
            for schema in await stored_classes(self.target.storage):
                await self.writes.delete_class(schema.class_name)

    async def run(self) -> Report:
        schemas = await stored_classes(self.source.storage)
        if not self.options.verify_only:
            await self.check_target()
            for schema in schemas:
                await self.writes.save_schema(schema)
            # the unique indexes (username, email, role name, session token) and boot classes
            await SchemaRegistry(self.target.storage, self.writes).load()
        report = Report()
        target_schemas = {schema.class_name: schema for schema in await self.target.storage.load_schemas()}
        report.checks.append(schema_check(schemas, target_schemas))
        started = time.monotonic()
        size = self.options.page_size
        for schema in schemas:
            sink = None if self.options.verify_only else self
            if self.options.skip_sessions and schema.class_name == SESSION_CLASS:
                add_checks(report, schema, await digest_class(self.source.storage, schema, size), None,
                           "--skipSessions")
                continue
            source = await digest_class(self.source.storage, schema, size, sink)
            checked = time.monotonic()
            add_checks(report, schema, source, await digest_class(self.target.storage, schema, size))
            self.verify_seconds += time.monotonic() - checked
        self.seconds = time.monotonic() - started - self.verify_seconds
        await self._files(report)
        return report

    async def _files(self, report: Report) -> None:
        source, target = self.source.files, self.target.files
        if source is None or target is None:
            return
        if self.same_file_store:
            report.notes.append(f"files: source and target use the same file store ({self.source.files_id}), "
                                "nothing to copy")
            return
        if not self.options.verify_only:
            for name in sorted([name async for name in source.names()]):
                if self.options.resume and await target.stat(name) is not None:
                    continue
                self.files_copied += await copy_file(source, target, name)
        report.checks.append(Check(FILES_LABEL, await digest_files(source), await digest_files(target)))
