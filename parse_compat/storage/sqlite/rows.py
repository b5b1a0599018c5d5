"""How a storage document sits in a SQLite row, table and index names, and SQLite's limits as
Parse errors."""

from __future__ import annotations

import json
import re
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import orjson

from ...codec.dates import canonical_iso
from ...errors import INVALID_QUERY, ParseError
from ..base import Document

COLUMN_FIELDS = ("objectId", "createdAt", "updatedAt", "_rperm", "_wperm")


TOO_COMPLEX = ("too many SQL variables", "Expression tree is too large", "parser stack overflow",
               "too many terms in compound SELECT", "LIKE or GLOB pattern too complex", "string or blob too big")


@contextmanager
def too_complex_as_parse_error() -> Iterator[None]:
    """A query beyond SQLite's limits is the client's doing: 102, not a server error."""
    try:
        yield
    except (sqlite3.OperationalError, sqlite3.DataError) as exc:
        if any(marker in str(exc) for marker in TOO_COMPLEX):
            raise ParseError(INVALID_QUERY, "The query is too large or too deeply nested.") from exc
        if "malformed JSON" in str(exc):
            raise ParseError(INVALID_QUERY, "A query value does not fit the stored values.") from exc
        raise
    except (OverflowError, sqlite3.ProgrammingError) as exc:
        # only query values are bound here: a value SQLite cannot take is the client's doing
        raise ParseError(INVALID_QUERY, "A query value cannot be used here.") from exc


def quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def index_name(class_name: str, suffix: str) -> str:
    return quote(f"idx_{class_name}_{suffix}")


# Made once: json.dumps with options builds a new encoder on every call (immutable settings).
_COMPACT_JSON = json.JSONEncoder(separators=(",", ":")).encode
_FIXED_FORM = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z")


def _date_column(value: str) -> str:
    """Parse's fixed form; the server's own timestamps already are in it (no parse needed)."""
    return value if _FIXED_FORM.fullmatch(value) else canonical_iso(value)


_COLUMNS = frozenset(COLUMN_FIELDS)


def to_row(doc: Document) -> tuple[Any, ...]:
    data = {k: v for k, v in doc.items() if k not in _COLUMNS}
    rperm = doc.get("_rperm")
    wperm = doc.get("_wperm")
    return (doc["objectId"], _date_column(doc["createdAt"]) if doc.get("createdAt") else None,
            _date_column(doc["updatedAt"]) if doc.get("updatedAt") else None,
            json.dumps(rperm) if rperm is not None else None,
            json.dumps(wperm) if wperm is not None else None,
            _COMPACT_JSON(data))

def appends_plainly(doc: Document) -> bool:
    """A record of an append-only class whose columns can be taken from it as they are (what
    `append_only_row` does without its fallback): no ACL, no updatedAt, createdAt in the fixed form."""
    created = doc.get("createdAt")
    return ("_rperm" not in doc and "_wperm" not in doc and "updatedAt" not in doc
            and (created is None or (isinstance(created, str) and _FIXED_FORM.fullmatch(created) is not None)))


def append_only_row(doc: Document) -> tuple[Any, ...]:
    """`to_row` for a record of an append-only class (storage.base.APPEND_ONLY_CLASSES): the
    server made it, so it has no ACL and no updatedAt and its createdAt is in the fixed form
    already (anything else takes the general path)."""
    if "_rperm" in doc or "_wperm" in doc or "updatedAt" in doc:
        return to_row(doc)
    data = dict(doc)
    object_id = data.pop("objectId")
    created = data.pop("createdAt", None)
    try:  # the same text as _COMPACT_JSON for these records (no floats), several times faster
        text = orjson.dumps(data).decode()
    except (TypeError, orjson.JSONEncodeError):
        text = _COMPACT_JSON(data)
    return (object_id, _date_column(created) if created else None, None, None, None, text)


def from_row(row: tuple[Any, ...]) -> Document:
    object_id, created, updated, rperm, wperm, data = row
    doc: Document = {"objectId": object_id}
    if created is not None:
        doc["createdAt"] = created
    if updated is not None:
        doc["updatedAt"] = updated
    doc.update(json.loads(data))
    if rperm is not None:
        doc["_rperm"] = json.loads(rperm)
    if wperm is not None:
        doc["_wperm"] = json.loads(wperm)
    return doc
