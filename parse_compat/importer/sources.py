"""What Back4app and Parse Server users can download, as files of rows.

- Parse Dashboard's JSON export: one `<Class>.json` per class, an array of the SDK's
  `_toFullJSON()` objects (Dashboard's Browser "Export … as JSON"); the older hosted-Parse
  layout `{"results": [...]}` is read too, and `_Join:<field>:<Class>.json` files in it hold
  relation rows `{"owningId", "relatedId"}`.
- A `mongodump` directory of a Parse database: `<collection>.bson` (or `.bson.gz`) per class,
  `_Join:<field>:<Class>.bson` relation collections and `_SCHEMA.bson`, read with PyMongo's
  `bson` module (no MongoDB server). The directory given may be the dump's root holding one
  database directory. Files Parse Server kept in GridFS (its default files adapter: `fs.files` +
  `fs.chunks` in the same database) are read from the dump too (`DumpedFiles`).
- The answer of `GET /schemas` (`{"results": [...]}`) as a JSON file.

Nothing here interprets a row: `conversion.py` does.
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO, cast
from urllib.parse import unquote

import bson
from bson.errors import BSONError

from ..storage.base import ClassSchema
from ..storage.mongo.relations import JOIN_PREFIX
from ..storage.mongo.schema_store import SCHEMA_COLLECTION, document_to_schema

EXPORT = "export"
BSON = "bson"
# First in the import, so pointers and relation rows to them are there early (not required).
FIRST_CLASSES = ("_User", "_Role")


class SourceError(Exception):
    """A source file that cannot be read (past this point, its rows are lost)."""


@dataclass(frozen=True)
class SourceFile:
    """One class's rows (or one relation's rows when `relation_field` is set) in one file."""

    class_name: str
    path: Path
    kind: str  # EXPORT or BSON
    relation_field: str | None = None

    def rows(self) -> Iterator[Any]:
        if self.kind == BSON:
            yield from _bson_rows(self.path)
        else:
            yield from _export_rows(self.path)


def _collection_name(path: Path) -> str:
    name = path.name
    for suffix in (".bson.gz", ".bson", ".json"):
        if name.endswith(suffix):
            name = name[: -len(suffix)]
            break
    return unquote(name)  # mongodump escapes some characters of collection names


def _join_parts(name: str) -> tuple[str, str] | None:
    """`_Join:<field>:<Class>` → (Class, field)."""
    if not name.startswith(JOIN_PREFIX) or name.count(":") != 2:
        return None
    _, field_name, owning_class = name.split(":")
    return owning_class, field_name


def _source_file(path: Path, kind: str) -> SourceFile | None:
    name = _collection_name(path)
    if "." in name or name == SCHEMA_COLLECTION:  # system.*, GridFS's fs.files / fs.chunks: not classes
        return None
    join = _join_parts(name)
    if join is not None:
        return SourceFile(join[0], path, kind, relation_field=join[1])
    return SourceFile(name, path, kind)


def _ordered(files: list[SourceFile]) -> list[SourceFile]:
    def rank(item: SourceFile) -> tuple[int, int, str]:
        first = FIRST_CLASSES.index(item.class_name) if item.class_name in FIRST_CLASSES else len(FIRST_CLASSES)
        return (item.relation_field is not None, first, item.class_name)
    return sorted(files, key=rank)


# --- Dashboard JSON export ---------------------------------------------------------------

def export_files(paths: list[Path]) -> list[SourceFile]:
    """The `.json` files named (directories: every `.json` in them), objects before relations."""
    found: list[SourceFile] = []
    for path in paths:
        candidates = sorted(path.glob("*.json")) if path.is_dir() else [path]
        for candidate in candidates:
            source = _source_file(candidate, EXPORT)
            if source is not None:
                found.append(source)
    return _ordered(found)


def _export_rows(path: Path) -> Iterator[Any]:
    try:
        data = json.loads(path.read_bytes())
    except (OSError, ValueError) as exc:
        raise SourceError(f"{path.name}: not a readable JSON export ({type(exc).__name__})") from exc
    if isinstance(data, dict) and isinstance(data.get("results"), list):
        data = data["results"]
    if not isinstance(data, list):
        raise SourceError(f"{path.name}: a JSON export is an array of objects")
    yield from data


# --- mongodump ---------------------------------------------------------------------------

def _bson_paths(directory: Path) -> list[Path]:
    return sorted([*directory.glob("*.bson"), *directory.glob("*.bson.gz")])


def dump_directory(path: Path) -> Path:
    """The database directory of a dump: `path` itself, or its only subdirectory with `.bson` files."""
    if _bson_paths(path):
        return path
    databases = [child for child in sorted(path.iterdir()) if child.is_dir() and _bson_paths(child)]
    if len(databases) != 1:
        raise SourceError(f"{path}: expected .bson files, or one database directory holding them "
                          f"(found {len(databases)})")
    return databases[0]


def dump_files(directory: Path) -> list[SourceFile]:
    files = [_source_file(path, BSON) for path in _bson_paths(directory)]
    return _ordered([item for item in files if item is not None])


def dump_schemas(directory: Path) -> list[ClassSchema]:
    """The classes `_SCHEMA` describes (none when the dump has no `_SCHEMA`)."""
    schemas: list[ClassSchema] = []
    for path in _bson_paths(directory):
        if _collection_name(path) == SCHEMA_COLLECTION:
            schemas.extend(document_to_schema(doc) for doc in _bson_rows(path) if isinstance(doc.get("_id"), str))
    return schemas


def _bson_rows(path: Path) -> Iterator[dict[str, Any]]:
    try:
        with (gzip.open(path, "rb") if path.name.endswith(".gz") else path.open("rb")) as stream:
            yield from bson.decode_file_iter(cast(BinaryIO, stream))
    except (OSError, BSONError) as exc:
        raise SourceError(f"{path.name}: unreadable BSON ({type(exc).__name__}); rows after it are lost") from exc


class DumpedFiles:
    """The GridFS bucket `fs` of a dump: file name → its bytes, chunk by chunk.

    `fs.files` is read at once (one small document per file); `fs.chunks` is scanned once, on the
    first read, for each chunk's offset in the `.bson` file, so memory holds one chunk at a time.
    """

    def __init__(self, directory: Path, bucket: str = "fs") -> None:
        self._chunks_path = directory / f"{bucket}.chunks.bson"
        self._ids: dict[str, Any] = {}
        files_path = directory / f"{bucket}.files.bson"
        if files_path.exists() and self._chunks_path.exists():
            for doc in sorted(_bson_rows(files_path), key=lambda item: str(item.get("uploadDate") or "")):
                if isinstance(doc.get("filename"), str):
                    self._ids[doc["filename"]] = doc.get("_id")  # the newest upload of a name wins
        self._offsets: dict[Any, list[tuple[int, int, int]]] | None = None

    def __contains__(self, name: str) -> bool:
        return name in self._ids

    def _index(self) -> dict[Any, list[tuple[int, int, int]]]:
        if self._offsets is None:
            offsets: dict[Any, list[tuple[int, int, int]]] = {}
            with self._chunks_path.open("rb") as stream:
                while len(header := stream.read(4)) == 4:
                    size = int.from_bytes(header, "little")
                    start = stream.tell() - 4
                    doc = bson.decode(header + stream.read(size - 4))
                    offsets.setdefault(doc.get("files_id"), []).append((int(doc.get("n", 0)), start, size))
            self._offsets = offsets
        return self._offsets

    def read(self, name: str) -> Iterator[bytes]:
        """The file's bytes in chunk order."""
        chunks = sorted(self._index().get(self._ids[name], []))
        with self._chunks_path.open("rb") as stream:
            for _, start, size in chunks:
                stream.seek(start)
                yield bytes(bson.decode(stream.read(size))["data"])


# --- GET /schemas --------------------------------------------------------------------------

def schemas_file(path: Path) -> list[dict[str, Any]]:
    """The classes of a saved `GET /schemas` answer (or of a bare array of classes)."""
    try:
        data = json.loads(path.read_bytes())
    except (OSError, ValueError) as exc:
        raise SourceError(f"{path.name}: not a readable /schemas answer ({type(exc).__name__})") from exc
    if isinstance(data, dict) and isinstance(data.get("results"), list):
        data = data["results"]
    if not isinstance(data, list):
        raise SourceError(f"{path.name}: expected GET /schemas' answer, {{\"results\": [...]}}")
    return [item for item in data if isinstance(item, dict) and isinstance(item.get("className"), str)]
