"""`POST /push` with `_PushStatus`, and `/push_audiences` (issue 14): Parse's validation
messages, the status row's transitions and counts, the status id header, a custom push adapter
loaded from the `push` option, and the master-key / read-only refusals."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest

from .conftest import Client

pytestmark = pytest.mark.asyncio
READ_ONLY_KEY = "read-only-key"
RO = {"X-Parse-Master-Key": READ_ONLY_KEY}
SENT: list[dict[str, Any]] = []


class RecordingPushAdapter:
    """A push adapter (the option's `module:attribute` form) that transmits to iOS only."""

    def __init__(self, options: dict[str, Any]) -> None:
        self.options = options

    def valid_push_types(self) -> list[str]:
        return ["ios", "android"]

    async def send(self, body: dict[str, Any], installations: list[dict[str, Any]], push_status_id: str) -> list[Any]:
        SENT.append({"body": body, "tokens": sorted(i["deviceToken"] for i in installations),
                     "status": push_status_id, "options": self.options})
        return [{"device": {"deviceToken": i["deviceToken"], "deviceType": i["deviceType"]},
                 "transmitted": i["deviceType"] == "ios"} for i in installations]


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return {"readOnlyMasterKey": READ_ONLY_KEY,
            "push": {"adapter": f"{__name__}:RecordingPushAdapter", "label": "x", "queueOptions": {"batchSize": 2}}}


async def _installations(api: Client) -> None:
    rows = [("a1", "ios", ["news"]), ("a2", "ios", ["news"]), ("a3", "android", ["news"]), ("a4", "ios", ["other"])]
    for number, (token, kind, channels) in enumerate(rows):
        reply = await api.post("/installations", {"installationId": f"00000000-0000-0000-0000-00000000000{number}",
                                                  "deviceType": kind, "deviceToken": token, "channels": channels,
                                                  "badge": 3}, master=True)
        assert reply.status == 201, reply.body
    no_token = await api.post("/installations", {"installationId": "00000000-0000-0000-0000-000000000009",
                                                 "deviceType": "ios", "channels": ["news"]}, master=True)
    assert no_token.status == 201


async def _status(api: Client, status_id: str) -> dict[str, Any]:
    assert api.state is not None
    await api.state.services.push.wait_idle()
    reply = await api.get(f"/classes/_PushStatus/{status_id}", master=True)
    assert reply.status == 200, reply.body
    return dict(reply.body)


async def test_a_channel_push_is_recorded_sent_in_batches_and_counted(api: Client) -> None:
    SENT.clear()
    await _installations(api)
    reply = await api.post("/push", {"channels": ["news"], "data": {"alert": "Hello"}}, master=True)
    assert reply.status == 200 and reply.body == {"result": True}
    status_id = reply.headers["X-Parse-Push-Status-Id"]
    status = await _status(api, status_id)
    assert status["status"] == "succeeded" and "count" not in status
    assert status["numSent"] == 2 and status["numFailed"] == 1
    assert status["sentPerType"] == {"ios": 2} and status["failedPerType"] == {"android": 1}
    assert json.loads(status["query"]) == {"channels": {"$in": ["news"]}}
    assert json.loads(status["payload"]) == {"alert": "Hello"} and status["source"] == "rest"
    assert status["pushHash"] == "8b1a9953c4611296a827abf8c47804d7"  # md5("Hello"), as Parse
    # batches of two, in objectId order; the installation without a deviceToken is left out
    assert [len(s["tokens"]) for s in SENT] == [2, 1]
    assert sorted(t for s in SENT for t in s["tokens"]) == ["a1", "a2", "a3"]
    assert all(s["status"] == status_id and s["options"] == {"label": "x"} for s in SENT)
    # the status rows are master-only
    assert (await api.get(f"/classes/_PushStatus/{status_id}")).body["code"] == 119


async def test_a_push_that_reaches_nobody_succeeds_at_once(api: Client) -> None:
    reply = await api.post("/push", {"where": {"deviceType": "winrt"}, "data": {"alert": "x"}}, master=True)
    status = await _status(api, reply.headers["X-Parse-Push-Status-Id"])
    assert status["status"] == "succeeded" and status["numSent"] == 0


async def test_an_incrementing_badge_is_sent_per_value_and_stored(api: Client) -> None:
    SENT.clear()
    await _installations(api)
    reply = await api.post("/push", {"where": {"deviceType": "ios", "channels": "news"},
                                     "data": {"alert": "b", "badge": "Increment"}}, master=True)
    await _status(api, reply.headers["X-Parse-Push-Status-Id"])
    assert {s["body"]["data"]["badge"] for s in SENT} == {4}
    rows = (await api.get("/installations", params={"where": {"deviceToken": {"$in": ["a1", "a2", "a4"]}}},
                          master=True)).body["results"]
    assert sorted(r["badge"] for r in rows) == [3, 4, 4]


@pytest.mark.parametrize(("body", "message"), [
    ({"data": {"alert": "x"}}, 'Sending a push requires either "channels" or a "where" query.'),
    ({"where": {}, "channels": ["a"], "data": {}}, "Channels and query can not be set at the same time."),
    ({"where": {}, "data": {}, "expiration_time": True}, "True is not valid time."),
    ({"where": {}, "data": {}, "push_time": "not a date"}, "not a date is not valid time."),
    ({"where": {}, "data": {}, "expiration_interval": -1}, "expiration_interval must be a number greater than 0"),
    ({"where": {}, "data": {}, "expiration_interval": 5, "expiration_time": 1900000000},
     "Both expiration_time and expiration_interval cannot be set"),
])
async def test_bad_pushes_are_refused_with_parse_messages_and_record_nothing(
        api: Client, body: dict[str, Any], message: str) -> None:
    reply = await api.post("/push", body, master=True)
    assert reply.status == 400 and reply.body == {"code": 115, "error": message}
    assert (await api.get("/classes/_PushStatus", master=True)).body["results"] == []


async def test_expiry_and_push_time_are_stored_as_parse_does(api: Client) -> None:
    reply = await api.post("/push", {"where": {}, "data": {"alert": "t"}, "expiration_time": 1900000000,
                                     "push_time": "2030-01-01T10:00:00Z"}, master=True)
    status = await _status(api, reply.headers["X-Parse-Push-Status-Id"])
    assert status["expiry"] == 1900000000000
    assert status["status"] == "succeeded"  # scheduledPush is off: sent now, as Parse


async def test_push_needs_the_writable_master_key(api: Client) -> None:
    body = {"where": {}, "data": {"alert": "x"}}
    plain = await api.post("/push", body)
    assert plain.status == 403 and plain.body == {"error": "Permission denied"}
    read_only = await api.post("/push", body, headers=RO)
    assert read_only.status == 400 and read_only.body == {
        "code": 119, "error": "read-only masterKey isn't allowed to send push notifications."}
    assert (await api.get("/classes/_PushStatus", master=True)).body["results"] == []


async def test_audiences_crud_with_the_query_parsed_on_read(api: Client) -> None:
    query = {"deviceType": {"$in": ["ios"]}}
    created = await api.post("/push_audiences", {"name": "iOS", "query": json.dumps(query)}, master=True)
    assert created.status == 201, created.body
    audience_id = created.body["objectId"]
    listed = await api.get("/push_audiences", master=True)
    assert [(a["name"], a["query"]) for a in listed.body["results"]] == [("iOS", query)]
    one = await api.get(f"/push_audiences/{audience_id}", master=True)
    assert one.body["query"] == query
    assert (await api.put(f"/push_audiences/{audience_id}", {"name": "Apple"}, master=True)).status == 200
    await api.post("/push", {"where": query, "data": {"alert": "a"}, "audience_id": audience_id}, master=True)
    assert api.state is not None
    await api.state.services.push.wait_idle()
    used = (await api.get(f"/push_audiences/{audience_id}", master=True)).body
    assert used["name"] == "Apple" and used["timesUsed"] == 1 and used["lastUsed"]["__type"] == "Date"
    # no client key, no read-only writes
    for method, path, body in (("GET", "/push_audiences", None), ("GET", f"/push_audiences/{audience_id}", None),
                               ("POST", "/push_audiences", {"name": "x", "query": "{}"}),
                               ("PUT", f"/push_audiences/{audience_id}", {"name": "y"}),
                               ("DELETE", f"/push_audiences/{audience_id}", None)):
        refused = await api.request(method, path, body)
        assert refused.status == 403 and refused.body == {"error": "Permission denied"}, (method, path)
        if method != "GET":
            read_only = await api.request(method, path, body, headers=RO)
            assert read_only.body["code"] == 119, (method, path, read_only.body)
    assert (await api.get(f"/push_audiences/{audience_id}", headers=RO)).status == 200
    assert (await api.delete(f"/push_audiences/{audience_id}", master=True)).status == 200
    assert (await api.get("/push_audiences", master=True)).body["results"] == []


async def test_the_default_adapter_sends_nothing_and_says_so(tmp_path: Any) -> None:
    from aiohttp.test_utils import TestClient, TestServer

    from parse_compat.app import STATE_KEY, create_app

    from .conftest import APP_ID, MASTER_KEY, make_settings

    app = create_app(make_settings(tmp_path, "sqlite", schema=None))
    async with TestClient(TestServer(app, host="127.0.0.1")) as client:
        headers = {"X-Parse-Application-Id": APP_ID, "X-Parse-Master-Key": MASTER_KEY}
        await client.post("/parse/installations", json={"installationId": "00000000-0000-0000-0000-000000000001",
                                                        "deviceType": "android", "deviceToken": "t"}, headers=headers)
        reply = await client.post("/parse/push", json={"where": {}, "data": {"alert": "x"}}, headers=headers)
        status_id = reply.headers["X-Parse-Push-Status-Id"]
        await asyncio.wait_for(client.server.app[STATE_KEY].services.push.wait_idle(), 5)
        status = await (await client.get(f"/parse/classes/_PushStatus/{status_id}", headers=headers)).json()
        assert status["status"] == "succeeded" and status["numSent"] == 0 and status["numFailed"] == 1


@pytest.mark.settings(scheduledPush=True)
async def test_a_scheduled_push_waits_for_its_time_and_is_sent_once(api: Client) -> None:
    from datetime import UTC, datetime, timedelta

    SENT.clear()
    await _installations(api)
    at = datetime.now(UTC) + timedelta(hours=2)
    reply = await api.post("/push", {"channels": ["other"], "data": {"alert": "later"},
                                     "push_time": at.isoformat().replace("+00:00", "Z")}, master=True)
    status_id = reply.headers["X-Parse-Push-Status-Id"]
    status = await _status(api, status_id)
    assert status["status"] == "scheduled" and status["pushTime"].startswith(at.strftime("%Y-%m-%dT%H:%M"))
    assert SENT == []
    assert api.state is not None
    service = api.state.services.push
    assert await service.send_due(at - timedelta(minutes=1)) == []
    assert await service.send_due(at + timedelta(seconds=1)) == [status_id]
    assert await service.send_due(at + timedelta(seconds=2)) == []  # claimed once
    status = await _status(api, status_id)
    assert status["status"] == "succeeded" and status["numSent"] == 1
    assert [s["tokens"] for s in SENT] == [["a4"]] and SENT[0]["body"]["data"] == {"alert": "later"}
    features = (await api.get("/serverInfo", master=True)).body["features"]
    assert features["push"]["scheduledPush"] is True


async def test_localized_alerts_go_to_devices_of_that_locale(api: Client) -> None:
    SENT.clear()
    for number, (token, locale) in enumerate((("fr1", "fr-FR"), ("de1", "de-DE"), ("en1", "en-US"))):
        await api.post("/installations", {"installationId": f"00000000-0000-0000-0000-00000000001{number}",
                                          "deviceType": "ios", "deviceToken": token, "localeIdentifier": locale},
                       master=True)
    reply = await api.post("/push", {"where": {}, "data": {"alert": "Hello", "alert-fr": "Bonjour",
                                                          "title-fr": "Salut", "alert-de": "Hallo"}}, master=True)
    status = await _status(api, reply.headers["X-Parse-Push-Status-Id"])
    assert status["numSent"] == 3
    by_token = {token: s["body"]["data"] for s in SENT for token in s["tokens"]}
    assert by_token == {"fr1": {"alert": "Bonjour", "title": "Salut"}, "de1": {"alert": "Hallo"},
                        "en1": {"alert": "Hello"}}


async def test_push_and_hooks_are_refused_inside_a_transaction(api: Client) -> None:
    # a store without transactions refuses every transactional batch (108) before looking at the items
    expected = 107 if api.adapter_capabilities.transactions else 108
    for path, body in (("/parse/push", {"where": {}, "data": {"alert": "x"}}),
                       ("/parse/hooks/functions", {"functionName": "f", "url": "https://example.com/f"})):
        reply = await api.post("/batch", {"transaction": True, "requests": [
            {"method": "POST", "path": path, "body": body}]}, master=True)
        assert reply.status == 400 and reply.body["code"] == expected, reply.body
    assert (await api.get("/classes/_PushStatus", master=True)).body["results"] == []
    assert (await api.get("/hooks/functions", master=True)).body == []
