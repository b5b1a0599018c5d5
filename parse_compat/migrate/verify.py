"""Both ends compared: per class (and per relation, and the file store) the row count and the
checksum of `digest.py`, read independently from each store; the report a migration prints.

A line per class: `class  source  target  checksum  result`, where result is `ok`, `MISMATCH`
(counts or checksums differ) or `skipped` (left out on purpose, e.g. `--skipSessions`). The
checksum column shows the first 16 hex digits of the source's SHA-256 (and the target's when
they differ). No value of a row is ever printed.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Protocol

import orjson

from ..files.adapter import FilesAdapter
from ..storage.base import ClassSchema, Document, StorageAdapter
from .digest import Digest
from .pages import class_pages, join_label, page_relations, relation_fields

FILES_LABEL = "(files)"
SCHEMAS_LABEL = "(schemas)"


@dataclass
class Check:
    label: str
    source: Digest
    target: Digest | None = None  # None: not compared (skipped)
    note: str = ""

    @property
    def ok(self) -> bool:
        return self.target is None or (self.source.count == self.target.count
                                       and self.source.checksum == self.target.checksum)


@dataclass
class Report:
    checks: list[Check] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def mismatches(self) -> list[Check]:
        return [check for check in self.checks if not check.ok]

    def render(self) -> str:
        width = max([len("class")] + [len(check.label) for check in self.checks])
        lines = [f"{'class':<{width}}  {'source':>9} {'target':>9}  {'checksum':<16}  result"]
        for check in self.checks:
            target = "-" if check.target is None else str(check.target.count)
            checksum = check.source.checksum[:16]
            if check.target is None:
                result = "skipped" + (f" ({check.note})" if check.note else "")
            elif check.ok:
                result = "ok"
            else:
                result = f"MISMATCH (target checksum {check.target.checksum[:16]})"
            lines.append(f"{check.label:<{width}}  {check.source.count:>9} {target:>9}  {checksum:<16}  {result}")
        lines.extend(f"note: {sentence}" for sentence in self.notes)
        bad = len(self.mismatches)
        lines.append(f"verification: {'FAILED, ' + str(bad) + ' mismatched' if bad else 'every class matches'}")
        return "\n".join(lines)


@dataclass
class ClassDigests:
    rows: Digest = field(default_factory=Digest)
    relations: dict[str, Digest] = field(default_factory=dict)  # join label → digest


def class_digests(schema: ClassSchema) -> ClassDigests:
    return ClassDigests(relations={join_label(schema, name): Digest() for name in relation_fields(schema)})


class PageSink(Protocol):
    """Where a copy sends what it reads (the migration's writer); `digest_class` alone only reads."""

    async def rows(self, schema: ClassSchema, page: list[Document]) -> None: ...

    async def relations(self, schema: ClassSchema, field_name: str, owning_id: str, related: list[str]) -> None: ...


async def digest_class(storage: StorageAdapter, schema: ClassSchema, page_size: int,
                       sink: PageSink | None = None) -> ClassDigests:
    """Read a whole class (rows and relation rows) from one store into its digests, handing each
    page and each object's relation rows to `sink` on the way when one is given."""
    out = class_digests(schema)
    async for page in class_pages(storage, schema, page_size):
        for doc in page:
            out.rows.add_row(doc)
        if sink is not None:
            await sink.rows(schema, page)
        for name in relation_fields(schema):
            for owning_id, related in await page_relations(storage, schema, name, page):
                out.relations[join_label(schema, name)].add_relations(owning_id, related)
                if sink is not None:
                    await sink.relations(schema, name, owning_id, related)
    return out


def add_checks(report: Report, schema: ClassSchema, source: ClassDigests, target: ClassDigests | None,
               note: str = "") -> None:
    report.checks.append(Check(schema.class_name, source.rows, None if target is None else target.rows, note))
    for label, digest in source.relations.items():
        report.checks.append(Check(label, digest, None if target is None else target.relations[label], note))


async def file_entry(files: FilesAdapter, name: str) -> bytes | None:
    """One stored file as the files digest counts it: name, stored length, SHA-256 of the stored
    bytes (sealed bytes when encrypted: the copy is byte for byte) and the record's own fields."""
    record = await files.stat(name)
    if record is None:
        return None
    hashed = hashlib.sha256()
    async for piece in files.read(record, 0, record.length):
        hashed.update(piece)
    return orjson.dumps([name, record.length, hashed.hexdigest(), record.size, record.sha256, record.encrypted,
                         record.content_type, record.owner, record.metadata, record.tags],
                        option=orjson.OPT_SORT_KEYS)


async def digest_files(files: FilesAdapter) -> Digest:
    out = Digest()
    for name in sorted([name async for name in files.names()]):
        entry = await file_entry(files, name)
        if entry is not None:
            out.add(entry)
    return out


def schema_check(source: list[ClassSchema], target: dict[str, ClassSchema]) -> Check:
    """Every source class's schema (fields, CLPs, indexes) against the target's of that name."""
    mine, theirs = Digest(), Digest()
    for schema in sorted(source, key=lambda s: s.class_name):
        mine.add_row(schema.to_json())
        if schema.class_name in target:
            theirs.add_row(target[schema.class_name].to_json())
    return Check(SCHEMAS_LABEL, mine, theirs)
