"""Parse's `installation` option (issue 14, deliverable 6): a device token brought by a new
installation is taken from the other rows holding it — deleted by default, kept without the token
with "update" — and the merge case follows duplicateDeviceTokenMergePriority."""

from __future__ import annotations

from typing import Any

import pytest

from parse_compat.settings import Settings

from .conftest import Client

pytestmark = pytest.mark.asyncio
TOKEN = "a" * 64


async def _rows(api: Client) -> list[dict[str, Any]]:
    found = await api.get("/installations", master=True, params={"order": "createdAt"})
    return list(found.body["results"])


@pytest.mark.settings(schema=None)
async def test_default_deletes_the_other_rows_with_the_token(api: Client) -> None:
    old = await api.post("/installations", {"installationId": "old-install", "deviceType": "ios",
                                            "deviceToken": TOKEN, "channels": ["news"]})
    other = await api.post("/installations", {"installationId": "other", "deviceType": "ios", "deviceToken": "b" * 64})
    new = await api.post("/installations", {"installationId": "new-install", "deviceType": "ios",
                                            "deviceToken": TOKEN.upper()})
    assert old.status == other.status == new.status == 201
    rows = await _rows(api)
    assert [row["objectId"] for row in rows] == [other.body["objectId"], new.body["objectId"]]


@pytest.mark.settings(schema=None, installation={"duplicateDeviceTokenAction": "update"})
async def test_update_keeps_the_other_row_without_the_token(api: Client) -> None:
    old = await api.post("/installations", {"installationId": "old-install", "deviceType": "ios",
                                            "deviceToken": TOKEN, "channels": ["news"]})
    new = await api.post("/installations", {"installationId": "new-install", "deviceType": "ios", "deviceToken": TOKEN})
    rows = {row["objectId"]: row for row in await _rows(api)}
    assert set(rows) == {old.body["objectId"], new.body["objectId"]}
    assert "deviceToken" not in rows[old.body["objectId"]] and rows[old.body["objectId"]]["channels"] == ["news"]
    assert rows[new.body["objectId"]]["deviceToken"] == TOKEN


@pytest.mark.settings(schema=None)
async def test_merge_priority_device_token_keeps_the_token_row(api: Client) -> None:
    orphan = await api.post("/installations", {"deviceType": "ios", "deviceToken": TOKEN, "channels": ["a"]})
    assert orphan.status == 201
    merged = await api.post("/installations", {"installationId": "fresh", "deviceType": "ios", "deviceToken": TOKEN,
                                               "badge": 2})
    assert merged.status == 200 and set(merged.body) == {"updatedAt"}
    rows = await _rows(api)
    assert len(rows) == 1 and rows[0]["objectId"] == orphan.body["objectId"]
    assert rows[0]["installationId"] == "fresh" and rows[0]["badge"] == 2 and rows[0]["channels"] == ["a"]


@pytest.mark.settings(schema=None, installation={"duplicateDeviceTokenMergePriority": "installationId"})
async def test_merge_priority_installation_id_keeps_the_new_row(api: Client) -> None:
    await api.post("/installations", {"deviceType": "ios", "deviceToken": TOKEN})
    made = await api.post("/installations", {"installationId": "fresh", "deviceType": "ios", "deviceToken": TOKEN})
    assert made.status == 201
    assert [row["objectId"] for row in await _rows(api)] == [made.body["objectId"]]


@pytest.mark.parametrize(("option", "message"), [
    ({"duplicateDeviceTokenAction": "ignore"}, "duplicateDeviceTokenAction must be one of delete, update"),
    ({"duplicateDeviceTokenActionEnforceAuth": True}, "runs as the server here"),
    ({"dedup": True}, "has no key 'dedup'"),
    ([], "installation must be an object"),
])
async def test_what_cannot_be_honoured_stops_the_boot(option: Any, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        Settings(appId="a", masterKey="m", installation=option)
