"""Names with a space or an `@` in the local files directory: on disk URL-encoded as Parse
Server's FileSystemAdapter writes them (`encodeURIComponent`), read back under the stored name;
a file an older parse-compat wrote under the raw name is still found, listed once, and replaced
by the encoded one when written again; deleting removes both."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

from parse_compat.files.local import LocalFilesAdapter
from parse_compat.files.store import FileStore

NAME = "0123456789abcdef0123456789abcdef_x ray@2024 ~v1.png"
ON_DISK = "0123456789abcdef0123456789abcdef_x%20ray%402024%20~v1.png"


async def chunks(data: bytes) -> AsyncIterator[bytes]:
    yield data


async def read(store: FileStore, name: str) -> bytes | None:
    record = await store.adapter.stat(name)
    if record is None:
        return None
    return b"".join([piece async for piece in store.read(record, 0, record.plain_size)])


async def test_names_are_url_encoded_on_disk_as_parse_does(tmp_path: Path) -> None:
    store = FileStore(LocalFilesAdapter(tmp_path))
    await store.save(NAME, "image/png", chunks(b"new bytes"))
    assert sorted(path.name for path in tmp_path.iterdir() if path.is_file()) == [ON_DISK]
    assert (tmp_path / ".meta" / f"{ON_DISK}.json").is_file()
    assert await read(store, NAME) == b"new bytes"
    assert [name async for name in store.adapter.names()] == [NAME]


async def test_a_file_parse_server_wrote_is_read(tmp_path: Path) -> None:
    (tmp_path / ON_DISK).write_bytes(b"written by Parse Server")  # no record beside it, as Parse leaves it
    store = FileStore(LocalFilesAdapter(tmp_path))
    assert await read(store, NAME) == b"written by Parse Server"
    assert [name async for name in store.adapter.names()] == [NAME]


async def test_raw_names_of_older_versions_are_still_served_then_replaced(tmp_path: Path) -> None:
    (tmp_path / NAME).write_bytes(b"old layout")
    store = FileStore(LocalFilesAdapter(tmp_path))
    assert await read(store, NAME) == b"old layout"
    assert [name async for name in store.adapter.names()] == [NAME]
    await store.save(NAME, "image/png", chunks(b"rewritten"))
    assert sorted(path.name for path in tmp_path.iterdir() if path.is_file()) == [ON_DISK]
    assert await read(store, NAME) == b"rewritten"
    (tmp_path / NAME).write_bytes(b"old layout")
    assert await store.adapter.delete(NAME) is True
    assert [path for path in tmp_path.iterdir() if path.is_file()] == []
    assert await store.adapter.stat(NAME) is None
