"""The files storage boundary: what a files adapter stores and how the store talks to it.

An adapter keeps opaque bytes under a name plus a small record (`StoredFile`); encryption,
checksums and policy live above it (`store.py`). Adapters: `local.LocalFilesAdapter` (a
directory) and `gridfs.GridFSAdapter` (MongoDB, Parse Server's `fs.files` / `fs.chunks`).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol


@dataclass
class StoredFile:
    """One stored file. `length` counts stored bytes; `size` the file's own (plaintext) bytes."""

    name: str
    length: int
    content_type: str | None = None
    size: int | None = None
    sha256: str | None = None
    encrypted: bool = False
    metadata: dict[str, Any] = field(default_factory=dict)
    tags: dict[str, Any] = field(default_factory=dict)
    created_at: datetime | None = None
    # Adapter's own handle on this version (a GridFS _id); never leaves the adapter.
    ref: Any = None
    # Who uploaded it ("user:<objectId>"), recorded by the server, never taken from a client's
    # metadata: the uploader may attach the file by name (references.py). None when unknown.
    owner: str | None = None

    @property
    def plain_size(self) -> int:
        return self.size if self.size is not None else self.length


class FileWriter(Protocol):
    """Bytes of one new file, made visible under its name only by `commit`."""

    async def write(self, data: bytes) -> None: ...

    async def commit(self, record: StoredFile) -> None:
        """Publish the file (replacing any file of that name); `record.length` is filled in."""
        ...

    async def abort(self) -> None:
        """Drop everything written; the name keeps whatever it had before."""
        ...


class FilesAdapter(Protocol):
    async def open_writer(self, name: str) -> FileWriter: ...

    async def stat(self, name: str) -> StoredFile | None: ...

    def read(self, stored: StoredFile, start: int, end: int) -> AsyncIterator[bytes]:
        """Stored bytes [start, end) of that version, in pieces."""
        ...

    async def delete(self, name: str) -> bool:
        """True when something was deleted."""
        ...

    def names(self) -> AsyncIterator[str]: ...

    async def close(self) -> None: ...
