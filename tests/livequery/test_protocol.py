"""Client message validation with Parse Server's schemas, error texts and codes; server frames."""

from __future__ import annotations

import json

import pytest

from parse_compat.livequery import protocol
from parse_compat.livequery.protocol import Connect, ProtocolError, Subscribe, Unsubscribe, parse_request


def error_of(message: object) -> tuple[int, str]:
    with pytest.raises(ProtocolError) as caught:
        parse_request(message if isinstance(message, str) else json.dumps(message))
    return caught.value.code, caught.value.message


@pytest.mark.parametrize("message, expected", [
    ("not json", "Invalid JSON"),
    ([], "Invalid type: array (expected object)"),
    ({}, "Missing required property: op"),
    ({"op": 7}, "Invalid type: number (expected string)"),
    ({"op": "bogus"}, 'No enum match for: "bogus"'),
    ({"op": "query", "requestId": 1}, 'No enum match for: "query"'),
    ({"op": "connect"}, "Missing required property: applicationId"),
    ({"op": "connect", "applicationId": "a", "extra": 1}, "Additional properties not allowed"),
    ({"op": "connect", "applicationId": 5}, "Invalid type: number (expected string)"),
    ({"op": "subscribe", "query": {"className": "A", "where": {}}}, "Missing required property: requestId"),
    ({"op": "subscribe", "requestId": "1", "query": {"className": "A", "where": {}}},
     "Invalid type: string (expected number)"),
    ({"op": "subscribe", "requestId": 1, "query": {"className": "A"}}, "Missing required property: where"),
    ({"op": "subscribe", "requestId": 1, "query": {"className": "A", "where": None}},
     "Invalid type: null (expected object)"),
    ({"op": "subscribe", "requestId": 1, "query": {"className": "A", "where": {}, "fields": ["a"]}},
     "Additional properties not allowed"),
    ({"op": "subscribe", "requestId": 1, "query": {"className": "A", "where": {}, "keys": []}},
     "Array is too short (0), minimum 1"),
    ({"op": "subscribe", "requestId": 1, "query": {"className": "A", "where": {}, "watch": ["a", "a"]}},
     "Array items are not unique (indices 0 and 1)"),
    ({"op": "subscribe", "requestId": 1, "query": {"className": "A", "where": {}, "keys": [1]}},
     "Invalid type: number (expected string)"),
    ({"op": "unsubscribe"}, "Missing required property: requestId"),
    ({"op": "unsubscribe", "requestId": 1, "query": {}}, "Additional properties not allowed"),
])
def test_schema_errors_are_code_1_with_tv4_wording(message: object, expected: str) -> None:
    assert error_of(message) == (protocol.SCHEMA_ERROR, expected)


def test_valid_requests_become_typed_values() -> None:
    connect = parse_request(json.dumps({"op": "connect", "applicationId": "app", "javascriptKey": "js",
                                        "sessionToken": "r:1", "installationId": "inst"}))
    assert connect == Connect("app", {"javascriptKey": "js"}, "r:1", "inst")
    subscribe = parse_request(json.dumps({"op": "update", "requestId": 2.0, "sessionToken": "r:2", "query": {
        "className": "A", "where": {"n": 1}, "keys": ["n"], "watch": ["n", "m"]}}))
    assert subscribe == Subscribe("update", 2, "A", {"n": 1}, ("n",), ("n", "m"), "r:2")
    assert isinstance(subscribe, Subscribe) and type(subscribe.request_id) is int
    assert parse_request('{"op":"unsubscribe","requestId":3}') == Unsubscribe(3)


def test_server_frames_are_compact_json_in_parse_order() -> None:
    assert protocol.connected("c1", None) == '{"op":"connected","clientId":"c1"}'
    assert protocol.connected("c1", "inst") == '{"op":"connected","clientId":"c1","installationId":"inst"}'
    assert protocol.subscribed("c1", None, 4) == '{"op":"subscribed","clientId":"c1","requestId":4}'
    assert protocol.unsubscribed("c1", "i", 4) == (
        '{"op":"unsubscribed","clientId":"c1","installationId":"i","requestId":4}')
    assert json.loads(protocol.error(2, "x")) == {"op": "error", "error": "x", "code": 2, "reconnect": True,
                                                  "requestId": None}
    frame = protocol.event("enter", "c1", None, 7, '{"a":1}', '{"a":0}')
    assert json.loads(frame) == {"op": "enter", "clientId": "c1", "requestId": 7, "object": {"a": 1},
                                 "original": {"a": 0}}
    assert "original" not in json.loads(protocol.event("create", "c1", None, 7, '{"a":1}'))
