"""Files in a local directory (the default beside the SQLite database): `<root>/<disk name>`, with
the record in `<root>/.meta/<disk name>.json`.

The disk name is the stored name URL-encoded as Parse Server's own `FileSystemAdapter` writes it
(`encodeURIComponent`: a space becomes `%20`, `@` becomes `%40`), so a files directory Parse
Server wrote is served as it is and Parse Server reads what is written here. Files an older
parse-compat wrote under the raw name are still found (and replaced by the encoded name when
written again).

Stored names never start with a dot (see `names.NAME_RE`), so `.meta` and `.tmp` cannot clash
with a file. A file is written to `.tmp/` and moved into place by `commit`. Blocking file I/O
runs in a worker thread, one piece at a time.
"""

from __future__ import annotations

import asyncio
import json
import os
import secrets
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, BinaryIO
from urllib.parse import quote, unquote

from .adapter import StoredFile
from .names import check_stored_name

READ_SIZE = 256 * 1024


def disk_name(name: str) -> str:
    """The stored name on disk: Parse's FileSystemAdapter's `encodeURIComponent(name)` (for the
    characters a stored name may hold, Python's `quote` with nothing safe gives the same)."""
    return quote(name, safe="")


def _record_json(record: StoredFile) -> dict[str, Any]:
    return {"contentType": record.content_type, "length": record.length, "size": record.size,
            "sha256": record.sha256, "encrypted": record.encrypted, "metadata": record.metadata,
            "tags": record.tags, "createdAt": (record.created_at or datetime.now(UTC)).isoformat(),
            "owner": record.owner}


class LocalWriter:
    def __init__(self, adapter: LocalFilesAdapter, name: str, handle: BinaryIO, temp: Path) -> None:
        self._adapter = adapter
        self._name = name
        self._handle = handle
        self._temp = temp
        self._length = 0

    async def write(self, data: bytes) -> None:
        if data:
            await asyncio.to_thread(self._handle.write, data)
            self._length += len(data)

    async def commit(self, record: StoredFile) -> None:
        record.length = self._length
        record.created_at = record.created_at or datetime.now(UTC)
        meta = json.dumps(_record_json(record))
        await asyncio.to_thread(self._publish, meta)

    def _publish(self, meta: str) -> None:
        self._handle.flush()
        os.fsync(self._handle.fileno())
        self._handle.close()
        meta_temp = self._temp.with_suffix(".json")
        meta_temp.write_text(meta, encoding="utf-8")
        os.replace(self._temp, self._adapter.path(self._name))
        os.replace(meta_temp, self._adapter.meta_path(self._name))
        self._adapter.drop_legacy(self._name)  # an older copy under the raw name would shadow nothing now

    async def abort(self) -> None:
        def drop() -> None:
            self._handle.close()
            self._temp.unlink(missing_ok=True)

        await asyncio.to_thread(drop)


class LocalFilesAdapter:
    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)

    def path(self, name: str) -> Path:
        check_stored_name(name)  # one path component (encoding adds no `/` or dot): stays under root
        return self.root / disk_name(name)

    def meta_path(self, name: str) -> Path:
        check_stored_name(name)
        return self.root / ".meta" / f"{disk_name(name)}.json"

    def _legacy_paths(self, name: str) -> tuple[Path, Path] | None:
        """Where parse-compat before the encoded layout kept a file whose name needs encoding."""
        check_stored_name(name)
        if disk_name(name) == name:
            return None
        return self.root / name, self.root / ".meta" / f"{name}.json"

    def drop_legacy(self, name: str) -> None:
        legacy = self._legacy_paths(name)
        if legacy is not None:
            for path in legacy:
                path.unlink(missing_ok=True)

    async def open_writer(self, name: str) -> LocalWriter:
        self.path(name)

        def start() -> tuple[BinaryIO, Path]:
            for sub in (".meta", ".tmp"):
                (self.root / sub).mkdir(parents=True, exist_ok=True, mode=0o700)
            temp = self.root / ".tmp" / secrets.token_hex(16)
            return open(temp, "xb"), temp  # noqa: SIM115 - closed by commit/abort

        handle, temp = await asyncio.to_thread(start)
        return LocalWriter(self, name, handle, temp)

    async def stat(self, name: str) -> StoredFile | None:
        data_path, meta_path = self.path(name), self.meta_path(name)

        legacy = self._legacy_paths(name)

        def load() -> StoredFile | None:
            found, meta_file = data_path, meta_path
            if not found.exists() and legacy is not None:
                found, meta_file = legacy
            try:
                length = found.stat().st_size
            except FileNotFoundError:
                return None
            try:
                meta = json.loads(meta_file.read_text(encoding="utf-8"))
            except (FileNotFoundError, ValueError):
                meta = {}  # a file dropped in by hand: plain bytes, type from its extension
            created = meta.get("createdAt")
            owner = meta.get("owner")
            return StoredFile(name, length, meta.get("contentType"), meta.get("size", length), meta.get("sha256"),
                              bool(meta.get("encrypted")), meta.get("metadata") or {}, meta.get("tags") or {},
                              datetime.fromisoformat(created) if created else None, ref=found,
                              owner=owner if isinstance(owner, str) else None)

        return await asyncio.to_thread(load)

    async def read(self, stored: StoredFile, start: int, end: int) -> AsyncIterator[bytes]:
        path = stored.ref if isinstance(stored.ref, Path) else self.path(stored.name)
        handle = await asyncio.to_thread(open, path, "rb")
        try:
            await asyncio.to_thread(handle.seek, start)
            remaining = end - start
            while remaining > 0:
                piece = await asyncio.to_thread(handle.read, min(READ_SIZE, remaining))
                if not piece:
                    break
                remaining -= len(piece)
                yield piece
        finally:
            handle.close()

    async def delete(self, name: str) -> bool:
        paths = [(self.path(name), self.meta_path(name))]
        legacy = self._legacy_paths(name)
        if legacy is not None:
            paths.append(legacy)

        def drop() -> bool:
            existed = False
            for data_path, meta_path in paths:
                existed = existed or data_path.exists()
                data_path.unlink(missing_ok=True)
                meta_path.unlink(missing_ok=True)
            return existed

        return await asyncio.to_thread(drop)

    async def names(self) -> AsyncIterator[str]:
        if not self.root.is_dir():
            return
        def listing() -> list[str]:
            return sorted({unquote(path.name) for path in self.root.iterdir()
                           if path.is_file() and not path.name.startswith(".")})

        entries = await asyncio.to_thread(listing)
        for name in entries:
            yield name

    async def close(self) -> None:
        return None
