"""_Installation as the mobile SDKs use it: create, dedup by installationId, immutable ids, no
client find or delete."""

from __future__ import annotations

import pytest

from .conftest import Client

pytestmark = [pytest.mark.asyncio, pytest.mark.settings(schema=None)]


async def test_installation_lifecycle(api: Client) -> None:
    missing = await api.post("/installations", {"deviceType": "ios"})
    assert missing.body["code"] == 135
    no_type = await api.post("/installations", {"installationId": "ABC-1"})
    assert no_type.body["code"] == 135
    created = await api.post("/installations", {"installationId": "ABC-1", "deviceType": "android",
                                                "channels": ["news"]})
    assert created.status == 201 and created.headers["Location"].endswith(created.body["objectId"])
    again = await api.post("/installations", {"installationId": "abc-1", "deviceType": "android", "badge": 3})
    assert again.status == 200 and set(again.body) == {"updatedAt"}
    stored = await api.get(f"/installations/{created.body['objectId']}")
    assert stored.body["installationId"] == "abc-1" and stored.body["badge"] == 3
    change = await api.put(f"/installations/{created.body['objectId']}", {"deviceType": "ios"})
    assert change.body["code"] == 136
    assert (await api.get("/installations")).body["code"] == 119
    assert (await api.get("/classes/_Installation")).body["code"] == 119
    assert (await api.delete(f"/installations/{created.body['objectId']}")).body["code"] == 119
    assert len((await api.get("/installations", master=True)).body["results"]) == 1
    by_header = await api.post("/installations", {"deviceType": "ios"},
                               headers={"X-Parse-Installation-Id": "HDR-9"})
    assert by_header.status == 201
    assert (await api.get(f"/installations/{by_header.body['objectId']}")).body["installationId"] == "hdr-9"
