"""File uploads through GraphQL (the multipart request spec): `createFile` and an object's
`FileInput.upload`, stored as `POST /files/<name>` stores them — the upload policy applies
(anonymous callers refused with the template's defaults) and the read-only key is refused."""

from __future__ import annotations

import json
from typing import Any

import aiohttp
import pytest

from .conftest import APP_ID, READ_ONLY_KEY, Client, signup

pytestmark = pytest.mark.asyncio

CREATE_FILE = "mutation($file: Upload!) { createFile(input: {upload: $file}) { fileInfo { name url } } }"


async def _multipart(api: Client, query: str, variables: dict[str, Any], files: dict[str, tuple[str, bytes]],
                     headers: dict[str, str]) -> tuple[int, Any]:
    form = aiohttp.FormData()
    form.add_field("operations", json.dumps({"query": query, "variables": variables}))
    form.add_field("map", json.dumps({key: [path] for key, (path, _) in files.items()}))
    for key, (_, data) in files.items():
        form.add_field(key, data, filename=f"{key}.txt", content_type="text/plain")
    url = api.base.rsplit("/parse", 1)[0] + "/graphql"
    async with api.session.post(url, data=form, headers={"X-Parse-Application-Id": APP_ID, **headers}) as resp:
        return resp.status, await resp.json(content_type=None)


async def test_create_file_and_attach_an_upload(api: Client) -> None:
    lena = await signup(api, "lena")
    auth = {"X-Parse-Session-Token": lena["sessionToken"]}
    status, body = await _multipart(api, CREATE_FILE, {"file": None}, {"0": ("variables.file", b"x-ray notes")}, auth)
    assert status == 200 and "errors" not in body, body
    info = body["data"]["createFile"]["fileInfo"]
    assert info["name"].endswith("0.txt")
    async with api.session.get(info["url"], headers={"X-Parse-Application-Id": APP_ID, **auth}) as resp:
        assert resp.status == 200 and await resp.read() == b"x-ray notes"

    patient = await api.post("/classes/Patient", {"name": "P", "email": "p@x.org", "phone": "1"},
                             session_token=lena["sessionToken"])
    pointer = {"link": patient.body["objectId"]}
    query = """mutation($img: Upload, $p: ID) { createXRayLog(input: {fields: {patient: {link: $p},
      xrayDate: "2026-01-02T03:04:05.000Z", fileUrl: "u", image: {upload: $img}}}) {
      xRayLog { objectId image { name } } } }"""
    status, body = await _multipart(api, query, {"img": None, "p": pointer["link"]},
                                    {"1": ("variables.img", b"image bytes")}, auth)
    assert status == 200 and "errors" not in body, body
    log = body["data"]["createXRayLog"]["xRayLog"]
    stored = await api.get(f"/classes/XRayLog/{log['objectId']}", session_token=lena["sessionToken"])
    assert stored.body["image"]["__type"] == "File" and stored.body["image"]["name"] == log["image"]["name"]


async def test_uploads_follow_the_rest_file_policy(api: Client) -> None:
    rest = await api.request("POST", "/files/a.txt", raw=b"x", headers={"Content-Type": "text/plain"})
    status, body = await _multipart(api, CREATE_FILE, {"file": None}, {"0": ("variables.file", b"x")}, {})
    assert status == 200 and body["data"] == {"createFile": None}
    assert body["errors"][0]["extensions"]["code"] == rest.body["code"], (body, rest.body)
    status, body = await _multipart(api, CREATE_FILE, {"file": None}, {"0": ("variables.file", b"x")},
                                    {"X-Parse-Master-Key": READ_ONLY_KEY})
    assert body["data"] == {"createFile": None} and body["errors"][0]["extensions"]["code"] == 119
    status, body = await _multipart(api, CREATE_FILE, {"file": None}, {"0": ("variables.nope.deep", b"x")}, {})
    assert status == 400 and body["code"] == 107
