"""Parse's `encryptionKey` (issue 14, deliverable 6): a GridFS file Parse Server encrypted is served,
ours are stored in Parse's format, and the option is refused where it has no meaning."""

from __future__ import annotations

import base64
import os
from typing import Any

import gridfs
import mongomock.gridfs
import pytest

from parse_compat.files.parse_sealing import open_sealed, seal
from parse_compat.files.setup import adapter_for
from parse_compat.settings import Settings
from tests.api.conftest import MASTER_KEY

from .conftest import FilesEnv

KEY = "options2-parse-key"
# Made by Node's crypto the way Parse Server's GridFSBucketAdapter seals a file (aes-256-gcm, key =
# base64(sha256(encryptionKey))[:32], IV 00112233…eeff): ciphertext | IV | tag.
PARSE_SEALED = base64.b64decode("yNeifeeKmm4pVgUTPB3MeJ6ItZ4EDfKLS6TEghl3MqUPA4R7thhNCDooABEiM0RVZneImaq7zN3u"
                                "/z96DF5tRZziyqfw2cPEqok=")
PLAIN = b"X-ray of tooth 14, written by Parse Server"


def test_parse_format_both_ways() -> None:
    assert open_sealed(KEY, PARSE_SEALED) == PLAIN
    data = os.urandom(1000)
    sealed = seal(KEY, data)
    assert len(sealed) == len(data) + 32 and open_sealed(KEY, sealed) == data
    with pytest.raises(Exception, match="not encrypted with this encryptionKey"):
        open_sealed("another key", sealed)


@pytest.mark.parametrize("files_adapter", ["mongomock"])
@pytest.mark.parametrize("files_overrides", [{"encryptionKey": KEY}])
async def test_files_parse_encrypted_are_served_and_ours_are_parse_readable(env: FilesEnv) -> None:
    mongomock.gridfs.enable_gridfs_integration()
    bucket = gridfs.GridFSBucket(env.state.storage.database.delegate)
    name = "0123456789abcdef0123456789abcdef_tooth.txt"
    bucket.upload_from_stream(name, PARSE_SEALED)
    status, body, _headers = await env.fetch(env.bare(name), {"X-Parse-Master-Key": MASTER_KEY})
    assert status == 200 and body == PLAIN
    status, body, _headers = await env.fetch(env.bare(name), {"X-Parse-Master-Key": MASTER_KEY, "Range": "bytes=0-4"})
    assert status == 206 and body == PLAIN[:5]

    data = os.urandom(300_000)  # over one GridFS chunk
    reply = await env.upload("ours.bin", data)
    assert reply.status == 201, reply.body
    stored = bucket.open_download_stream_by_name(reply.body["name"]).read()
    assert stored != data and open_sealed(KEY, stored) == data  # what Parse Server would read
    status, body, _headers = await env.fetch(env.bare(reply.body["name"]), {"X-Parse-Master-Key": MASTER_KEY})
    assert status == 200 and body == data


@pytest.mark.parametrize(("values", "message"), [
    ({"encryptionKey": "k", "fileKey": "f"}, "not both"),
])
def test_with_file_key_is_refused(values: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        Settings(appId="a", masterKey="m", **values)


def test_local_files_refuse_it(tmp_path: Any) -> None:
    with pytest.raises(ValueError, match="with local files use fileKey"):
        adapter_for("local", f"sqlite:///{tmp_path / 'x.db'}", tmp_path, None, KEY)
