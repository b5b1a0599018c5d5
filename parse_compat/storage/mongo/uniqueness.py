"""Unique constraints: index creation, case-insensitive user checks, duplicate-key mapping.

Owns Parse Server's uniqueness layout (§10.4): ``<field>_1`` unique sparse indexes, the
``case_insensitive_username`` / ``case_insensitive_email`` collation indexes on ``_User``,
and the translation of a MongoDB duplicate-key error (11000) into ``DuplicateValue(field)``
with the REST field name.

parse-compat: like Parse Server, the collation indexes are *not* unique (a database moved
from Parse Server keeps working); case-insensitive uniqueness of ``username``/``email`` is a
pre-check query: collation strength 2 on MongoDB, an anchored escaped ``i`` regex on
emulators without collations.
"""

from __future__ import annotations

import re
from typing import Any

from pymongo.errors import DuplicateKeyError, OperationFailure

from parse_compat.errors import DuplicateValue
from parse_compat.storage.base import ClassSchema
from parse_compat.storage.mongo import keys as k

CASE_INSENSITIVE_FIELDS = ("username", "email")
CASE_INSENSITIVE_COLLATION: dict[str, Any] = {"locale": "en_US", "strength": 2}
_INDEX_NAME = re.compile(r"index:\s+(\S+)")


def rest_field_name(mongo_field: str) -> str:
    if mongo_field == "_id":
        return "objectId"
    if mongo_field.startswith(k.AUTH_DATA_PREFIX):
        provider, _, rest = mongo_field[len(k.AUTH_DATA_PREFIX):].partition(".")
        return "authData." + provider + ("." + rest if rest else "")
    return k.rest_index_key(mongo_field)


def duplicate_field(error: DuplicateKeyError | OperationFailure) -> str:
    """The REST field a duplicate-key error is about (from keyPattern, else the index name)."""
    details = error.details or {}
    pattern = details.get("keyPattern")
    if isinstance(pattern, dict) and pattern:
        return rest_field_name(next(iter(pattern)))
    match = _INDEX_NAME.search(str(error))
    if match:
        name = match.group(1)
        if name == "_id_":
            return "objectId"
        if name.startswith("case_insensitive_"):
            return name[len("case_insensitive_"):]
        return rest_field_name(re.sub(r"_-?1$", "", name))
    # mongomock reports an `_id` clash without any detail
    return "objectId"


def needs_case_insensitive_check(class_name: str) -> bool:
    return class_name == "_User"


async def ensure_unique_indexes(collection: Any, schema: ClassSchema, field_names: list[str],
                                collations: bool) -> None:
    for name in field_names:
        mongo_field = k.mongo_key(schema, name)
        try:
            await collection.create_index([(mongo_field, 1)], unique=True, sparse=True)
        except DuplicateKeyError as error:
            raise DuplicateValue(name) from error
        except OperationFailure as error:
            if error.code == 11000:
                raise DuplicateValue(name) from error
            raise
        if collations and needs_case_insensitive_check(schema.class_name) \
                and name in CASE_INSENSITIVE_FIELDS:
            try:
                await collection.create_index([(mongo_field, 1)], name=f"case_insensitive_{name}",
                                              collation=CASE_INSENSITIVE_COLLATION)
            except OperationFailure:
                # An index of that shape already exists under another name: lookups still work.
                pass


async def check_case_insensitive(collection: Any, values: dict[str, Any], exclude_id: str | None,
                                 collations: bool, session_kw: dict[str, Any]) -> None:
    """Raise ``DuplicateValue`` when another ``_User`` holds one of ``values`` ignoring case."""
    for name in CASE_INSENSITIVE_FIELDS:
        value = values.get(name)
        if not isinstance(value, str):
            continue
        query: dict[str, Any]
        if collations:
            query = {name: value}
            options: dict[str, Any] = {"collation": CASE_INSENSITIVE_COLLATION}
        else:
            query = {name: re.compile("^" + re.escape(value) + "$", re.IGNORECASE)}
            options = {}
        if exclude_id is not None:
            query["_id"] = {"$ne": exclude_id}
        found = await collection.find_one(query, {"_id": 1}, **options, **session_kw)
        if found is not None:
            raise DuplicateValue(name)
