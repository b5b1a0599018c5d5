"""Files in MongoDB GridFS, in the layout Parse Server's GridFSBucketAdapter writes, so files
an existing Parse Server stored are found and ours are readable by any GridFS client.

Bucket `fs`: `fs.files` {_id: ObjectId, filename, length, chunkSize, uploadDate, metadata} and
`fs.chunks` {files_id, n, data}; the newest `uploadDate` of a name wins (GridFS revision -1).
Our extra fields on `fs.files` (`contentType`, `parseCompat`: size, sha256, encryption, tags, owner)
are ignored by other GridFS readers. Written with plain collection calls rather than
`gridfs.AsyncGridFSBucket`, which only accepts PyMongo's own database class: this way one
adapter serves `mongodb://` and the test-only `mongomock://` database of the Mongo adapter.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

from bson import ObjectId
from pymongo.errors import OperationFailure

from . import parse_sealing
from .adapter import StoredFile
from .encryption import DecryptionError

CHUNK_SIZE = 255 * 1024  # GridFS's default, as Parse Server's driver writes it


class GridFSWriter:
    def __init__(self, adapter: GridFSAdapter, name: str) -> None:
        self._adapter = adapter
        self._name = name
        self._id = ObjectId()
        self._pending = bytearray()
        self._n = 0
        self._length = 0
        self._sealed = bytearray() if adapter.encryption_key is not None else None  # Parse's format: whole file

    async def _flush_chunk(self, data: bytes) -> None:
        await self._adapter.chunks.insert_one({"files_id": self._id, "n": self._n, "data": data})
        self._n += 1

    async def write(self, data: bytes) -> None:
        if self._sealed is not None:
            self._sealed += data
            return
        self._pending += data
        self._length += len(data)
        while len(self._pending) >= CHUNK_SIZE:
            await self._flush_chunk(bytes(self._pending[:CHUNK_SIZE]))
            del self._pending[:CHUNK_SIZE]

    async def commit(self, record: StoredFile) -> None:
        if self._sealed is not None and self._adapter.encryption_key is not None:
            sealed = parse_sealing.seal(self._adapter.encryption_key, bytes(self._sealed))
            self._sealed = None
            await self.write(sealed)
        if self._pending:
            await self._flush_chunk(bytes(self._pending))
            self._pending.clear()
        record.length = self._length
        record.created_at = record.created_at or datetime.now(UTC)
        await self._adapter.ensure_indexes()
        previous = [doc["_id"] async for doc in self._adapter.files.find({"filename": self._name}, {"_id": 1})]
        # The files document goes in after its chunks (GridFS's rule), then older versions go.
        await self._adapter.files.insert_one({
            "_id": self._id, "filename": self._name, "length": self._length, "chunkSize": CHUNK_SIZE,
            "uploadDate": record.created_at, "metadata": record.metadata, "contentType": record.content_type,
            "parseCompat": {"size": record.size, "sha256": record.sha256, "encrypted": record.encrypted,
                            "tags": record.tags, "owner": record.owner,
                            "parseEncrypted": self._adapter.encryption_key is not None},
        })
        for old in previous:
            await self._adapter.remove(old)

    async def abort(self) -> None:
        await self._adapter.chunks.delete_many({"files_id": self._id})


class GridFSAdapter:
    def __init__(self, database: Any, bucket: str = "fs", client: Any = None,
                 encryption_key: str | None = None) -> None:
        self.encryption_key = encryption_key  # Parse's encryptionKey (parse_sealing.py)
        self.files = database[f"{bucket}.files"]
        self.chunks = database[f"{bucket}.chunks"]
        self._client = client  # only when this adapter opened its own connection
        self._indexed = False

    async def ensure_indexes(self) -> None:
        if not self._indexed:
            for collection, keys, unique in ((self.files, [("filename", 1), ("uploadDate", 1)], False),
                                             (self.chunks, [("files_id", 1), ("n", 1)], True)):
                try:
                    await collection.create_index(keys, unique=unique)
                except OperationFailure:
                    pass  # a GridFS driver (Parse Server's) made it already, with its own options
            self._indexed = True

    async def open_writer(self, name: str) -> GridFSWriter:
        return GridFSWriter(self, name)

    async def stat(self, name: str) -> StoredFile | None:
        doc = await self.files.find_one({"filename": name}, sort=[("uploadDate", -1), ("_id", -1)])
        if doc is None:
            return None
        extra = doc.get("parseCompat") or {}
        length = int(doc.get("length", 0))
        # Parse's encryptionKey: files Parse wrote (no parseCompat) are sealed when the key is set, as Parse reads them
        sealed = bool(extra.get("parseEncrypted")) if extra else self.encryption_key is not None
        if sealed and "size" not in extra:
            extra = {**extra, "size": max(length - parse_sealing.OVERHEAD, 0)}
        created = doc.get("uploadDate")
        if isinstance(created, datetime) and created.tzinfo is None:
            created = created.replace(tzinfo=UTC)
        stored = StoredFile(name, length, doc.get("contentType"), extra.get("size", length), extra.get("sha256"),
                            bool(extra.get("encrypted")), doc.get("metadata") or {}, extra.get("tags") or {},
                            created, (doc["_id"], int(doc.get("chunkSize") or CHUNK_SIZE), sealed),
                            owner=extra["owner"] if isinstance(extra.get("owner"), str) else None)
        return stored

    async def read(self, stored: StoredFile, start: int, end: int) -> AsyncIterator[bytes]:
        file_id, chunk_size, sealed = stored.ref
        if end <= start:
            return
        if sealed:  # Parse's encryptionKey format: the whole file is opened, then the range sent
            if self.encryption_key is None:
                raise DecryptionError("the file is encrypted and no encryptionKey is set")
            whole = b"".join([piece async for piece in self._chunks(file_id, chunk_size, 0, stored.length, stored)])
            yield parse_sealing.open_sealed(self.encryption_key, whole)[start:end]
            return
        async for piece in self._chunks(file_id, chunk_size, start, end, stored):
            yield piece

    async def _chunks(self, file_id: Any, chunk_size: int, start: int, end: int,
                      stored: StoredFile) -> AsyncIterator[bytes]:
        if end <= start:
            return
        first, last = start // chunk_size, (end - 1) // chunk_size
        for n in range(first, last + 1):
            # One chunk per query: the driver's cursor batches would otherwise hold many chunks.
            doc = await self.chunks.find_one({"files_id": file_id, "n": n})
            if doc is None:
                raise FileNotFoundError(f"{stored.name}: chunk {n} is missing")
            data = bytes(doc["data"])
            lo = start - n * chunk_size if n == first else 0
            hi = end - n * chunk_size if n == last else len(data)
            yield data[lo:hi]

    async def remove(self, file_id: Any) -> None:
        await self.files.delete_one({"_id": file_id})
        await self.chunks.delete_many({"files_id": file_id})

    async def delete(self, name: str) -> bool:
        ids = [doc["_id"] async for doc in self.files.find({"filename": name}, {"_id": 1})]
        for file_id in ids:
            await self.remove(file_id)
        return bool(ids)

    async def names(self) -> AsyncIterator[str]:
        seen: set[str] = set()
        async for doc in self.files.find({}, {"filename": 1}).sort("filename", 1):
            name = doc.get("filename")
            if isinstance(name, str) and name not in seen:
                seen.add(name)
                yield name

    async def close(self) -> None:
        if self._client is not None:
            from ..storage.mongo.connection import close_client

            await close_client(self._client)
