"""Files API behaviour on both adapters: upload shapes (raw, stream mode, JS envelope), names,
types, limits, policy, Range downloads, metadata, delete, and Parse's unprotected mode."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import re
from collections.abc import AsyncIterator

import pytest

from tests.api.conftest import APP_ID, MASTER_KEY

from .conftest import FilesEnv

STORED = re.compile(r"^[0-9a-f]{32}_")


async def test_raw_upload_201_location_and_download(env: FilesEnv) -> None:
    data = os.urandom(150_000)
    reply = await env.upload("scan.png", data, "image/png")
    assert reply.status == 201
    assert set(reply.body) == {"name", "url"}
    assert STORED.match(reply.body["name"]) and reply.body["name"].endswith("_scan.png")
    assert reply.headers["Location"] == reply.body["url"]
    status, body, headers = await env.fetch(reply.body["url"])
    assert status == 200 and body == data
    assert headers["Content-Type"] == "image/png"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Accept-Ranges"] == "bytes"
    assert headers["ETag"] == f'"{hashlib.sha256(data).hexdigest()}"'
    status, body, headers = await env.fetch(reply.body["url"], method="HEAD")
    assert status == 200 and body == b"" and headers["Content-Length"] == str(len(data))


async def test_js_envelope_upload_without_app_id_header(env: FilesEnv) -> None:
    data = b"\x89PNG\r\n" + os.urandom(5000)
    envelope = {"base64": base64.b64encode(data).decode(), "fileData": {"metadata": {"tooth": "16"}, "tags": {}},
                "_ContentType": "image/png", "_ApplicationId": APP_ID, "_MasterKey": MASTER_KEY,
                "_ClientVersion": "js8.6.0", "_InstallationId": "i-1"}
    async with env.session.post(f"{env.base}/files/xray.png", data=json.dumps(envelope),
                                headers={"Content-Type": "text/plain"}) as resp:
        assert resp.status == 201
        body = await resp.json()
    status, downloaded, headers = await env.fetch(body["url"])
    assert status == 200 and downloaded == data and headers["Content-Type"] == "image/png"
    name = body["name"]
    meta = await env.client.get(f"/files/{APP_ID}/metadata/{name}", master=True)
    assert meta.body == {"metadata": {"tooth": "16"}}


async def test_envelope_without_content_type_takes_the_extension(env: FilesEnv) -> None:
    envelope = {"base64": base64.b64encode(b"plain words").decode(), "_ApplicationId": APP_ID,
                "_MasterKey": MASTER_KEY}
    async with env.session.post(f"{env.base}/files/note.txt", data=json.dumps(envelope),
                                headers={"Content-Type": "text/plain"}) as resp:
        body = await resp.json()
    _, data, headers = await env.fetch(body["url"])
    assert data == b"plain words" and headers["Content-Type"].startswith("text/plain")


async def test_malformed_envelope_is_unauthorized(env: FilesEnv) -> None:
    async with env.session.post(f"{env.base}/files/a.txt", data=b'{"base64": "aGk=", "_Applic',
                                headers={"Content-Type": "text/plain"}) as resp:
        assert resp.status == 403 and await resp.json() == {"error": "unauthorized"}


async def test_extension_appended_from_content_type(env: FilesEnv) -> None:
    reply = await env.upload("pic", b"\x89PNG....", "image/png")
    assert reply.body["name"].endswith("_pic.png")


async def test_stream_mode_with_metadata_headers(env: FilesEnv) -> None:
    data = os.urandom(300_000)
    reply = await env.upload("big.bin", data, headers={"X-Parse-Upload-Mode": "stream",
                                                       "X-Parse-File-Metadata": '{"k": 1}'})
    assert reply.status == 201
    _, body, _ = await env.fetch(reply.body["url"])
    assert body == data
    bad = await env.upload("big.bin", data, headers={"X-Parse-Upload-Mode": "stream",
                                                     "X-Parse-File-Tags": "[1]"})
    assert bad.status == 400 and bad.body["code"] == 107


@pytest.mark.parametrize("files_overrides", [{"maxUploadSize": 1000}])
async def test_max_upload_size(env: FilesEnv) -> None:
    assert (await env.upload("ok.bin", b"x" * 1000)).status == 201
    raw = await env.upload("big.bin", b"x" * 1001)
    assert raw.status == 413 and raw.body == {"error": "request entity too large"}
    stream = await env.upload("big.bin", b"x" * 1001, headers={"X-Parse-Upload-Mode": "stream"})
    assert stream.status == 400
    assert stream.body == {"code": 130, "error": "File size exceeds maximum allowed: 1000 bytes."}

    async def chunked() -> AsyncIterator[bytes]:
        # no Content-Length: the limit is enforced while streaming, nothing is kept
        for _ in range(5):
            yield b"y" * 300

    reply = await env.client.post("/files/chunked.bin", raw=chunked(), master=True,
                                  headers={"X-Parse-Upload-Mode": "stream"})
    assert reply.body["code"] == 130
    names = [n async for n in env.files.store.adapter.names()]
    assert len(names) == 1 and names[0].endswith("_ok.bin")  # the refused uploads left nothing behind
    envelope = json.dumps({"base64": base64.b64encode(b"z" * 900).decode(), "_ApplicationId": APP_ID,
                           "_MasterKey": MASTER_KEY})
    async with env.session.post(f"{env.base}/files/env.bin", data=envelope) as resp:
        assert resp.status == 413


async def test_empty_file_and_bad_names(env: FilesEnv) -> None:
    empty = await env.upload("empty.txt", b"")
    assert empty.body == {"code": 130, "error": "Invalid file upload."}
    too_long = await env.upload("a" * 129, b"x")
    assert too_long.body == {"code": 122, "error": "Filename too long."}
    for bad in (".hidden", "a%2Fb", "sp%24ce.txt", "-dash"):
        reply = await env.upload(bad, b"x")
        assert reply.body == {"code": 122, "error": "Filename contains invalid characters."}, bad
    no_name = await env.client.post("/files", raw=b"x", master=True)
    assert no_name.body == {"code": 122, "error": "Filename not provided."}


async def test_upload_policy_parse9_defaults(env: FilesEnv) -> None:
    public = await env.upload("a.txt", b"x", "text/plain", master=False)
    assert public.body == {"code": 130, "error": "File upload by public is disabled."}
    _, token = await env.user("uploader")
    user = await env.upload("a.txt", b"x", "text/plain", master=False, session_token=token)
    assert user.status == 201


@pytest.mark.parametrize("files_overrides", [{"fileUpload": {"enableForPublic": True,
                                                             "enableForAuthenticatedUser": False,
                                                             "fileExtensions": ["png", "txt"]}}])
async def test_upload_policy_options(env: FilesEnv) -> None:
    assert (await env.upload("a.txt", b"x", "text/plain", master=False)).status == 201
    _, token = await env.user("uploader")
    user = await env.upload("a.txt", b"x", master=False, session_token=token)
    assert user.body == {"code": 130, "error": "File upload by authenticated user is disabled."}
    pdf = await env.upload("a.pdf", b"x", "application/pdf", master=False)
    assert pdf.body == {"code": 130, "error": "File upload of extension pdf is disabled."}


@pytest.mark.parametrize(("name", "content_type", "refused"), [
    ("page.html", "text/html", "html"), ("page.HTM", "text/html", "HTM"), ("logo.svg", "image/svg+xml", "svg"),
    ("app.js", "application/javascript", "js"), ("doc.xhtml", "application/xhtml+xml", "xhtml"),
    ("page", "text/html", "html"), ("img.png", "text/html", "html"), ("data.xml", "text/xml", "xml"),
])
async def test_browser_executable_types_refused(env: FilesEnv, name: str, content_type: str, refused: str) -> None:
    _, token = await env.user("u1")
    reply = await env.upload(name, b"<script>alert(1)</script>", content_type, master=False, session_token=token)
    assert reply.body == {"code": 130, "error": f"File upload of extension {refused} is disabled."}


async def test_master_html_is_served_as_attachment(env: FilesEnv) -> None:
    reply = await env.upload("report.html", b"<b>x</b>", "text/html")
    assert reply.status == 201
    _, _, headers = await env.fetch(reply.body["url"])
    assert headers["Content-Disposition"] == "attachment"
    assert "sandbox" in headers["Content-Security-Policy"]


async def test_range_requests(env: FilesEnv) -> None:
    data = os.urandom(600_000)
    url = (await env.upload("r.bin", data)).body["url"]
    for header, expected, content_range in (
        ("bytes=0-9", data[:10], "bytes 0-9/600000"),
        ("bytes=599990-", data[599990:], "bytes 599990-599999/600000"),
        ("bytes=-5", data[-5:], "bytes 599995-599999/600000"),
        ("bytes=261100-261200", data[261100:261201], "bytes 261100-261200/600000"),
        ("bytes=100-9999999", data[100:], "bytes 100-599999/600000"),
    ):
        status, body, headers = await env.fetch(url, {"Range": header})
        assert (status, headers["Content-Range"]) == (206, content_range), header
        assert body == expected, header
    status, _, headers = await env.fetch(url, {"Range": "bytes=600000-"})
    assert status == 416 and headers["Content-Range"] == "bytes */600000"
    status, body, _ = await env.fetch(url, {"Range": "bytes=0-1,5-6"})
    assert status == 200 and body == data


async def test_delete_needs_master_key(env: FilesEnv) -> None:
    name = (await env.upload("gone.txt", b"bye", "text/plain")).body["name"]
    _, token = await env.user("deleter")
    refused = await env.client.delete(f"/files/{name}", session_token=token)
    assert refused.status == 403
    assert (await env.client.delete(f"/files/{name}", master=True)).status == 200
    status, body, _ = await env.fetch(env.bare(name), {"X-Parse-Master-Key": MASTER_KEY})
    assert status == 404 and body == b"File not found."  # Parse's plain-text answer
    again = await env.client.delete(f"/files/{name}", master=True)
    assert again.body == {"code": 153, "error": "Could not delete file."}


async def test_object_reads_fill_signed_url(env: FilesEnv) -> None:
    user_id, token = await env.user("staff")
    uploaded = (await env.upload("x.png", b"\x89PNG", "image/png", master=False, session_token=token)).body
    name = uploaded["name"]
    log_id = await env.xray(token, user_id, name, uploaded["url"])
    found = await env.client.get(f"/classes/XRayLog/{log_id}", session_token=token)
    image = found.body["image"]
    assert image["name"] == name
    assert image["url"].startswith(env.bare(name) + "?exp=") and "&sig=" in image["url"]
    assert (await env.fetch(image["url"]))[0] == 200


@pytest.mark.parametrize("files_overrides", [{"protectedFiles": False}])
async def test_unprotected_mode_behaves_like_parse(env: FilesEnv) -> None:
    reply = await env.upload("open.txt", b"public bytes", "text/plain")
    assert reply.body["url"] == env.bare(reply.body["name"])
    status, body, _ = await env.fetch(reply.body["url"])
    assert status == 200 and body == b"public bytes"
    status, _, _ = await env.fetch(f"{env.base}/files/other-app/{reply.body['name']}")
    assert status == 403


@pytest.mark.parametrize("files_overrides", [{"maxUploadSize": 1000}])
async def test_max_upload_size_override_header_needs_master(env: FilesEnv) -> None:
    big = {"X-Parse-Upload-Mode": "stream", "X-Parse-File-Max-Upload-Size": "2kb"}
    assert (await env.upload("big.bin", b"x" * 1500, headers=big)).status == 201
    _, token = await env.user("someone")
    refused = await env.upload("big.bin", b"x" * 10, master=False, session_token=token, headers=big)
    assert refused.status == 403


@pytest.mark.parametrize("files_overrides", [{"protectedFiles": False, "javascriptKey": "js-key"}])
async def test_downloads_need_no_app_id_nor_client_key(env: FilesEnv) -> None:
    reply = await env.upload("open.txt", b"open", "text/plain")
    status, body, _ = await env.fetch(reply.body["url"])  # what an <img> tag sends: no Parse header
    assert (status, body) == (200, b"open")
