"""The file store: what every upload and download goes through, whatever the adapter.

Streams bytes in (size limit, SHA-256 of the content, AES-GCM sealing when `fileKey` is set)
and out (a byte range of the content, opening only the sealed chunks that cover it). Memory
use is a few chunks, whatever the file size.
"""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterable, AsyncIterator
from typing import Any

from ..errors import FILE_SAVE_ERROR, ParseError
from . import encryption
from .adapter import FilesAdapter, StoredFile


class _Default:
    """Marks "the store's own fileKey" where None means "no key"."""


DEFAULT_KEY = _Default()


class TooLarge(Exception):
    """The content passed the size limit; the caller words the error (Parse has two)."""


class FileStore:
    def __init__(self, adapter: FilesAdapter, file_key: str | None = None,
                 chunk_size: int = encryption.DEFAULT_CHUNK) -> None:
        self.adapter = adapter
        self.file_key = file_key or None
        self.chunk_size = chunk_size

    async def save(self, name: str, content_type: str, source: AsyncIterable[bytes], *, limit: int | None = None,
                   metadata: dict[str, Any] | None = None, tags: dict[str, Any] | None = None,
                   file_key: str | None | _Default = DEFAULT_KEY, owner: str | None = None) -> StoredFile:
        """Store `source` under `name`; 130 for empty content, `TooLarge` past `limit` bytes.

        `file_key` overrides the store's key (used by key rotation; None = store plain); `owner`
        records the uploader ("user:<objectId>")."""
        key = self.file_key if isinstance(file_key, _Default) else file_key
        sealer = encryption.Sealer(key, self.chunk_size) if isinstance(key, str) else None
        digest = hashlib.sha256()
        size = 0
        writer = await self.adapter.open_writer(name)
        try:
            if sealer is not None:
                await writer.write(sealer.header)
            async for piece in source:
                if not piece:
                    continue
                size += len(piece)
                if limit is not None and size > limit:
                    raise TooLarge()
                digest.update(piece)
                await writer.write(sealer.feed(piece) if sealer is not None else piece)
            if size == 0:
                raise ParseError(FILE_SAVE_ERROR, "Invalid file upload.")
            if sealer is not None:
                await writer.write(sealer.finish())
            record = StoredFile(name, 0, content_type, size, digest.hexdigest(), sealer is not None,
                                metadata or {}, tags or {}, owner=owner)
            await writer.commit(record)
        except BaseException:
            await writer.abort()
            raise
        return record

    async def stat(self, name: str) -> StoredFile | None:
        return await self.adapter.stat(name)

    async def delete(self, name: str) -> bool:
        return await self.adapter.delete(name)

    async def opener(self, stored: StoredFile,
                     file_key: str | None | _Default = DEFAULT_KEY) -> encryption.Opener | None:
        """Checks the key against an encrypted file's header (before any byte is sent)."""
        if not stored.encrypted:
            return None
        key = self.file_key if isinstance(file_key, _Default) else file_key
        if not key:
            raise encryption.DecryptionError("the file is encrypted and no fileKey is set")
        raw = b"".join([piece async for piece in self.adapter.read(stored, 0, encryption.HEADER_SIZE)])
        return encryption.Opener(key, encryption.Header.parse(raw), stored.plain_size)

    async def read(self, stored: StoredFile, start: int, end: int,
                   opener: encryption.Opener | None = None) -> AsyncIterator[bytes]:
        """The file's own bytes [start, end)."""
        if end <= start:
            return
        if not stored.encrypted:
            async for piece in self.adapter.read(stored, start, end):
                yield piece
            return
        if opener is None:
            opener = await self.opener(stored)
            assert opener is not None
        chunk = opener.header.chunk_size
        span = encryption.span(stored.plain_size, chunk, start, end)
        buffer = bytearray()
        index = span.first
        async for piece in self.adapter.read(stored, span.stored_start, span.stored_end):
            buffer += piece
            while index <= span.last:
                sealed = min(chunk, stored.plain_size - index * chunk) + encryption.TAG_SIZE
                if len(buffer) < sealed:
                    break
                plain = opener.open_chunk(index, bytes(buffer[:sealed]))
                del buffer[:sealed]
                base = index * chunk
                lo, hi = max(start - base, 0), min(end - base, len(plain))
                if hi > lo:
                    yield plain[lo:hi]
                index += 1
        if index <= span.last:
            raise encryption.DecryptionError("the stored file is truncated")
