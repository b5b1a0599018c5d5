"""Encryption at rest (`fileKey`), checksums, and `parse-compat files rotate-key`."""

from __future__ import annotations

import asyncio
import hashlib
import os
from pathlib import Path

import pytest

from parse_compat.cli import main as cli_main
from parse_compat.files import encryption
from parse_compat.files.adapter import StoredFile
from parse_compat.files.local import LocalFilesAdapter
from parse_compat.files.rotation import rotate_keys
from parse_compat.files.store import FileStore

from .conftest import FilesEnv

DATA = os.urandom(3 * encryption.DEFAULT_CHUNK + 1234)


async def _stored_bytes(env: FilesEnv, record: StoredFile) -> bytes:
    return b"".join([piece async for piece in env.files.store.adapter.read(record, 0, record.length)])


@pytest.mark.parametrize("files_overrides", [{"fileKey": "first-key"}])
async def test_files_are_encrypted_at_rest_and_served_plain(env: FilesEnv) -> None:
    reply = await env.upload("scan.bin", DATA)
    name = reply.body["name"]
    record = await env.files.store.stat(name)
    assert record.encrypted and record.size == len(DATA)
    assert record.sha256 == hashlib.sha256(DATA).hexdigest()
    stored = await _stored_bytes(env, record)
    assert len(stored) == encryption.stored_size(len(DATA)) and DATA[:64] not in stored
    assert DATA[100_000:100_064] not in stored
    status, body, _ = await env.fetch(reply.body["url"])
    assert status == 200 and body == DATA
    for start, end in ((0, 1), (65530, 65546), (65536, 131072), (len(DATA) - 7, len(DATA) - 1), (5, len(DATA) - 1)):
        status, body, _ = await env.fetch(reply.body["url"], {"Range": f"bytes={start}-{end}"})
        assert status == 206 and body == DATA[start:end + 1], (start, end)


@pytest.mark.parametrize(("files_adapter", "files_overrides"), [("sqlite", {"fileKey": "first-key"})])
async def test_a_changed_byte_on_disk_is_never_served(env: FilesEnv) -> None:
    name = (await env.upload("scan.bin", DATA)).body["name"]
    path = Path(env.tmp_path / "files" / name)
    raw = bytearray(path.read_bytes())
    raw[encryption.HEADER_SIZE + 2 * (encryption.DEFAULT_CHUNK + 16) + 10] ^= 1
    path.write_bytes(bytes(raw))
    url = env.files.file_url(name)
    status, body, _ = await env.fetch(url, {"Range": "bytes=0-100"})
    assert status == 206 and body == DATA[:101]  # the chunks before the damage still open
    with pytest.raises(Exception):  # noqa: B017 - the transfer is cut: aiohttp raises a payload error
        await env.fetch(url)


async def test_wrong_key_is_a_server_error_not_garbage(tmp_path: Path) -> None:
    adapter = LocalFilesAdapter(tmp_path)
    store = FileStore(adapter, "key-a")

    async def source():
        yield DATA

    await store.save("f.bin", "application/octet-stream", source())
    record = await adapter.stat("f.bin")
    with pytest.raises(encryption.DecryptionError, match="different fileKey"):
        await FileStore(adapter, "key-b").opener(record)
    with pytest.raises(encryption.DecryptionError, match="no fileKey"):
        await FileStore(adapter, None).opener(record)


async def _read_all(store: FileStore, name: str) -> tuple[StoredFile, bytes]:
    record = await store.adapter.stat(name)
    assert record is not None
    return record, b"".join([p async for p in store.read(record, 0, record.plain_size)])


def test_rotate_key_command_on_local_files(tmp_path: Path) -> None:
    adapter = LocalFilesAdapter(tmp_path / "files")
    plain_store, old_store, new_store = FileStore(adapter, None), FileStore(adapter, "old-key"), FileStore(
        adapter, "new-key")

    async def source(data: bytes):
        yield data

    asyncio.run(plain_store.save("a_plain.txt", "text/plain", source(b"was plain")))
    asyncio.run(old_store.save("b_old.bin", "application/octet-stream", source(DATA)))
    common = ["--dataDir", str(tmp_path), "--databaseURI", f"sqlite:///{tmp_path / 'parse.db'}"]
    with pytest.raises(SystemExit) as exit_info:
        cli_main(["files", "rotate-key", "--old", "old-key", "--new", "new-key", *common])
    assert exit_info.value.code == 0
    for name, expected in (("a_plain.txt", b"was plain"), ("b_old.bin", DATA)):
        record, content = asyncio.run(_read_all(new_store, name))
        assert record.encrypted and content == expected, name
        assert record.sha256 == hashlib.sha256(expected).hexdigest()
    with pytest.raises(SystemExit) as exit_info:  # run again: everything is already under the new key
        cli_main(["files", "rotate-key", "--old", "old-key", "--new", "new-key", *common])
    assert exit_info.value.code == 0
    with pytest.raises(SystemExit) as exit_info:  # a wrong old key: reported, files untouched
        cli_main(["files", "rotate-key", "--old", "wrong", "--new", "third-key", *common])
    assert exit_info.value.code == 1
    assert asyncio.run(_read_all(new_store, "b_old.bin"))[1] == DATA


@pytest.mark.parametrize(("files_adapter", "files_overrides"), [("mongomock", {"fileKey": "old-key"})])
async def test_rotation_on_gridfs(env: FilesEnv) -> None:
    name = (await env.upload("scan.bin", DATA)).body["name"]
    adapter = env.files.store.adapter
    report = await rotate_keys(adapter, "old-key", None)
    assert report.rotated == [name] and not report.failed
    record = await adapter.stat(name)
    assert not record.encrypted and await _stored_bytes(env, record) == DATA
    assert await env.state.storage.database["fs.files"].count_documents({"filename": name}) == 1
    report = await rotate_keys(adapter, None, "new-key")
    record = await adapter.stat(name)
    assert report.rotated == [name] and record.encrypted
    assert b"".join([p async for p in FileStore(adapter, "new-key").read(record, 0, len(DATA))]) == DATA
