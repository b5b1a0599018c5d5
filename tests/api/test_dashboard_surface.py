"""What SDKs and Parse Dashboard see on the routes issue 14 adds or changes: `/scriptlog` from the
app's log ring, `POST /events/<name>`, `/serverInfo` features, `/schemas` on a fresh server,
master-only routes' bare 403, and Express's HTML 404 for unknown routes."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from parse_compat.analytics import NoAnalytics

from .conftest import Client

pytestmark = pytest.mark.asyncio
READ_ONLY_KEY = "read-only-key"
RECORDED: list[tuple[str, dict[str, Any]]] = []


class RecordingAnalytics(NoAnalytics):
    async def track_event(self, name: str, parameters: dict[str, Any], request: Any) -> Any:
        RECORDED.append((name, parameters))
        return None

    async def app_opened(self, parameters: dict[str, Any], request: Any) -> Any:
        RECORDED.append(("AppOpened", parameters))
        raise RuntimeError("an adapter failure is not the SDK's problem")


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return {"schema": None, "readOnlyMasterKey": READ_ONLY_KEY,
            "analyticsAdapter": {"module": f"{__name__}:RecordingAnalytics"}}


async def test_scriptlog_serves_the_servers_own_lines_with_parse_parameters(api: Client) -> None:
    log = logging.getLogger("parse_compat.test_surface")
    log.warning("first line")
    log.error("second line: %s", "broken")
    try:
        raise ValueError("patient Jane Doe")
    except ValueError:
        log.exception("third line")
    logging.getLogger("parse_compat.cloud.user").error("cloud code says patient Jane Doe")
    newest = (await api.get("/scriptlog", master=True)).body
    messages = [line["message"] for line in newest]
    assert messages[:3] == ["third line (builtins.ValueError; message withheld)", "second line: broken",
                            "first line"]
    assert not any("Jane" in m for m in messages)  # no exception text, no cloud code's own lines
    assert {"level", "message", "timestamp"} <= set(newest[0]) and newest[0]["timestamp"].endswith("Z")
    errors = (await api.get("/scriptlog", master=True, params={"level": "error"})).body
    assert [line["level"] for line in errors] == ["error"] * len(errors) and len(errors) >= 2
    oldest_two = (await api.get("/scriptlog", master=True, params={"order": "asc", "size": 2})).body
    assert len(oldest_two) == 2 and oldest_two[0]["timestamp"] <= oldest_two[1]["timestamp"]
    none_yet = (await api.get("/scriptlog", master=True, params={"until": "2001-01-01T00:00:00.000Z"})).body
    assert none_yet == []
    future = (await api.get("/scriptlog", master=True, params={"from": "2999-01-01T00:00:00Z",
                                                                "until": "3000-01-01T00:00:00Z"})).body
    assert future == []
    plain = await api.get("/scriptlog")
    assert plain.status == 403 and plain.body == {"error": "Permission denied"}
    assert (await api.get("/scriptlog", headers={"X-Parse-Master-Key": READ_ONLY_KEY})).status == 200


async def test_the_ring_is_bounded_and_per_app(api: Client) -> None:
    assert api.state is not None
    ring = api.state.services.log_ring
    log = logging.getLogger("parse_compat.test_surface")
    for number in range(1100):
        log.warning("line %d", number)
    lines = ring.query(size=5000)
    assert len(lines) == 1000 and lines[0]["message"] == "line 1099"
    assert (await api.get("/scriptlog", master=True, params={"size": 99999})).body[-1]["message"] == "line 100"


async def test_events_are_accepted_as_parse_does(api: Client) -> None:
    RECORDED.clear()
    opened = await api.post("/events/AppOpened", {"at": {"__type": "Date", "iso": "2024-01-01T00:00:00.000Z"}})
    assert opened.status == 200 and opened.body == {}
    custom = await api.post("/events/Search", {"dimensions": {"category": "books"}})
    assert custom.status == 200 and custom.body == {}
    assert RECORDED == [("AppOpened", {"at": {"__type": "Date", "iso": "2024-01-01T00:00:00.000Z"}}),
                        ("Search", {"dimensions": {"category": "books"}})]
    assert (await api.post("/events/Search", {}, app_id="wrong")).status == 403


async def test_server_info_lists_what_this_server_has(api: Client) -> None:
    features = (await api.get("/serverInfo", master=True)).body["features"]
    assert features["hooks"] == {"create": True, "read": True, "update": True, "delete": True}
    assert all(features["logs"].values())
    assert features["push"]["immediatePush"] and features["push"]["pushAudiences"]
    assert features["push"]["scheduledPush"] is False
    assert (await api.get("/serverInfo")).body == {"error": "Permission denied"}


async def test_a_fresh_server_lists_the_classes_a_fresh_parse_server_lists(api: Client) -> None:
    await api.put("/config", {"params": {"motd": "hi"}}, master=True)
    names = [s["className"] for s in (await api.get("/schemas", master=True)).body["results"]]
    assert names == ["_Idempotency", "_Role", "_User"]
    await api.post("/installations", {"installationId": "00000000-0000-0000-0000-000000000001",
                                      "deviceType": "ios"}, master=True)
    await api.post("/users", {"username": "s", "password": "pw-s"})
    names = [s["className"] for s in (await api.get("/schemas", master=True)).body["results"]]
    assert names == ["_Idempotency", "_Installation", "_Role", "_Session", "_User"]


@pytest.mark.parametrize(("method", "path"), [
    ("GET", "/schemas"), ("GET", "/serverInfo"), ("GET", "/cloud_code/jobs"), ("PUT", "/config"),
    ("GET", "/push_audiences"), ("POST", "/push"), ("GET", "/hooks/functions"), ("GET", "/scriptlog"),
])
async def test_master_only_routes_answer_a_bare_403(api: Client, method: str, path: str) -> None:
    reply = await api.request(method, path, {} if method != "GET" else None)
    assert reply.status == 403 and reply.body == {"error": "Permission denied"}


@pytest.mark.settings(enableSanitizedErrorResponse=False)
async def test_unsanitized_master_refusal_names_the_master_key(api: Client) -> None:
    assert (await api.get("/schemas")).body == {"error": "unauthorized: master key is required"}


async def test_a_master_only_route_in_a_batch_fails_without_a_code(api: Client) -> None:
    reply = await api.post("/batch", {"requests": [{"method": "GET", "path": "/parse/schemas"},
                                                   {"method": "GET", "path": "/parse/classes/_Role"}]})
    assert reply.status == 200
    assert reply.body[0] == {"error": {"error": "Permission denied"}} and "success" in reply.body[1]


async def test_unknown_routes_answer_express_html_404(api: Client) -> None:
    for method in ("GET", "POST", "PUT", "DELETE"):
        reply = await api.request(method, "/no/such/route")
        assert reply.status == 404 and reply.headers["Content-Type"].startswith("text/html")
        assert f"<pre>Cannot {method}</pre>" in reply.body and "no/such" not in reply.body
        assert reply.headers["X-Content-Type-Options"] == "nosniff"
        assert "default-src 'none'" in reply.headers["Content-Security-Policy"]
    # Parse has no DELETE route for hooks either
    assert (await api.delete("/hooks/functions/f", master=True)).status == 404
