"""`preserveFileName`: files are stored under their upload name (no random prefix); a caller
without the master key cannot replace a name already stored, the master key can (as in Parse)."""

from __future__ import annotations

import pytest

from .conftest import APP_ID, Client

pytestmark = pytest.mark.asyncio
TEXT = {"Content-Type": "text/plain"}


@pytest.mark.settings(schema=None, preserveFileName=True)
async def test_upload_names_are_kept_and_not_replaced_by_other_callers(api: Client) -> None:
    user = await api.post("/users", {"username": "ann", "password": "pw-ann-1"})
    token = user.body["sessionToken"]
    first = await api.request("POST", "/files/scan.txt", raw=b"first", session_token=token, headers=TEXT)
    assert first.status == 201 and first.body["name"] == "scan.txt"
    assert first.body["url"].endswith(f"/files/{APP_ID}/scan.txt")
    no_ext = await api.request("POST", "/files/notes", raw=b"words", session_token=token, headers=TEXT)
    assert no_ext.body["name"] == "notes.txt"  # the type's extension is added, as Parse does
    again = await api.request("POST", "/files/scan.txt", raw=b"second", session_token=token, headers=TEXT)
    assert again.status == 400 and again.body == {"code": 130, "error": "A file with this name already exists."}
    assert (await api.get(f"/files/{APP_ID}/scan.txt")).body == "first"
    replaced = await api.request("POST", "/files/scan.txt", raw=b"by master", master=True, headers=TEXT)
    assert replaced.status == 201 and replaced.body["name"] == "scan.txt"
    assert (await api.get(f"/files/{APP_ID}/scan.txt")).body == "by master"


@pytest.mark.settings(schema=None)
async def test_by_default_names_get_parse_random_prefix(api: Client) -> None:
    reply = await api.request("POST", "/files/scan.txt", raw=b"first", master=True, headers=TEXT)
    name = reply.body["name"]
    assert name.endswith("_scan.txt") and len(name) == len("scan.txt") + 33
