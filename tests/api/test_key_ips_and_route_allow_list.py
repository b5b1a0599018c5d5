"""`readOnlyMasterKeyIps` (its own IP list, loopback by default), `allowAggregationForReadOnlyMasterKey`
and `routeAllowList` (which routes callers without the master key may use), through the REST API."""

from __future__ import annotations

import pytest

from parse_compat.settings import Settings

from .conftest import Client

pytestmark = pytest.mark.asyncio
READ_ONLY = {"X-Parse-Master-Key": "read-only-key"}


async def _item(api: Client) -> str:
    reply = await api.post("/classes/Item", {"n": 1}, master=True)
    assert reply.status == 201, reply.body
    return str(reply.body["objectId"])


@pytest.mark.settings(schema=None, readOnlyMasterKey="read-only-key", masterKeyIps=["10.9.9.9"])
async def test_read_only_key_has_its_own_ip_list_defaulting_to_loopback(api: Client) -> None:
    assert (await api.get("/classes/Item", master=True)).status == 403  # the master key's list excludes us
    reply = await api.get("/classes/_User", headers=READ_ONLY)  # master-only class: the key really counts
    assert reply.status == 200 and reply.body == {"results": []}


@pytest.mark.settings(schema=None, readOnlyMasterKey="read-only-key", readOnlyMasterKeyIps=["10.0.0.0/8"])
async def test_read_only_key_from_an_unlisted_ip_is_refused(api: Client) -> None:
    await _item(api)
    reply = await api.get("/classes/Item", headers=READ_ONLY)
    assert reply.status == 403 and reply.body == {"error": "unauthorized"}
    assert (await api.get("/classes/Item", master=True)).status == 200


@pytest.mark.settings(schema=None, readOnlyMasterKey="read-only-key", readOnlyMasterKeyIps=["::0", "0.0.0.0/0"])
async def test_parse_whole_family_notation_allows_every_address(api: Client) -> None:
    await _item(api)
    reply = await api.get("/classes/Item", headers=READ_ONLY)
    assert reply.status == 200 and len(reply.body["results"]) == 1


@pytest.mark.settings(schema=None, routeAllowList=["classes/Item.*", "users", "login"])
async def test_route_allow_list_refuses_unlisted_routes_and_changes_nothing(api: Client) -> None:
    item = await _item(api)
    assert (await api.get(f"/classes/Item/{item}/")).status == 200  # trailing slash: same route
    signup = await api.post("/users", {"username": "ann", "password": "pw-ann-1"})
    assert signup.status == 201, signup.body
    refused = await api.post("/classes/Other", {"n": 2})
    assert refused.status == 400 and refused.body == {"code": 119, "error": "Permission denied"}
    assert (await api.get("/classes/Other", master=True)).body == {"results": []}
    assert (await api.get("/config")).body == {"code": 119, "error": "Permission denied"}
    assert (await api.get("/health")).body == {"code": 119, "error": "Permission denied"}
    assert (await api.post("/classes/Other", {"n": 3}, master=True)).status == 201  # the master key passes


@pytest.mark.settings(schema=None, routeAllowList=["batch", "classes/Item"], enableSanitizedErrorResponse=False)
async def test_route_allow_list_checks_each_batch_item_before_anything_runs(api: Client) -> None:
    await _item(api)
    reply = await api.post("/batch", {"requests": [
        {"method": "POST", "path": "/parse/classes/Item", "body": {"n": 1}},
        {"method": "POST", "path": "/parse/classes/Other", "body": {"n": 2}}]})
    assert reply.status == 400
    assert reply.body == {"code": 119, "error": "Route not allowed by routeAllowList: POST classes/Other"}
    assert len((await api.get("/classes/Item", master=True)).body["results"]) == 1  # nothing ran
    ok = await api.post("/batch", {"requests": [{"method": "POST", "path": "/parse/classes/Item", "body": {}}]})
    assert ok.status == 200 and "success" in ok.body[0]


@pytest.mark.settings(schema=None, routeAllowList=[])
async def test_empty_route_allow_list_locks_every_route_but_the_master_key(api: Client) -> None:
    assert (await api.get("/classes/Item")).body == {"code": 119, "error": "Permission denied"}
    assert (await api.get("/classes/Item", master=True)).status == 200


@pytest.mark.parametrize(("overrides", "message"), [
    ({"readOnlyMasterKeyIps": ["10.0.0.300"]}, "option readOnlyMasterKeyIps: '10.0.0.300' is not an IP"),
    ({"masterKeyIps": "127.0.0.1"}, "option masterKeyIps must be a list"),
    ({"routeAllowList": ["classes/("]}, "option routeAllowList: 'classes/(' is not a valid regex"),
    ({"routeAllowList": [3]}, "option routeAllowList must be a list of regex strings"),
])
async def test_bad_values_are_one_line_boot_errors(overrides: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(".", r"\.")):
        Settings(appId="a", masterKey="m", **overrides)  # type: ignore[arg-type]


@pytest.mark.settings(schema=None, readOnlyMasterKey="read-only-key", allowAggregationForReadOnlyMasterKey=False)
async def test_read_only_key_may_not_aggregate_when_the_option_is_off(api: Client) -> None:
    await _item(api)
    refused = {"code": 119, "error": "Cannot run an aggregation pipeline when using the readOnlyMasterKey"}
    for params in ({"distinct": "n"}, {"pipeline": [{"$match": {"n": 1}}]}):
        reply = await api.get("/aggregate/Item", headers=READ_ONLY, params=params)
        assert reply.status == 400 and reply.body == refused
        assert (await api.get("/aggregate/Item", master=True, params=params)).status == 200


@pytest.mark.settings(schema=None, readOnlyMasterKey="read-only-key")
async def test_read_only_key_aggregates_by_default(api: Client) -> None:
    await _item(api)
    reply = await api.get("/aggregate/Item", headers=READ_ONLY, params={"distinct": "n"})
    assert reply.status == 200 and reply.body == {"results": [1]}
