"""The pure parts: Parse's GraphQL names (npm pluralize rules), global ids and cursors, Relay
pagination windows, and GraphQL arguments → Parse REST JSON."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from parse_compat.errors import ParseError
from parse_compat.graphql.names import (
    cursor_to_offset,
    find_query_name,
    from_global_id,
    get_query_name,
    graphql_class_name,
    object_id_of,
    offset_to_cursor,
    pluralize,
    to_global_id,
)
from parse_compat.graphql.pagination import window
from parse_compat.graphql.translate import acl_to_parse, fields_to_parse, where_to_parse
from parse_compat.storage.base import ClassSchema


@pytest.mark.parametrize(("class_name", "get", "find"), [
    ("_User", "user", "users"), ("_Role", "role", "roles"), ("_Session", "session", "sessions"),
    ("Patient", "patient", "patients"), ("TreatmentPlan", "treatmentPlan", "treatmentPlans"),
    ("XRayLog", "xRayLog", "xRayLogs"), ("AppointmentReminder", "appointmentReminder", "appointmentReminders"),
    ("Category", "category", "categories"), ("Status", "status", "statuses"), ("Box", "box", "boxes"),
    ("Person", "person", "people"), ("Equipment", "equipment", "equipment"), ("Day", "day", "days"),
    ("Analysis", "analysis", "analyses"), ("Leaf", "leaf", "leaves"), ("Datum", "datum", "data"),
])
def test_query_names_as_parse_generates_them(class_name: str, get: str, find: str) -> None:
    assert get_query_name(class_name) == get and find_query_name(class_name) == find


def test_class_names_ids_and_cursors() -> None:
    assert graphql_class_name("_User") == "User" and graphql_class_name("note") == "Note"
    assert pluralize("Sheep") == "Sheep"
    assert to_global_id("Patient", "abc") == "UGF0aWVudDphYmM="  # base64("Patient:abc"), graphql-relay's
    assert from_global_id("UGF0aWVudDphYmM=") == ("Patient", "abc")
    assert from_global_id("not base64!") is None
    assert object_id_of(to_global_id("Patient", "abc"), "Patient") == "abc"
    assert object_id_of(to_global_id("Other", "abc"), "Patient") == to_global_id("Other", "abc")
    assert offset_to_cursor(3) == "YXJyYXljb25uZWN0aW9uOjM=" and cursor_to_offset(offset_to_cursor(3)) == 3
    assert cursor_to_offset("garbage") is None


def test_pagination_windows() -> None:
    assert window(None, 3, None, None, None, None).__dict__ == {"skip": None, "limit": 3, "needs_pre_count": False}
    assert window(2, 3, offset_to_cursor(4), None, None, None).skip == 7
    assert window(None, None, None, None, offset_to_cursor(5), None).limit == 5
    assert window(None, 10, None, 3, None, None).__dict__ == {"skip": 7, "limit": 3, "needs_pre_count": False}
    assert window(None, None, None, 4, None, None).needs_pre_count is True
    assert window(None, None, None, 500, None, 100).limit == 100
    for args in ((-1, None, None, None, None), (None, -1, None, None, None), (None, None, "bad", None, None),
                 (None, None, None, -2, None), (None, None, None, None, "bad")):
        with pytest.raises(ParseError) as caught:
            window(*args, None)
        assert caught.value.code == 102


CLASSES = {
    "Patient": ClassSchema("Patient", {"name": {"type": "String"}, "owner": {"type": "Pointer", "targetClass": "_User"},
                                       "meta": {"type": "Object"}, "tags": {"type": "Relation", "targetClass": "Tag"},
                                       "where": {"type": "GeoPoint"}}),
    "_User": ClassSchema("_User", {"username": {"type": "String"}}),
}


def test_where_translation() -> None:
    where: dict[str, Any] = {
        "id": {"in": [to_global_id("Patient", "a1"), "b2"]},
        "name": {"equalTo": "x", "matchesRegex": "^x", "options": "i"},
        "owner": {"have": {"username": {"equalTo": "u"}}},
        "meta": {"equalTo": {"key": "level", "value": 3}},
        "tags": {"exists": True},
        "where": {"nearSphere": {"latitude": 1.0, "longitude": 2.0}, "maxDistanceInKilometers": 5.0},
        "OR": [{"name": {"text": {"search": {"term": "ann", "language": "en"}}}}],
    }
    assert where_to_parse(where, "Patient", CLASSES) == {
        "objectId": {"$in": ["a1", "b2"]},
        "name": {"$eq": "x", "$regex": "^x", "$options": "i"},
        "owner": {"$inQuery": {"where": {"username": {"$eq": "u"}}, "className": "_User"}},
        "meta.level": {"$eq": 3},
        "tags": {"$inQuery": {"where": {"objectId": {"$exists": True}}, "className": "Tag"}},
        "where": {"$nearSphere": {"__type": "GeoPoint", "latitude": 1.0, "longitude": 2.0},
                  "$maxDistanceInKilometers": 5.0},
        "$or": [{"name": {"$text": {"$search": {"$term": "ann", "$language": "en"}}}}],
    }


def test_fields_translation() -> None:
    created: list[tuple[str, dict[str, Any]]] = []

    async def create(class_name: str, fields: dict[str, Any]) -> str:
        created.append((class_name, fields))
        return "new1"

    fields = {"name": None, "owner": {"link": to_global_id("_User", "u1")},
              "tags": {"add": ["t1"], "remove": [to_global_id("Tag", "t2")]},
              "where": {"latitude": 1.0, "longitude": 2.0},
              "ACL": {"users": [{"userId": to_global_id("_User", "u1"), "read": True, "write": False}],
                      "roles": [{"roleName": "staff", "read": True, "write": True}]}}
    body = asyncio.run(fields_to_parse(fields, "Patient", CLASSES, create))
    assert body == {
        "name": {"__op": "Delete"},
        "owner": {"__type": "Pointer", "className": "_User", "objectId": "u1"},
        "tags": {"__op": "Batch", "ops": [
            {"__op": "AddRelation", "objects": [{"__type": "Pointer", "className": "Tag", "objectId": "t1"}]},
            {"__op": "RemoveRelation", "objects": [{"__type": "Pointer", "className": "Tag", "objectId": "t2"}]}]},
        "where": {"__type": "GeoPoint", "latitude": 1.0, "longitude": 2.0},
        "ACL": {"u1": {"read": True, "write": False}, "role:staff": {"read": True, "write": True}},
    }
    nested = asyncio.run(fields_to_parse({"owner": {"createAndLink": {"username": "z"}}}, "Patient", CLASSES, create))
    assert nested == {"owner": {"__type": "Pointer", "className": "_User", "objectId": "new1"}}
    assert created == [("_User", {"username": "z"})]
    with pytest.raises(ParseError) as caught:
        asyncio.run(fields_to_parse({"owner": {"link": "a", "createAndLink": {}}}, "Patient", CLASSES, create))
    assert caught.value.code == 106
    assert acl_to_parse({"public": {"read": True, "write": False}}) == {"*": {"read": True, "write": False}}
