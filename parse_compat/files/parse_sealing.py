"""Parse Server's `encryptionKey` file format (its GridFS adapter), so a database whose files Parse
encrypted is served as is, and files stored here stay readable by Parse.

The AES-256-GCM key is the first 32 characters of base64(SHA-256(encryptionKey)), used as bytes;
a file is stored whole as ciphertext | IV (16 random bytes) | GCM tag (16 bytes). Unlike the
chunked container of `encryption.py` (`fileKey`), the whole file is sealed at once, so it is
buffered on write and decrypted whole before a range of it is sent.
"""

from __future__ import annotations

import base64
import hashlib
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from .encryption import DecryptionError

IV_SIZE = 16
TAG_SIZE = 16
OVERHEAD = IV_SIZE + TAG_SIZE


def _aead(encryption_key: str) -> AESGCM:
    derived = base64.b64encode(hashlib.sha256(encryption_key.encode("utf-8")).digest())[:32]
    return AESGCM(derived)


def seal(encryption_key: str, plain: bytes) -> bytes:
    iv = os.urandom(IV_SIZE)
    sealed = _aead(encryption_key).encrypt(iv, plain, None)  # ciphertext | tag
    return sealed[:-TAG_SIZE] + iv + sealed[-TAG_SIZE:]


def open_sealed(encryption_key: str, stored: bytes) -> bytes:
    if len(stored) < OVERHEAD:
        raise DecryptionError("the stored file is too short to be encrypted with encryptionKey")
    ciphertext, iv, tag = stored[:-OVERHEAD], stored[-OVERHEAD:-TAG_SIZE], stored[-TAG_SIZE:]
    try:
        return _aead(encryption_key).decrypt(iv, ciphertext + tag, None)
    except InvalidTag:
        raise DecryptionError("the file was not encrypted with this encryptionKey") from None
