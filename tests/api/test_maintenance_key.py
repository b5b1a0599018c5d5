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
