"""One exported row → the storage document to write (base.py's format), or Parse's error.

A Dashboard export row is Parse's REST JSON (`objectId`, ISO `createdAt`/`updatedAt`, `ACL`,
typed values; `className` and included objects are reduced to pointers). A `mongodump` row is
first read back by the MongoDB adapter's own converter (`storage/mongo/transform.py`: `_id`,
`_p_<field>`, `_rperm`/`_wperm`, `_auth_data_<provider>`, …). Both then go through the same
checks as a client's body (`codec/ops.decode_body`), which also gives each field's type.

Of the internal keys only `_User._hashed_password` is kept (bcrypt `$2a$`/`$2b$`/`$2y$`, so users
keep their passwords); `bcryptPassword` (hosted Parse's export) is read as the same. Tokens,
sessions and lockout counters of the old server are not carried over.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..codec.dates import canonical_iso, now_iso
from ..codec.ops import decode_body
from ..errors import INVALID_ACL, INVALID_JSON, ParseError
from ..security.acl import acl_to_perms
from ..storage.base import ClassSchema, Document
from ..storage.mongo.transform import from_mongo_document

HASH_KEY = "_hashed_password"
HASH_ALIASES = ("bcryptPassword", HASH_KEY)
# Keys of an export row that are not fields: the object's identity and what the SDK adds.
META_KEYS = frozenset({"objectId", "createdAt", "updatedAt", "ACL", "className", "__type", "sessionToken",
                       "password", "_rperm", "_wperm"})


@dataclass
class ImportedObject:
    object_id: str
    doc: Document  # objectId, createdAt, updatedAt, fields, _rperm/_wperm, _hashed_password
    types: dict[str, dict[str, Any]] = field(default_factory=dict)  # field → the type its value implies
    file_urls: dict[str, str | None] = field(default_factory=dict)  # File field → its URL in the export


def _timestamp(value: Any, fallback: str) -> str:
    if value is None:
        return fallback
    if isinstance(value, dict) and value.get("__type") == "Date":
        value = value.get("iso")
    if not isinstance(value, str):
        raise ParseError(INVALID_JSON, "createdAt/updatedAt must be ISO dates")
    return canonical_iso(value)


def _perm_list(value: Any) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise ParseError(INVALID_ACL, "Invalid ACL.")
    return list(value)


def _permissions(row: dict[str, Any]) -> tuple[list[str], list[str]] | None:
    if "ACL" in row and row["ACL"] is not None:
        return acl_to_perms(row["ACL"])
    if "_rperm" in row or "_wperm" in row:
        return _perm_list(row.get("_rperm") or []), _perm_list(row.get("_wperm") or [])
    return None


def from_export_row(class_name: str, row: Any) -> ImportedObject:
    """A row of a JSON export (or a mongodump row already in storage form)."""
    if not isinstance(row, dict):
        raise ParseError(INVALID_JSON, "a row must be a JSON object")
    object_id = row.get("objectId")
    if not isinstance(object_id, str) or not object_id or len(object_id) > 64:
        raise ParseError(INVALID_JSON, "a row needs its objectId")
    created = _timestamp(row.get("createdAt"), now_iso())
    updated = _timestamp(row.get("updatedAt"), created)
    body = {key: value for key, value in row.items() if key not in META_KEYS and not key.startswith("_")}
    if class_name == "_User":
        body.pop("bcryptPassword", None)
    file_urls = {key: value.get("url") for key, value in body.items()
                 if isinstance(value, dict) and value.get("__type") == "File"}
    decoded = decode_body(body, creating=True)
    doc: Document = {"objectId": object_id, "createdAt": created, "updatedAt": updated, **decoded.updates}
    perms = _permissions(row)
    if perms is not None:
        doc["_rperm"], doc["_wperm"] = perms
    if class_name == "_User":
        hashed = next((row[key] for key in HASH_ALIASES if isinstance(row.get(key), str)), None)
        if hashed is not None:
            doc[HASH_KEY] = hashed
    return ImportedObject(object_id, doc, decoded.types,
                          {key: url if isinstance(url, str) else None for key, url in file_urls.items()})


def from_mongo_row(schema: ClassSchema, document: Any) -> ImportedObject:
    """A document of a Parse Server collection, through the MongoDB adapter's reader."""
    if not isinstance(document, dict) or "_id" not in document:
        raise ParseError(INVALID_JSON, "a document needs its _id")
    return from_export_row(schema.class_name, from_mongo_document(schema, document))
