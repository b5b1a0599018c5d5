"""A small Parse app as its owner can download it, written in Parse's documented layouts.

- a `mongodump` directory (`<db>/<collection>.bson` + `.metadata.json`) in Parse Server's MongoDB
  layout: string `_id`, `_created_at`/`_updated_at`, `_p_<field>` = "Class$id", `_rperm`/`_wperm`
  beside the legacy `_acl`, `_hashed_password` (bcrypt, made with the `bcrypt` package),
  `_Join:<field>:<Class>` relation rows with ObjectId `_id`, `_SCHEMA`, and the GridFS bucket
  (`fs.files` + `fs.chunks`) of Parse Server's default files adapter holding the clinic's logo;
- a Parse Dashboard JSON export (`Visit.json`: an array of the SDK's `_toFullJSON()` objects
  without `__type`), whose File values carry the URL of `files_url`;
- the `GET /schemas` answer for the exported class.

Holds two rows that cannot be imported (reported, never fatal): a Visit whose `chart` is a string
where the schema says Pointer, and a Chart whose `_rperm` is not a list.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import bcrypt
import bson
from bson import ObjectId

PASSWORDS = {"ann": "ann-old-password", "ben": "ben-old-password"}
USER_IDS = {"ann": "uAnn000001", "ben": "uBen000001"}
ROLE_ID = "rRadiol001"
CLINIC_ID = "cNorth0001"
CHART_ID = "chart00001"
BAD_CHART_ID = "chartBad01"
VISIT_IDS = ("visit00001", "visit00002")
BAD_VISIT_ID = "visitBad01"
OLD_FILE_NAME = "0123456789abcdef0123456789abcdef_xray.png"
FILE_BYTES = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 40
LOGO_NAME = "fedcba9876543210fedcba9876543210_logo.png"
LOGO_BYTES = b"\x89PNG\r\n\x1a\n" + bytes(reversed(range(256))) * 10
LOGO_CHUNK = 1000  # three GridFS chunks
CREATED = datetime(2023, 5, 4, 3, 2, 1, 123000, tzinfo=UTC)
UPDATED = datetime(2024, 1, 2, 3, 4, 5, 678000, tzinfo=UTC)


@dataclass
class ParseDump:
    dump_dir: Path  # the mongodump root (holds the `parseapp` database directory)
    export_dir: Path  # Dashboard JSON export
    schemas_file: Path  # GET /schemas answer


def _legacy_acl(rperm: list[str], wperm: list[str]) -> dict[str, dict[str, bool]]:
    acl: dict[str, dict[str, bool]] = {}
    for entry in rperm:
        acl.setdefault(entry, {})["r"] = True
    for entry in wperm:
        acl.setdefault(entry, {})["w"] = True
    return acl


def _object(object_id: str, rperm: list[str] | None, wperm: list[str] | None, **fields: Any) -> dict[str, Any]:
    doc: dict[str, Any] = {"_id": object_id, "_created_at": CREATED, "_updated_at": UPDATED, **fields}
    if rperm is not None and wperm is not None:
        doc.update(_rperm=rperm, _wperm=wperm, _acl=_legacy_acl(rperm, wperm))
    return doc


def _hash(password: str, variant: str) -> str:
    hashed = bcrypt.hashpw(password.encode(), bcrypt.gensalt(rounds=10)).decode()
    return variant + hashed[len(variant):]  # Parse's bcryptjs writes $2a$/$2b$; PHP-made hashes say $2y$


def _write_collection(database: Path, name: str, docs: list[dict[str, Any]]) -> None:
    (database / f"{name}.bson").write_bytes(b"".join(bson.encode(doc) for doc in docs))
    (database / f"{name}.metadata.json").write_text(json.dumps({"options": {}, "indexes": [
        {"v": 2, "key": {"_id": 1}, "name": "_id_"}], "collectionName": name}))


def _mongodump(database: Path) -> None:
    database.mkdir(parents=True)
    users = [
        _object(USER_IDS["ann"], ["*", USER_IDS["ann"]], [USER_IDS["ann"]], username="ann", email="ann@clinic.example",
                emailVerified=True, _hashed_password=_hash(PASSWORDS["ann"], "$2a$")),
        _object(USER_IDS["ben"], ["*", USER_IDS["ben"]], [USER_IDS["ben"]], username="ben",
                _hashed_password=_hash(PASSWORDS["ben"], "$2y$")),
    ]
    _write_collection(database, "_User", users)
    _write_collection(database, "_Role", [_object(ROLE_ID, ["*"], [], name="radiology")])
    _write_collection(database, "_Join:users:_Role", [{"_id": ObjectId(), "owningId": ROLE_ID,
                                                      "relatedId": USER_IDS["ann"]}])
    _write_collection(database, "Clinic", [_object(CLINIC_ID, None, None, name="North", logo=LOGO_NAME)])
    logo_id = ObjectId()
    _write_collection(database, "fs.files", [{"_id": logo_id, "length": len(LOGO_BYTES), "chunkSize": LOGO_CHUNK,
                                              "uploadDate": CREATED, "filename": LOGO_NAME}])
    chunks = [LOGO_BYTES[start:start + LOGO_CHUNK] for start in range(0, len(LOGO_BYTES), LOGO_CHUNK)]
    _write_collection(database, "fs.chunks", [{"_id": ObjectId(), "files_id": logo_id, "n": n, "data": chunk}
                                              for n, chunk in reversed(list(enumerate(chunks)))])
    charts = [
        _object(CHART_ID, ["role:radiology"], ["role:radiology"], _p_clinic=f"Clinic${CLINIC_ID}", note="private chart",
                lastVisit=UPDATED),
        {**_object(BAD_CHART_ID, None, None, note="broken"), "_rperm": "role:radiology"},
    ]
    _write_collection(database, "Chart", charts)
    _write_collection(database, "_Join:visits:Chart", [{"_id": ObjectId(), "owningId": CHART_ID, "relatedId": vid}
                                                       for vid in VISIT_IDS])
    _write_collection(database, "_Session", [_object("sess000001", None, None, _session_token="r:old",
                                                     _p_user=f"_User${USER_IDS['ann']}")])
    _write_collection(database, "_SCHEMA", [
        {"_id": "_User", "objectId": "string", "createdAt": "date", "updatedAt": "date", "username": "string",
         "password": "string", "email": "string", "emailVerified": "boolean", "authData": "object"},
        {"_id": "_Role", "objectId": "string", "createdAt": "date", "updatedAt": "date", "name": "string",
         "users": "relation<_User>", "roles": "relation<_Role>"},
        {"_id": "Clinic", "objectId": "string", "createdAt": "date", "updatedAt": "date", "name": "string",
         "logo": "file"},
        {"_id": "Chart", "objectId": "string", "createdAt": "date", "updatedAt": "date", "clinic": "*Clinic",
         "note": "string", "lastVisit": "date", "visits": "relation<Visit>",
         "_metadata": {"class_permissions": {"find": {"*": True}, "get": {"*": True}, "count": {"*": True},
                                             "create": {"role:radiology": True}, "update": {"role:radiology": True},
                                             "delete": {"role:radiology": True}, "addField": {}}}},
    ])


def _dashboard_export(directory: Path, files_url: str) -> None:
    directory.mkdir(parents=True)
    chart = {"__type": "Pointer", "className": "Chart", "objectId": CHART_ID}
    xray = {"__type": "File", "name": OLD_FILE_NAME, "url": f"{files_url}/{OLD_FILE_NAME}"}
    rows: list[Any] = [
        {"className": "Visit", "objectId": VISIT_IDS[0], "createdAt": "2023-06-01T10:00:00.000Z",
         "updatedAt": "2023-06-01T10:30:00.000Z", "chart": chart, "xray": xray, "tooth": 14,
         "when": {"__type": "Date", "iso": "2023-06-01T10:00:00.000Z"},
         "ACL": {"role:radiology": {"read": True, "write": True}}},
        {"className": "Visit", "objectId": VISIT_IDS[1], "createdAt": "2023-07-01T10:00:00.000Z",
         "updatedAt": "2023-07-01T10:00:00.000Z", "chart": chart, "tooth": 15,
         "ACL": {"role:radiology": {"read": True, "write": True}}},
        {"className": "Visit", "objectId": BAD_VISIT_ID, "createdAt": "2023-08-01T10:00:00.000Z",
         "updatedAt": "2023-08-01T10:00:00.000Z", "chart": "not a pointer"},
    ]
    (directory / "Visit.json").write_text(json.dumps(rows, indent=2))


def _schemas_answer(path: Path) -> None:
    path.write_text(json.dumps({"results": [{
        "className": "Visit",
        "fields": {"objectId": {"type": "String"}, "createdAt": {"type": "Date"}, "updatedAt": {"type": "Date"},
                   "ACL": {"type": "ACL"}, "chart": {"type": "Pointer", "targetClass": "Chart"},
                   "xray": {"type": "File"}, "tooth": {"type": "Number"}, "when": {"type": "Date"}},
        "classLevelPermissions": {"find": {"*": True}, "count": {"*": True}, "get": {"*": True},
                                  "create": {"*": True}, "update": {"*": True}, "delete": {"*": True},
                                  "addField": {"*": True}, "protectedFields": {"*": []}},
        "indexes": {"_id_": {"_id": 1}},
    }]}))


def write_parse_dump(root: Path, files_url: str) -> ParseDump:
    """The app's three downloads under `root`; `files_url` serves `OLD_FILE_NAME` as the old server did."""
    dump = ParseDump(root / "dump", root / "export", root / "schemas.json")
    _mongodump(dump.dump_dir / "parseapp")
    _dashboard_export(dump.export_dir, files_url)
    _schemas_answer(dump.schemas_file)
    return dump
