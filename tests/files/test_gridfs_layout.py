"""GridFS in Parse Server's layout: a file another GridFS client (Parse Server's driver) wrote is
served, and a file we stored reads back through PyMongo's own GridFS implementation."""

from __future__ import annotations

import os

import gridfs
import mongomock.gridfs
import pytest

from tests.api.conftest import MASTER_KEY

from .conftest import FilesEnv


@pytest.mark.parametrize("files_adapter", ["mongomock"])
async def test_files_written_by_parse_server_are_served(env: FilesEnv) -> None:
    mongomock.gridfs.enable_gridfs_integration()
    bucket = gridfs.GridFSBucket(env.state.storage.database.delegate)  # the same in-memory database, sync API
    data = os.urandom(600_000)
    bucket.upload_from_stream("0123456789abcdef0123456789abcdef_legacy.jpg", data, metadata={"by": "parse"})
    status, body, headers = await env.fetch(env.bare("0123456789abcdef0123456789abcdef_legacy.jpg"),
                                            {"X-Parse-Master-Key": MASTER_KEY, "Range": "bytes=261000-262000"})
    assert status == 206 and body == data[261000:262001]
    assert headers["Content-Type"] == "image/jpeg"  # no stored type: the extension says, as in Parse

    reply = await env.upload("ours.bin", data)
    assert reply.status == 201, reply.body
    files_doc = await env.state.storage.database["fs.files"].find_one({"filename": reply.body["name"]})
    assert {"_id", "filename", "length", "chunkSize", "uploadDate", "metadata"} <= set(files_doc)
    assert files_doc["length"] == len(data)
    assert bucket.open_download_stream_by_name(reply.body["name"]).read() == data
