"""Rows → storage documents (parse_compat/importer/conversion.py) and reading the downloads
(sources.py), without a server: Parse's MongoDB layout through the MongoDB adapter's reader,
the Dashboard export's SDK objects, hosted Parse's `bcryptPassword`, and bad input refused with
Parse's error."""

from __future__ import annotations

import gzip
from datetime import UTC, datetime
from pathlib import Path

import bcrypt
import bson
import pytest

from parse_compat.auth.passwords import verify_password
from parse_compat.errors import ParseError
from parse_compat.importer import sources
from parse_compat.importer.conversion import from_export_row, from_mongo_row
from parse_compat.importer.files import upload_name
from parse_compat.storage.mongo.schema_store import document_to_schema

USER_SCHEMA = document_to_schema({"_id": "_User", "username": "string", "email": "string", "authData": "object"})
VISIT_SCHEMA = document_to_schema({"_id": "Visit", "chart": "*Chart", "xray": "file", "when": "date",
                                   "spot": "geopoint", "visits": "relation<Visit>"})


def test_a_parse_user_document_keeps_its_hash_auth_data_and_permissions() -> None:
    hashed = bcrypt.hashpw(b"secret", bcrypt.gensalt(rounds=4)).decode()
    imported = from_mongo_row(USER_SCHEMA, {
        "_id": "u1", "_created_at": datetime(2020, 1, 2, 3, 4, 5, 6000), "_updated_at": datetime(2021, 1, 1),
        "username": "ann", "_hashed_password": hashed, "_auth_data_facebook": {"id": "fb1"},
        "_session_token": "r:old", "_perishable_token": "t", "_rperm": ["*", "u1"], "_wperm": ["u1"],
        "_acl": {"*": {"r": True}, "u1": {"r": True, "w": True}}})
    assert imported.doc == {"objectId": "u1", "createdAt": "2020-01-02T03:04:05.006Z",
                            "updatedAt": "2021-01-01T00:00:00.000Z", "username": "ann",
                            "authData": {"facebook": {"id": "fb1"}}, "_rperm": ["*", "u1"], "_wperm": ["u1"],
                            "_hashed_password": hashed}


def test_a_parse_object_document_gets_pointers_files_dates_and_geopoints() -> None:
    imported = from_mongo_row(VISIT_SCHEMA, {
        "_id": "v1", "_created_at": datetime(2020, 1, 1, tzinfo=UTC), "_updated_at": datetime(2020, 1, 1, tzinfo=UTC),
        "_p_chart": "Chart$c1", "xray": "abc_x.png", "when": datetime(2022, 2, 2), "spot": [13.4, 52.5]})
    assert imported.doc["chart"] == {"__type": "Pointer", "className": "Chart", "objectId": "c1"}
    assert imported.doc["xray"] == {"__type": "File", "name": "abc_x.png"}
    assert imported.doc["when"] == {"__type": "Date", "iso": "2022-02-02T00:00:00.000Z"}
    assert imported.doc["spot"] == {"__type": "GeoPoint", "latitude": 52.5, "longitude": 13.4}
    assert imported.file_urls == {"xray": None}
    assert imported.types["chart"] == {"type": "Pointer", "targetClass": "Chart"}


def test_a_dashboard_row_reduces_included_objects_and_relations_and_drops_session_data() -> None:
    imported = from_export_row("_User", {
        "className": "_User", "objectId": "u2", "createdAt": "2020-01-01T00:00:00Z", "username": "bob",
        "sessionToken": "r:secret", "bcryptPassword": "$2a$10$abc", "ACL": {"u2": {"read": True, "write": True}},
        "clinic": {"__type": "Object", "className": "Clinic", "objectId": "c1", "name": "North"},
        "friends": {"__type": "Relation", "className": "_User"}})
    assert imported.doc == {"objectId": "u2", "createdAt": "2020-01-01T00:00:00.000Z",
                            "updatedAt": "2020-01-01T00:00:00.000Z", "username": "bob",
                            "clinic": {"__type": "Pointer", "className": "Clinic", "objectId": "c1"},
                            "_rperm": ["u2"], "_wperm": ["u2"], "_hashed_password": "$2a$10$abc"}
    assert imported.types["friends"] == {"type": "Relation", "targetClass": "_User"}


@pytest.mark.parametrize(("row", "code"), [
    ({"name": "no objectId"}, 107),
    ([1, 2], 107),
    ({"objectId": "x", "createdAt": 5}, 107),
    ({"objectId": "x", "ACL": {"*": {"read": "yes"}}}, 123),
    ({"objectId": "x", "bad-key": 1}, 105),
    ({"objectId": "x", "when": {"__type": "Date", "iso": "not a date"}}, 107),
])
def test_bad_rows_get_parse_errors(row: object, code: int) -> None:
    with pytest.raises(ParseError) as caught:
        from_export_row("Visit", row)
    assert caught.value.code == code


@pytest.mark.parametrize("variant", ["$2a$", "$2b$", "$2y$"])
async def test_every_bcrypt_variant_parse_apps_hold_verifies(variant: str) -> None:
    hashed = variant + bcrypt.hashpw(b"old password", bcrypt.gensalt(rounds=4)).decode()[4:]
    assert await verify_password("old password", hashed)
    assert not await verify_password("new password", hashed)


def test_upload_names_lose_parse_prefix_and_unsafe_names_get_a_plain_one() -> None:
    assert upload_name("0123456789abcdef0123456789abcdef_scan.png") == "scan.png"
    assert upload_name("scan.png") == "scan.png"
    assert upload_name("0123456789abcdef0123456789abcdef_<script>.html") == "file"


def test_a_gzipped_dump_with_escaped_names_and_a_truncated_collection(tmp_path: Path) -> None:
    database = tmp_path / "dump" / "app"
    database.mkdir(parents=True)
    good = [bson.encode({"_id": f"o{n}", "name": "x"}) for n in range(3)]
    (database / "Thing.bson").write_bytes(b"".join(good) + good[0][:9])  # cut in the middle of a document
    with gzip.open(database / "_Join%3Atags%3AThing.bson.gz", "wb") as stream:
        stream.write(bson.encode({"owningId": "o1", "relatedId": "t1"}))
    found = sources.dump_files(sources.dump_directory(tmp_path / "dump"))
    assert [(item.class_name, item.relation_field) for item in found] == [("Thing", None), ("Thing", "tags")]
    rows = []
    with pytest.raises(sources.SourceError):
        for row in found[0].rows():
            rows.append(row)
    assert [row["_id"] for row in rows] == ["o0", "o1", "o2"]
    assert list(found[1].rows()) == [{"owningId": "o1", "relatedId": "t1"}]


def test_schemas_answer_and_hosted_parse_results_layout(tmp_path: Path) -> None:
    (tmp_path / "schemas.json").write_text('{"results": [{"className": "A", "fields": {}}, {"no": "name"}]}')
    assert sources.schemas_file(tmp_path / "schemas.json") == [{"className": "A", "fields": {}}]
    (tmp_path / "A.json").write_text('{"results": [{"objectId": "a1"}]}')
    (tmp_path / "broken.json").write_text('[{"objectId": ')
    files = {item.class_name: item for item in sources.export_files([tmp_path])}
    assert list(files["A"].rows()) == [{"objectId": "a1"}]
    with pytest.raises(sources.SourceError):
        list(files["broken"].rows())

