"""`logLevels`: cloud function runs, triggers and a taken username are logged at the levels the
option gives (Parse's keys and defaults), `silent` drops them, and no line carries input or result.
Read back through `GET /scriptlog`."""

from __future__ import annotations

import logging

import pytest

from parse_compat.settings import Settings

from .conftest import Client

pytestmark = pytest.mark.asyncio
CLOUD = "tests.api.log_levels_cloud"


async def _lines(api: Client, needle: str) -> list[tuple[str, str]]:
    reply = await api.get("/scriptlog", master=True, params={"size": 1000, "level": "debug"})
    assert reply.status == 200, reply.body
    return [(line["level"], line["message"]) for line in reply.body if needle in line["message"]]


@pytest.mark.settings(schema=None, cloud=CLOUD, allowClientClassCreation=True,
                      logLevels={"cloudFunctionSuccess": "warn", "triggerAfter": "silent"})
async def test_events_are_logged_at_the_configured_levels(api: Client, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="parse_compat")
    user = await api.post("/users", {"username": "ann", "password": "pw-ann-1"})
    assert user.status == 201
    assert (await api.post("/functions/hello", {}, session_token=user.body["sessionToken"])).status == 200
    assert (await api.post("/functions/broken", {})).body == {"code": 141, "error": "no such patient"}
    assert (await api.post("/classes/Item", {"n": 1})).status == 201
    assert (await api.post("/classes/Item", {"n": -1})).body == {"code": 142, "error": "negative"}
    assert (await api.post("/users", {"username": "ann", "password": "pw-other-1"})).body["code"] == 202
    user_id = user.body["objectId"]
    assert await _lines(api, "cloud function") == [
        ("error", "Failed running cloud function broken for user undefined: code 141"),
        ("warn", f"Ran cloud function hello for user {user_id}"),
    ]  # newest first
    assert await _lines(api, "for Item") == [
        ("error", "beforeSave failed for Item for user undefined: code 142"),
        ("info", "beforeSave triggered for Item for user undefined"),
    ]  # afterSave is silent
    assert await _lines(api, "Account already exists") == [
        ("info", "Parse error: Account already exists for this username.")]
    everything = " ".join(message for _, message in await _lines(api, ""))
    assert "Jane" not in everything and "no such patient" not in everything


@pytest.mark.parametrize(("value", "message"), [
    (["info"], "option logLevels must be an object"),
    ({"cloudFunctionSucces": "info"}, "option logLevels: unknown key"),
    ({"triggerAfter": "loud"}, "option logLevels.triggerAfter must be one of"),
])
async def test_bad_values_are_one_line_boot_errors(value: object, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        Settings(appId="a", masterKey="m", logLevels=value)  # type: ignore[arg-type]
