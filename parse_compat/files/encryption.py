"""Encryption at rest: AES-256-GCM in independently sealed chunks, so files stream both ways.

Container (version 1), all integers big-endian:

    magic "PCF\\x01" | chunk_size u32 | key_id 8 | salt 16 | nonce_prefix 7    (39 bytes)
    then chunk 0 .. n-1, each = AES-GCM(plaintext[i*chunk_size : (i+1)*chunk_size]) + 16-byte tag

Per file, a random salt derives the file key (HKDF-SHA256 over `fileKey`) and a random nonce
prefix starts every nonce; chunk i's nonce is prefix | i (u32) | final flag, so a chunk cannot be
reordered, dropped or the file truncated without the tag failing, and the header is the AAD.
`key_id` tells which `fileKey` sealed the file (a wrong key is named as such, and a rotation
that was interrupted skips files already under the new key). Chunk i starts at a computable
offset, which is what lets a Range request decrypt only the chunks it needs.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import struct
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

MAGIC = b"PCF\x01"
HEADER = struct.Struct(">4sI8s16s7s")
HEADER_SIZE = HEADER.size
TAG_SIZE = 16
DEFAULT_CHUNK = 64 * 1024
_INFO = b"parse-compat/files/aes-256-gcm/v1"


class DecryptionError(Exception):
    """Wrong key, or the stored bytes were changed."""


def key_id(secret: str) -> bytes:
    return hmac.new(secret.encode("utf-8"), b"parse-compat/files/key-id", hashlib.sha256).digest()[:8]


def _file_key(secret: str, salt: bytes) -> AESGCM:
    hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=salt, info=_INFO)
    return AESGCM(hkdf.derive(secret.encode("utf-8")))


def _nonce(prefix: bytes, index: int, final: bool) -> bytes:
    return prefix + struct.pack(">IB", index, 1 if final else 0)


@dataclass(frozen=True)
class Header:
    chunk_size: int
    key_id: bytes
    salt: bytes
    nonce_prefix: bytes
    raw: bytes

    @classmethod
    def parse(cls, raw: bytes) -> Header:
        if len(raw) < HEADER_SIZE:
            raise DecryptionError("truncated header")
        magic, chunk_size, kid, salt, prefix = HEADER.unpack(raw[:HEADER_SIZE])
        if magic != MAGIC or chunk_size <= 0:
            raise DecryptionError("not an encrypted file")
        return cls(chunk_size, kid, salt, prefix, raw[:HEADER_SIZE])


class Sealer:
    """Encrypts one file as it streams in: `feed` bytes, then `finish`."""

    def __init__(self, secret: str, chunk_size: int = DEFAULT_CHUNK) -> None:
        salt, prefix = os.urandom(16), os.urandom(7)
        self.header = HEADER.pack(MAGIC, chunk_size, key_id(secret), salt, prefix)
        self._aead = _file_key(secret, salt)
        self._prefix = prefix
        self._chunk = chunk_size
        self._pending = bytearray()
        self._index = 0

    def _seal(self, data: bytes, final: bool) -> bytes:
        sealed = self._aead.encrypt(_nonce(self._prefix, self._index, final), data, self.header)
        self._index += 1
        return sealed

    def feed(self, data: bytes) -> bytes:
        """Sealed bytes ready to store (all but the last, possibly partial, chunk)."""
        self._pending += data
        out = bytearray()
        while len(self._pending) > self._chunk:
            out += self._seal(bytes(self._pending[: self._chunk]), False)
            del self._pending[: self._chunk]
        return bytes(out)

    def finish(self) -> bytes:
        last = bytes(self._pending)
        self._pending.clear()
        return self._seal(last, True)


def chunk_count(plain_size: int, chunk_size: int) -> int:
    return max(1, -(-plain_size // chunk_size))


def stored_size(plain_size: int, chunk_size: int = DEFAULT_CHUNK) -> int:
    return HEADER_SIZE + plain_size + TAG_SIZE * chunk_count(plain_size, chunk_size)


@dataclass(frozen=True)
class ChunkSpan:
    """Which sealed chunks hold plaintext [start, end), and where they lie in the stored bytes."""

    first: int
    last: int
    stored_start: int
    stored_end: int


def span(plain_size: int, chunk_size: int, start: int, end: int) -> ChunkSpan:
    first, last = start // chunk_size, max(start, end - 1) // chunk_size
    sealed = chunk_size + TAG_SIZE
    last_len = min(chunk_size, plain_size - last * chunk_size) + TAG_SIZE
    return ChunkSpan(first, last, HEADER_SIZE + first * sealed, HEADER_SIZE + last * sealed + last_len)


class Opener:
    """Decrypts the chunks of one file, given its header and the key that sealed it."""

    def __init__(self, secret: str, header: Header, plain_size: int) -> None:
        if not hmac.compare_digest(header.key_id, key_id(secret)):
            raise DecryptionError("the file was encrypted with a different fileKey")
        self.header = header
        self._aead = _file_key(secret, header.salt)
        self._last = chunk_count(plain_size, header.chunk_size) - 1

    def open_chunk(self, index: int, sealed: bytes) -> bytes:
        nonce = _nonce(self.header.nonce_prefix, index, index == self._last)
        try:
            return self._aead.decrypt(nonce, sealed, self.header.raw)
        except InvalidTag as exc:
            raise DecryptionError(f"chunk {index} failed authentication") from exc
