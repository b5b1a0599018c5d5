"""Parse 9's `maintenanceKey` / `maintenanceKeyIps` (issue 14): master power over objects from the
listed addresses only, none over the master key's own routes, and nothing when not configured."""

from __future__ import annotations

from typing import Any

import pytest

from parse_compat.settings import Settings

from .conftest import Client

KEY = "maint-key-0123456789"
MAINTENANCE = {"X-Parse-Maintenance-Key": KEY}


async def private_note(api: Client) -> str:
    made = await api.post("/classes/Note", {"text": "private", "ACL": {}}, master=True)
    assert made.status == 201, made.body
    return str(made.body["objectId"])


@pytest.mark.asyncio
@pytest.mark.settings(schema=None)
async def test_the_header_is_ignored_when_no_key_is_configured(api: Client) -> None:
    note = await private_note(api)
    got = await api.get(f"/classes/Note/{note}", headers=MAINTENANCE)
    assert got.status == 404 and got.body["code"] == 101
    assert (await api.put(f"/classes/Note/{note}", {"text": "x"}, headers={"X-Parse-Maintenance-Key": ""})).status \
        == 404


@pytest.mark.asyncio
@pytest.mark.settings(schema=None, maintenanceKey=KEY)
async def test_the_key_reads_and_writes_objects_as_the_master_key_does(api: Client) -> None:
    note = await private_note(api)
    got = await api.get(f"/classes/Note/{note}", headers=MAINTENANCE)
    assert got.status == 200 and got.body["text"] == "private"
    assert (await api.put(f"/classes/Note/{note}", {"text": "fixed"}, headers=MAINTENANCE)).status == 200
    assert (await api.get(f"/classes/Note/{note}", master=True)).body["text"] == "fixed"
    assert (await api.get(f"/classes/Note/{note}", headers={"X-Parse-Maintenance-Key": "wrong"})).status == 404
    assert (await api.delete(f"/classes/Note/{note}", headers=MAINTENANCE)).status == 200


@pytest.mark.asyncio
@pytest.mark.settings(schema=None, maintenanceKey=KEY)
async def test_the_key_is_no_master_key_for_master_only_routes(api: Client) -> None:
    await api.put("/config", {"params": {"open": 1, "secret": 2}, "masterKeyOnly": {"secret": True}}, master=True)
    user = await api.post("/users", {"username": "ann", "password": "pw-ann"})
    for method, path, body in (("GET", "/schemas", None), ("POST", "/schemas/Thing", {"className": "Thing"}),
                               ("PUT", "/config", {"params": {"open": 3}}), ("DELETE", "/purge/Note", None),
                               ("GET", "/hooks/functions", None)):
        reply = await api.request(method, path, body, headers=MAINTENANCE)
        assert reply.status == 403 and "code" not in reply.body, (path, reply.body)
    config = await api.get("/config", headers=MAINTENANCE)
    assert config.body["params"] == {"open": 1}
    login_as = await api.post("/loginAs", {"userId": user.body["objectId"]}, headers=MAINTENANCE)
    assert login_as.status == 400 and login_as.body["code"] == 119


@pytest.mark.asyncio
@pytest.mark.settings(schema=None, maintenanceKey=KEY, maintenanceKeyIps=["10.1.2.3"])
async def test_the_key_from_an_unlisted_address_is_refused(api: Client) -> None:
    note = await private_note(api)
    got = await api.get(f"/classes/Note/{note}", headers=MAINTENANCE)
    assert got.status == 403 and got.body == {"error": "unauthorized"}


@pytest.mark.parametrize(("values", "expected"), [
    ({"maintenanceKey": "m"}, "masterKey and maintenanceKey should be different"),
    ({"maintenanceKey": "r", "readOnlyMasterKey": "r"}, "readOnlyMasterKey and maintenanceKey should be different"),
    ({"maintenanceKeyIps": ["nowhere"]}, "option maintenanceKeyIps: 'nowhere' is not an IP address or CIDR range"),
])
def test_bad_maintenance_settings_stop_the_boot(values: dict[str, Any], expected: str) -> None:
    with pytest.raises(ValueError, match=expected):
        Settings(appId="a", masterKey="m", **values)


@pytest.mark.asyncio
@pytest.mark.settings(schema=None, maintenanceKey=KEY)
async def test_only_the_key_sets_timestamps_on_create(api: Client) -> None:
    old = {"__type": "Date", "iso": "2019-05-01T10:00:00.000Z"}
    later = {"__type": "Date", "iso": "2020-01-02T03:04:05.678Z"}
    made = await api.post("/classes/Note", {"text": "moved", "createdAt": old}, headers=MAINTENANCE)
    assert made.status == 201 and made.body["createdAt"] == old["iso"], made.body
    got = (await api.get(f"/classes/Note/{made.body['objectId']}", master=True)).body
    assert got["createdAt"] == got["updatedAt"] == old["iso"]
    both = await api.post("/classes/Note", {"createdAt": old, "updatedAt": later}, headers=MAINTENANCE)
    got = (await api.get(f"/classes/Note/{both.body['objectId']}", master=True)).body
    assert (got["createdAt"], got["updatedAt"]) == (old["iso"], later["iso"])
    backwards = await api.post("/classes/Note", {"createdAt": later, "updatedAt": old}, headers=MAINTENANCE)
    assert backwards.status == 400 and backwards.body == {"code": 142,
                                                          "error": "updatedAt cannot occur before createdAt"}
    by_master = await api.post("/classes/Note", {"text": "x", "createdAt": old}, master=True)
    assert by_master.status == 201 and by_master.body["createdAt"] != old["iso"]
