"""The audit trail's journal: an append-only file per server process that holds every entry recorded
and not yet stored in `_Audit`.

An entry reaches the journal before the request that caused it is answered: it is copied into the
segment's shared memory map (no system call; a `write` per entry cost several times more), whose
pages belong to the kernel's cache of the file from then on — a `kill -9` of the process loses
nothing; like SQLite's WAL with `synchronous=NORMAL`, a power cut may lose the last moments. The
writer then stores the journal's entries in `_Audit` in large batches, off the request path, and
removes the journal file they came from once they are stored.

A process writes to one *segment* at a time (`<pid>-<nanoseconds>.jsonl`, mode 0600, in a directory
of mode 0700) and holds an exclusive `flock` on every segment it has not removed, so another
process that finds a segment it can lock knows its writer is gone (crashed or killed): it stores
that segment's entries (`orphans`) and removes it. A torn last line (the process died inside a
copy) is skipped, and so is the unused, zero-filled end of a segment. Each line is a JSON array
(`FIELDS`); no secret is written (the caller's session is named by its objectId, never by its
token).
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import mmap
import os
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

log = logging.getLogger("parse_compat.audit")
SUFFIX = ".jsonl"
SEGMENT_BYTES = 4 << 20  # a segment's size (sparse until written); a longer entry gets a segment of its own size
# The order of a journal line's values.
FIELDS = ("action", "targetClass", "targetId", "ids", "user", "roles", "session", "ip", "master", "readOnly",
          "fields", "createdAt")


@dataclass(slots=True)
class Segment:
    """One journal file, the descriptor that holds its lock and, while written, its memory map."""

    path: Path
    fd: int
    map: mmap.mmap | None = None
    used: int = 0


class Journal:
    """This process's journal in `directory` (created if missing)."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self._current: Segment | None = None
        self._sealed: list[Segment] = []  # segments rotated out whose entries are not all stored yet

    def open(self) -> None:
        self.directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        self._current = self._new_segment()

    def _new_segment(self, size: int = 0) -> Segment:
        size = max(size, SEGMENT_BYTES)
        path = self.directory / f"{os.getpid()}-{time.time_ns()}{SUFFIX}"
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            os.ftruncate(fd, size)
            return Segment(path, fd, mmap.mmap(fd, size))
        except BaseException:
            os.close(fd)
            path.unlink(missing_ok=True)
            raise

    def append(self, lines: bytes) -> None:
        """Journal entries (JSON arrays, see `encode`); raises OSError when it cannot (the caller
        fails the request rather than answer without its entry)."""
        current = self._current
        if current is None or current.map is None:
            raise OSError("audit journal is closed")
        end = current.used + len(lines)
        if end > len(current.map):
            self.rotate(len(lines))
            current = self._current
            assert current is not None and current.map is not None
            end = len(lines)
        current.map[current.used:end] = lines
        current.used = end

    def rotate(self, size: int = 0) -> None:
        """Start a new segment (of at least `size` bytes); what was written so far stays in sealed
        segments until `release`."""
        if self._current is None:
            return
        old, self._current = self._current, self._new_segment(size)
        _unmap(old)
        self._sealed.append(old)

    def release(self) -> None:
        """Remove every sealed segment: their entries are stored."""
        for segment in self._sealed:
            _remove(segment)
        self._sealed.clear()

    def close(self, *, keep: bool) -> None:
        """Stop writing. With `keep`, the files stay for the next process to store (their entries
        were not all stored); otherwise they are removed."""
        segments = [*self._sealed, *([self._current] if self._current else [])]
        self._sealed, self._current = [], None
        for segment in segments:
            if keep:
                _unmap(segment)
                os.close(segment.fd)
            else:
                _remove(segment)

    def orphans(self) -> Iterator[tuple[Segment, list[dict[str, Any]]]]:
        """Segments no live process holds, oldest first, each with its entries; the caller stores
        the entries, then `drop`s the segment (which stays locked by this process until then)."""
        if not self.directory.is_dir():
            return
        ours = {segment.path for segment in self._sealed} | ({self._current.path} if self._current else set())
        for path in sorted(self.directory.glob(f"*{SUFFIX}"), key=_age):
            if path in ours:
                continue
            try:
                fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
            except FileNotFoundError:
                continue  # another process stored and removed it meanwhile
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                os.close(fd)  # its writer is alive
                continue
            if not path.exists():  # stored and removed by another process between our open and lock
                os.close(fd)
                continue
            yield Segment(path, fd), read_entries(path)

    @staticmethod
    def drop(segment: Segment) -> None:
        """Remove a segment whose entries are stored."""
        _remove(segment)

    @staticmethod
    def close_segment(segment: Segment) -> None:
        """Let go of a segment without removing it (its entries could not be stored)."""
        os.close(segment.fd)


def encode(values: tuple[Any, ...]) -> bytes:
    """One journal line: the values of `FIELDS`, in order."""
    return orjson.dumps(values) + b"\n"


def read_entries(path: Path) -> list[dict[str, Any]]:
    """The entries of a journal file; a line that does not decode (a write torn by a crash) is skipped."""
    entries = []
    for line in path.read_bytes().rstrip(b"\0").splitlines():
        try:
            values = orjson.loads(line)
        except orjson.JSONDecodeError:
            log.warning("audit journal %s: skipped a torn line", path.name)
            continue
        if isinstance(values, list) and len(values) == len(FIELDS):
            entries.append(dict(zip(FIELDS, values, strict=True)))
        else:
            log.warning("audit journal %s: skipped a line of unexpected shape", path.name)
    return entries


def _age(path: Path) -> tuple[int, str]:
    stem = path.stem
    with contextlib.suppress(ValueError, IndexError):
        return int(stem.split("-")[1]), stem
    return 0, stem


def _unmap(segment: Segment) -> None:
    """Stop writing `segment`: its file keeps what was written, without the unused end."""
    if segment.map is not None:
        segment.map.close()
        segment.map = None
        os.ftruncate(segment.fd, segment.used)


def _remove(segment: Segment) -> None:
    if segment.map is not None:
        segment.map.close()
        segment.map = None
    with contextlib.suppress(FileNotFoundError):
        segment.path.unlink()
    os.close(segment.fd)
