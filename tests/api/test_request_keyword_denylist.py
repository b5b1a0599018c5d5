"""`requestKeywordDenylist`: configured keys/values (Parse's shape) are refused with 105 anywhere
in request data and change nothing; Parse's defaults stay refused whatever the option says."""

from __future__ import annotations

import pytest

from parse_compat.settings import Settings

from .conftest import Client

pytestmark = pytest.mark.asyncio
DENYLIST = [{"key": "^secret"}, {"value": "DROP TABLE"}, {"key": "flag", "value": True}, {"value": 666}]


async def _count(api: Client) -> int:
    reply = await api.get("/classes/Item", master=True, params={"count": 1, "limit": 0})
    return int(reply.body["count"]) if reply.status == 200 else 0


@pytest.mark.settings(schema=None, allowClientClassCreation=True, requestKeywordDenylist=DENYLIST)
async def test_configured_keywords_are_refused_anywhere_and_nothing_is_written(api: Client) -> None:
    refused = [
        ({"a": {"b": [{"secretNote": 1}]}}, '{"key":"^secret"}'),
        ({"a": "x; DROP TABLE y"}, '{"value":"DROP TABLE"}'),
        ({"tags": ["ok", "DROP TABLE"]}, '{"value":"DROP TABLE"}'),
        ({"flag": True}, '{"key":"flag","value":true}'),
        ({"n": 666}, '{"value":666}'),
    ]
    for body, shown in refused:
        reply = await api.post("/classes/Item", body)
        assert reply.status == 400, body
        assert reply.body == {"code": 105, "error": f"Prohibited keyword in request data: {shown}."}
    assert await _count(api) == 0
    # near misses pass: the key regex is anchored at the start, true is not 1, 666.5 is not 666
    ok = await api.post("/classes/Item", {"mySecret": 1, "flag": 1, "n": 666.5, "other": True})
    assert ok.status == 201, ok.body
    where = await api.get("/classes/Item", params={"where": {"secretNote": 1}})
    assert where.body == {"code": 105, "error": 'Prohibited keyword in request data: {"key":"^secret"}.'}
    assert (await api.get("/classes/Item", params={"where": {"flag": 1}})).status == 200


@pytest.mark.settings(schema=None, allowClientClassCreation=True, requestKeywordDenylist=[])
async def test_parse_defaults_stay_refused_with_an_empty_list(api: Client) -> None:
    reply = await api.post("/classes/Item", {"a": {"constructor": 1}})
    assert reply.status == 400 and reply.body["code"] == 105
    assert await _count(api) == 0


@pytest.mark.parametrize(("value", "message"), [
    ({"key": "a"}, "must be an array"),
    ([{"kee": "a"}], "each entry is"),
    ([{"key": ["a"]}], "keys and values are strings"),
    ([{"value": "("}], "is not a valid regex"),
])
async def test_bad_values_are_one_line_boot_errors(value: object, message: str) -> None:
    with pytest.raises(ValueError, match=f"option requestKeywordDenylist.*{message}"):
        Settings(appId="a", masterKey="m", requestKeywordDenylist=value)  # type: ignore[arg-type]
