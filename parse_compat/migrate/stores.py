"""The two ends of a migration: a database (any `databaseURI` the server takes, or a bare SQLite
file path) and its file store (a `filesAdapter` value; by default the one the server would use
beside that database: GridFS in a MongoDB database, `<dataDir>/files` otherwise)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from ..files.adapter import FilesAdapter
from ..files.setup import adapter_for
from ..storage.base import StorageAdapter
from ..storage.loader import open_storage

MONGO_SCHEMES = ("mongodb://", "mongodb+srv://", "mongomock://")


def database_uri(given: str) -> str:
    """`sqlite:///…`, `postgres://…`, `mongodb://…` as they are; a bare path is a SQLite file."""
    return given if "://" in given else f"sqlite:///{given}"


def without_credentials(uri: str) -> str:
    """The URI as the report may print it: no user or password."""
    parts = urlsplit(uri)
    if "@" not in parts.netloc:
        return uri
    return urlunsplit((parts.scheme, parts.netloc.rsplit("@", 1)[1], parts.path, parts.query, parts.fragment))


def files_identity(spec: str, uri: str, data_dir: Path) -> str:
    """What tells two file stores apart: the directory, or the MongoDB database holding GridFS
    (printed in the report, so without credentials)."""
    kind, _, arg = spec.strip().partition(":")
    if not spec.strip():
        kind = "gridfs" if uri.startswith(MONGO_SCHEMES) else "local"
    if kind == "local":
        return "local:" + str(Path(arg or data_dir / "files").resolve())
    return "gridfs:" + without_credentials(arg or uri)


@dataclass
class Endpoint:
    uri: str
    storage: StorageAdapter
    files_spec: str
    files_id: str
    files: FilesAdapter | None = None

    @classmethod
    def of(cls, given: str, files_spec: str | None, data_dir: Path) -> Endpoint:
        uri = database_uri(given)
        spec = files_spec or ""
        # maxTimeMS 0: a migration reads and writes whole pages, with no per-query budget
        return cls(uri, open_storage(uri, {"maxTimeMS": 0}), spec, files_identity(spec, uri, data_dir))

    async def open(self, data_dir: Path, with_files: bool) -> None:
        await self.storage.connect()
        if with_files:
            self.files = adapter_for(self.files_spec, self.uri, data_dir, self.storage)

    async def close(self) -> None:
        if self.files is not None:
            await self.files.close()
        await self.storage.close()
