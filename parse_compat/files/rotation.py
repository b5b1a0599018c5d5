"""Re-encrypting every stored file under a new `fileKey` (or to plain, or from plain).

Each file is read through the old key (its GCM tags and stored SHA-256 checked on the way) and
written again under the new one, replacing it only once complete; a file whose header already
names the new key is skipped, so an interrupted rotation can simply be run again. Run it with
the server stopped, then start the server with the new `--fileKey`.
"""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

from . import encryption
from .adapter import FilesAdapter, StoredFile
from .store import FileStore


@dataclass
class RotationReport:
    rotated: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)


class ChecksumMismatch(Exception):
    pass


async def _checked(source: AsyncIterator[bytes], expected: str | None) -> AsyncIterator[bytes]:
    digest = hashlib.sha256()
    async for piece in source:
        digest.update(piece)
        yield piece
    if expected and digest.hexdigest() != expected:
        raise ChecksumMismatch(f"SHA-256 is {digest.hexdigest()}, stored {expected}")


async def _already_current(store: FileStore, record: StoredFile, new: str | None) -> bool:
    if not record.encrypted:
        return new is None
    if new is None:
        return False
    raw = b"".join([piece async for piece in store.adapter.read(record, 0, encryption.HEADER_SIZE)])
    return encryption.Header.parse(raw).key_id == encryption.key_id(new)


async def rotate_keys(adapter: FilesAdapter, old: str | None, new: str | None) -> RotationReport:
    store = FileStore(adapter, new)
    report = RotationReport()
    names = [name async for name in adapter.names()]
    for name in names:
        record = await adapter.stat(name)
        if record is None:
            continue
        try:
            if await _already_current(store, record, new):
                report.skipped.append(name)
                continue
            opener = await store.opener(record, file_key=old)
            source = _checked(store.read(record, 0, record.plain_size, opener), record.sha256)
            await store.save(name, record.content_type or "", source, metadata=record.metadata, tags=record.tags,
                             file_key=new, owner=record.owner)
            report.rotated.append(name)
        except (encryption.DecryptionError, ChecksumMismatch, OSError, ValueError) as exc:
            report.failed[name] = str(exc)
    return report
