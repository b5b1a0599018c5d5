"""The Live Query wire protocol: client messages validated as Parse Server does, server messages built.

Client messages are checked against Parse Server's request schemas (``RequestSchema.js``) with
the error texts of the tv4 validator Parse uses, so a client sees the same ``error`` frames:

- code 1: schema violation (``Missing required property: op``, ``No enum match for: "bogus"``,
  ``Additional properties not allowed``, ``Invalid type: string (expected number)``...), and,
  in parse-compat, text that is not JSON (Parse Server drops it silently);
- code 2: ``subscribe`` / ``unsubscribe`` before ``connect``, or an unknown subscription;
- code 3: an operation that passes the schema but has no handler (unreachable with this schema,
  as in Parse Server 9, kept for completeness);
- code 4: ``Key in request is not valid`` (see ``operations``).

Pure: no I/O. Server messages are compact JSON; event objects are passed in already serialized
so that one rendering serves every subscriber that sees the same object.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from ..codec import safe_json
from ..codec.values import json_type_name

SCHEMA_ERROR = 1
NOT_CONNECTED = 2
UNKNOWN_OPERATION = 3
INVALID_KEY = 4

OPS = ("connect", "subscribe", "unsubscribe", "update")
_STRING = {"type": "string"}
_NUMBER = {"type": "number"}
_FIELD_LIST = {"type": "array", "items": _STRING, "minItems": 1, "uniqueItems": True}
_QUERY = {
    "type": "object",
    "properties": {"className": _STRING, "where": {"type": "object"}, "keys": _FIELD_LIST, "watch": _FIELD_LIST},
    "required": ["where", "className"],
    "additionalProperties": False,
}
_SUBSCRIBE = {
    "type": "object",
    "properties": {"op": {}, "requestId": _NUMBER, "query": _QUERY, "sessionToken": _STRING},
    "required": ["op", "requestId", "query"],
    "additionalProperties": False,
}
SCHEMAS: dict[str, dict[str, Any]] = {
    "general": {"type": "object", "properties": {"op": {"type": "string", "enum": list(OPS)}}, "required": ["op"]},
    "connect": {
        "type": "object",
        "properties": {"op": {}, **{name: _STRING for name in (
            "applicationId", "javascriptKey", "masterKey", "clientKey", "windowsKey", "restAPIKey",
            "sessionToken", "installationId")}},
        "required": ["op", "applicationId"],
        "additionalProperties": False,
    },
    "subscribe": _SUBSCRIBE,
    "update": _SUBSCRIBE,
    "unsubscribe": {
        "type": "object",
        "properties": {"op": {}, "requestId": _NUMBER},
        "required": ["op", "requestId"],
        "additionalProperties": False,
    },
}


class ProtocolError(Exception):
    """A request the server answers with an ``error`` frame."""

    def __init__(self, code: int, message: str, reconnect: bool = True, request_id: Any = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.reconnect = reconnect
        self.request_id = request_id

    def frame(self) -> str:
        return error(self.code, self.message, self.reconnect, self.request_id)


@dataclass(frozen=True)
class Connect:
    application_id: str
    keys: dict[str, str]
    session_token: str | None
    installation_id: str | None


@dataclass(frozen=True)
class Subscribe:
    op: str  # "subscribe" or "update"
    request_id: int | float
    class_name: str
    where: dict[str, Any]
    keys: tuple[str, ...] | None
    watch: tuple[str, ...] | None
    session_token: str | None


@dataclass(frozen=True)
class Unsubscribe:
    request_id: int | float


Request = Connect | Subscribe | Unsubscribe


def _dump(value: Any) -> str:
    return safe_json.dumps(value)  # a badly stored value is repaired, never kills a fan-out


def schema_error(value: Any, schema: dict[str, Any]) -> str | None:
    """The first violation as tv4 words it, or None: type, enum, array rules, then object rules."""
    expected = schema.get("type")
    actual = json_type_name(value)
    if expected is not None and actual != expected:
        return f"Invalid type: {actual} (expected {expected})"
    if "enum" in schema and value not in schema["enum"]:
        return f"No enum match for: {_dump(value)}"
    if actual == "array":
        if len(value) < schema.get("minItems", 0):
            return f"Array is too short ({len(value)}), minimum {schema['minItems']}"
        if schema.get("uniqueItems"):
            for i, item in enumerate(value):
                for j in range(i):
                    if value[j] == item and json_type_name(value[j]) == json_type_name(item):
                        return f"Array items are not unique (indices {j} and {i})"
        if "items" in schema:
            for item in value:
                found = schema_error(item, schema["items"])
                if found:
                    return found
    if actual == "object":
        for name in schema.get("required", ()):
            if name not in value:
                return f"Missing required property: {name}"
        properties = schema.get("properties", {})
        for key, item in value.items():
            if key in properties:
                found = schema_error(item, properties[key])
                if found:
                    return found
            elif schema.get("additionalProperties") is False:
                return "Additional properties not allowed"
    return None


def _request_id(value: Any) -> int | float:
    return int(value) if isinstance(value, float) and value.is_integer() else value


def parse_request(text: str | bytes) -> Request:
    """One client frame → a typed request, or ``ProtocolError`` with Parse's code and text."""
    try:
        data = json.loads(text)
    except (ValueError, UnicodeDecodeError) as exc:
        raise ProtocolError(SCHEMA_ERROR, "Invalid JSON") from exc
    problem = schema_error(data, SCHEMAS["general"])
    if problem is None:
        problem = schema_error(data, SCHEMAS[data["op"]])
    if problem is not None:
        raise ProtocolError(SCHEMA_ERROR, problem)
    op = data["op"]
    if op == "connect":
        keys = {name: data[name] for name in ("javascriptKey", "masterKey", "clientKey", "windowsKey", "restAPIKey")
                if name in data}
        return Connect(data["applicationId"], keys, data.get("sessionToken"), data.get("installationId"))
    if op in ("subscribe", "update"):
        query = data["query"]
        selected = tuple(query["keys"]) if "keys" in query else None
        watch = tuple(query["watch"]) if "watch" in query else None
        return Subscribe(op, _request_id(data["requestId"]), query["className"], query["where"], selected, watch,
                         data.get("sessionToken"))
    if op == "unsubscribe":
        return Unsubscribe(_request_id(data["requestId"]))
    raise ProtocolError(UNKNOWN_OPERATION, "Get unknown operation")


def _head(op: str, client_id: str, installation_id: str | None) -> str:
    head = f'{{"op":"{op}","clientId":{_dump(client_id)}'
    if installation_id is not None:
        head += f',"installationId":{_dump(installation_id)}'
    return head


def connected(client_id: str, installation_id: str | None) -> str:
    return _head("connected", client_id, installation_id) + "}"


def subscribed(client_id: str, installation_id: str | None, request_id: Any) -> str:
    return _head("subscribed", client_id, installation_id) + f',"requestId":{_dump(request_id)}}}'


def unsubscribed(client_id: str, installation_id: str | None, request_id: Any) -> str:
    return _head("unsubscribed", client_id, installation_id) + f',"requestId":{_dump(request_id)}}}'


def error(code: int, message: str, reconnect: bool = True, request_id: Any = None) -> str:
    return _dump({"op": "error", "error": message, "code": code, "reconnect": reconnect, "requestId": request_id})


def event_ids(client_id: str, installation_id: str | None, request_id: Any) -> str:
    """The identifying middle of an event frame, computed once per subscription."""
    ids = f',"clientId":{_dump(client_id)}'
    if installation_id is not None:
        ids += f',"installationId":{_dump(installation_id)}'
    return ids + f',"requestId":{_dump(request_id)}'


def event_frame(op: str, ids: str, object_json: str, original_json: str | None = None) -> str:
    """An event frame around already-serialized objects (``original`` omitted when None)."""
    if original_json is None:
        return f'{{"op":"{op}"{ids},"object":{object_json}}}'
    return f'{{"op":"{op}"{ids},"object":{object_json},"original":{original_json}}}'


def event(op: str, client_id: str, installation_id: str | None, request_id: Any, object_json: str,
          original_json: str | None = None) -> str:
    return event_frame(op, event_ids(client_id, installation_id, request_id), object_json, original_json)


def dumps(value: Any) -> str:
    """Compact JSON, as JSON.stringify writes it."""
    return _dump(value)
