"""The JS SDK's upload envelope, read as it streams: `{"base64": "...", "_ContentType": ...}`.

The `base64` string is decoded on the fly into a spool file (memory up to 1 MiB, then disk),
so a large upload is never held in memory; the other members (credentials, `fileData`) are
small and parsed as ordinary JSON. Any malformed envelope is Parse's 403 `unauthorized` (it
could not be read as a JSON body carrying an app id).
"""

from __future__ import annotations

import base64
import json
import tempfile
from collections.abc import AsyncIterable
from typing import IO, Any

from ..errors import Unauthorized

SPOOL_MEMORY = 1024 * 1024
MAX_OTHER_MEMBERS = 1024 * 1024  # bytes of JSON outside the base64 string
_B64_ALPHABET = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/-_"
_DROP = bytes(b for b in range(256) if b not in _B64_ALPHABET)
_URLSAFE = bytes.maketrans(b"-_", b"+/")
_WS = b" \t\r\n"


class Base64Sink:
    """Decodes base64 text piece by piece (lenient like Node: other characters are skipped)."""

    def __init__(self, out: IO[bytes]) -> None:
        self.out = out
        self.size = 0
        self._carry = b""

    def feed(self, text: bytes) -> None:
        data = self._carry + text.translate(_URLSAFE, _DROP)
        usable = len(data) - len(data) % 4
        self._carry = data[usable:]
        if usable:
            self._emit(data[:usable])

    def close(self) -> None:
        if self._carry:
            tail = self._carry
            self._carry = b""
            if len(tail) > 1:
                self._emit(tail + b"=" * (-len(tail) % 4))

    def _emit(self, chunk: bytes) -> None:
        decoded = base64.b64decode(chunk)
        self.size += len(decoded)
        self.out.write(decoded)


class EnvelopeReader:
    """A small state machine over one top-level JSON object."""

    def __init__(self, spool: IO[bytes]) -> None:
        self.fields: dict[str, Any] = {}
        self.sink = Base64Sink(spool)
        self.saw_base64 = False
        self._state = "start"
        self._token = bytearray()  # the key or value being collected
        self._key = ""
        self._depth = 0
        self._in_string = False
        self._escape = False
        self._other = 0

    def feed(self, data: bytes) -> None:
        pos, n = 0, len(data)
        while pos < n:
            if self._state == "base64":
                pos = self._feed_base64(data, pos)
                continue
            byte = data[pos]
            pos += 1
            self._other += 1
            if self._other > MAX_OTHER_MEMBERS:
                raise Unauthorized()
            self._step(byte)

    def _feed_base64(self, data: bytes, pos: int) -> int:
        quote = data.find(b'"', pos)
        backslash = data.find(b"\\", pos)
        if self._escape:
            self._escape = False
            if data[pos:pos + 1] not in (b"/", b"n", b"r", b"t"):
                raise Unauthorized()
            self.sink.feed(data[pos:pos + 1].replace(b"n", b"").replace(b"r", b"").replace(b"t", b""))
            return pos + 1
        if backslash != -1 and (quote == -1 or backslash < quote):
            self.sink.feed(data[pos:backslash])
            self._escape = True
            return backslash + 1
        if quote == -1:
            self.sink.feed(data[pos:])
            return len(data)
        self.sink.feed(data[pos:quote])
        self.sink.close()
        self.saw_base64 = True
        self._state = "after_value"
        return quote + 1

    def _step(self, byte: int) -> None:
        char = bytes((byte,))
        state = self._state
        if state == "start":
            if char == b"{":
                self._state = "key_or_end"
            elif char not in _WS:
                raise Unauthorized()
        elif state in ("key_or_end", "key"):
            if char == b'"':
                self._state, self._token = "in_key", bytearray(b'"')
            elif char == b"}" and state == "key_or_end":
                self._state = "done"
            elif char not in _WS:
                raise Unauthorized()
        elif state == "in_key":
            self._token += char
            if self._escape:
                self._escape = False
            elif char == b"\\":
                self._escape = True
            elif char == b'"':
                self._key = json.loads(bytes(self._token))
                self._state = "colon"
        elif state == "colon":
            if char == b":":
                self._state = "value"
            elif char not in _WS:
                raise Unauthorized()
        elif state == "value":
            if char in _WS:
                return
            if char == b'"' and self._key == "base64":
                self._state = "base64"
                return
            self._token, self._depth, self._in_string = bytearray(), 0, False
            self._state = "in_value"
            self._value_byte(char)
        elif state == "in_value":
            self._value_byte(char)
        elif state == "after_value":
            if char == b",":
                self._state = "key"
            elif char == b"}":
                self._state = "done"
            elif char not in _WS:
                raise Unauthorized()
        elif state == "done" and char not in _WS:
            raise Unauthorized()

    def _value_byte(self, char: bytes) -> None:
        if not self._in_string and self._depth == 0 and self._token and char in (b",", b"}", b" ", b"\t",
                                                                                  b"\r", b"\n"):
            self._finish_value()
            self._step(char[0])
            return
        self._token += char
        if self._in_string:
            if self._escape:
                self._escape = False
            elif char == b"\\":
                self._escape = True
            elif char == b'"':
                self._in_string = False
                if self._depth == 0:
                    self._finish_value()
            return
        if char == b'"':
            self._in_string = True
        elif char in (b"{", b"["):
            self._depth += 1
        elif char in (b"}", b"]"):
            self._depth -= 1
            if self._depth == 0:
                self._finish_value()

    def _finish_value(self) -> None:
        try:
            self.fields[self._key] = json.loads(bytes(self._token))
        except ValueError as exc:
            raise Unauthorized() from exc
        self._state = "after_value"

    def finish(self) -> None:
        if self._state != "done":
            raise Unauthorized()


async def read_envelope(body: AsyncIterable[bytes], limit: int,
                        too_large: type[Exception]) -> tuple[dict[str, Any], IO[bytes] | None, int]:
    """(other members, spool holding the decoded file or None, decoded size). The raw body is
    held to `limit` bytes like Parse's body parser (`too_large` raised past it)."""
    spool = tempfile.SpooledTemporaryFile(max_size=SPOOL_MEMORY)  # noqa: SIM115 - returned open
    reader = EnvelopeReader(spool)
    received = 0
    try:
        async for piece in body:
            received += len(piece)
            if received > limit:
                raise too_large()
            reader.feed(piece)
        reader.finish()
    except BaseException:
        spool.close()
        raise
    if not reader.saw_base64:
        spool.close()
        return reader.fields, None, 0
    spool.seek(0)
    return reader.fields, spool, reader.sink.size

