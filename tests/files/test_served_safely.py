"""Files served safely (issue 18, finding 5): the upload's content type is exactly one MIME type,
downloads of anything but passive image/media/PDF/text types are attachments with nosniff and a
restrictive CSP, and `filesOrigin` moves file URLs to their own origin."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from .conftest import FilesEnv

pytestmark = pytest.mark.asyncio
HTML = b"<script>document.title='pwned'</script>"


@pytest.fixture
def files_overrides() -> dict[str, Any]:
    return {"schema": None, "protectedFiles": False}


async def _one(data: bytes) -> AsyncIterator[bytes]:
    yield data


@pytest.mark.parametrize("kind", ["text/html, x", "image/png, text/html", "text/html;", "image/png text/html",
                                  "text/plain X-Evil: 1", "image/png; a=b, text/html", "html"])
async def test_an_upload_with_more_than_one_type_is_refused(env: FilesEnv, kind: str) -> None:
    # Finding 5: `text/html, x` passed the policy and was served back with that header.
    _, token = await env.user("mallory")
    for master in (False, True):
        reply = await env.client.request("POST", "/files/note.txt", raw=HTML, master=master,
                                         session_token=None if master else token,
                                         headers={"Content-Type": kind})
        assert reply.status == 400 and reply.body["code"] == 130, (kind, master, reply.body)
    assert [n async for n in env.files.store.adapter.names()] == []


@pytest.mark.parametrize(("name", "kind", "inline"), [
    ("x.png", "image/png", True), ("n.txt", "text/plain; charset=utf-8", True), ("d.pdf", "application/pdf", True),
    ("b.bin", "application/octet-stream", False), ("d.json", "application/json", False),
    ("p.html", "text/html", False), ("s.svg", "image/svg+xml", False), ("c.css", "text/css", False),
])
async def test_downloads_render_only_passive_types(env: FilesEnv, name: str, kind: str, inline: bool) -> None:
    reply = await env.upload(name, b"some bytes", kind)  # the master key may store any type
    assert reply.status == 201, reply.body
    status, _, headers = await env.fetch(reply.body["url"])
    assert status == 200
    assert headers["X-Content-Type-Options"] == "nosniff"
    csp = headers["Content-Security-Policy"]
    assert "default-src 'none'" in csp and ("sandbox" in csp or kind == "application/pdf")
    assert ("Content-Disposition" not in headers) == inline, headers.get("Content-Disposition")
    if not inline:
        assert headers["Content-Disposition"] == "attachment"


async def test_a_file_stored_earlier_with_a_double_type_is_downloaded_not_rendered(env: FilesEnv) -> None:
    record = await env.files.store.save("0123456789abcdef0123456789abcdef_old.txt", "text/html, x", _one(HTML))
    status, body, headers = await env.fetch(env.bare(record.name))
    assert status == 200 and body == HTML
    assert headers["Content-Disposition"] == "attachment" and headers["X-Content-Type-Options"] == "nosniff"


async def test_files_origin_moves_file_urls(env: FilesEnv) -> None:
    env.state.settings.filesOrigin = "https://files.example.org/"
    reply = await env.upload("x.png", b"\x89PNG", "image/png")
    assert reply.body["url"].startswith("https://files.example.org/parse/files/")
