"""Generated queries over the parity table's documents: PostgreSQL (compiled from the typed tree)
returns exactly the documents the in-memory matcher accepts.

The documents are those of tests/cases/query_cases.json without their explicit nulls (Parse
Server's PostgreSQL layout reads a null back as a missing field, ``capabilities.null_values``).
"""

from __future__ import annotations

import asyncio
import copy
import json
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from parse_compat.errors import ParseError
from parse_compat.query.matcher import matches
from parse_compat.query.parse import parse_where
from parse_compat.storage.base import ClassSchema, FindOptions
from parse_compat.storage.postgres import PostgresAdapter
from tests.postgres.database import app_uri

TABLE: dict[str, Any] = json.loads(
    (Path(__file__).resolve().parents[1] / "cases" / "query_cases.json").read_text(encoding="utf-8"))
DOCUMENTS = [{k: v for k, v in doc.items() if v is not None} for doc in TABLE["documents"]]
SCHEMA = ClassSchema(TABLE["schema"]["className"], copy.deepcopy(TABLE["schema"]["fields"]))
FIELD_TYPES = {name: spec["type"] for name, spec in SCHEMA.fields.items()}


def stored_values(key: str) -> list[Any]:
    """Every value ``key`` (dotted or not) holds in the documents, and the elements of arrays."""
    head, *rest = key.split(".")
    out: list[Any] = []
    for doc in DOCUMENTS:
        value: Any = doc.get(head)
        for part in rest:
            value = value.get(part) if isinstance(value, dict) else None
        if value is None:
            continue
        out.append(value)
        if isinstance(value, list):
            out.extend(value)
    return out


KEYS = ["name", "score", "flag", "when", "tags", "nums", "meta.level", "meta.color", "owner", "refs",
        "createdAt", "objectId", "ghost"]
OTHER_VALUES = [None, 0, 1, 2.5, "", "red", "Red", True, False, {"__type": "Date", "iso": "2024-01-05T00:00:00.000Z"},
                {"__type": "Pointer", "className": "_User", "objectId": "u1"}]


def values_for(key: str) -> st.SearchStrategy[Any]:
    own = [v for v in stored_values(key) if not isinstance(v, list)]
    return st.sampled_from(own + OTHER_VALUES)


def constraint_for(key: str) -> st.SearchStrategy[Any]:
    value = values_for(key)
    return st.one_of(
        value,
        st.builds(lambda op, v: {op: v}, st.sampled_from(["$lt", "$lte", "$gt", "$gte", "$eq", "$ne"]), value),
        st.builds(lambda op, vs: {op: vs}, st.sampled_from(["$in", "$nin", "$all", "$containedBy"]),
                  st.lists(value, max_size=3)),
        st.builds(lambda b: {"$exists": b}, st.booleans()),
        st.builds(lambda p, o: {"$regex": p, "$options": o},
                  st.sampled_from(["^a", "a$", "e", "^B", "ray$", "\\Qa\\E"]), st.sampled_from(["", "i"])),
        st.builds(lambda lo, hi: {"$gt": lo, "$lt": hi}, value, value),
    )


clauses = st.sampled_from(KEYS).flatmap(lambda key: st.builds(lambda c: {key: c}, constraint_for(key)))
acl = st.builds(lambda names: {"_rperm": {"$in": names}}, st.lists(st.sampled_from(["*", "u1", "u2", "role:Admin"]),
                                                                    max_size=3))
wheres = st.recursive(
    st.one_of(clauses, acl),
    lambda inner: st.one_of(
        st.builds(lambda key, parts: {key: parts}, st.sampled_from(["$or", "$and", "$nor"]),
                  st.lists(inner, min_size=1, max_size=3)),
        st.builds(lambda a, b: {**a, **b}, inner, inner),
    ),
    max_leaves=5,
)


def test_postgres_agrees_with_the_matcher(postgres_database: str) -> None:
    loop = asyncio.new_event_loop()
    adapter = PostgresAdapter(app_uri(postgres_database))
    try:
        loop.run_until_complete(adapter.connect())
        loop.run_until_complete(adapter.save_schema(SCHEMA))
        for doc in DOCUMENTS:
            loop.run_until_complete(adapter.insert(SCHEMA, copy.deepcopy(doc)))

        @settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
        @given(wheres)
        def agree(where: dict[str, Any]) -> None:
            try:
                parse_where(where, FIELD_TYPES)  # refused by the one parser: no answer to compare
                expected = sorted(d["objectId"] for d in DOCUMENTS if matches(d, where))
            except ParseError:
                return
            found = loop.run_until_complete(adapter.find(SCHEMA, copy.deepcopy(where), FindOptions()))
            assert sorted(d["objectId"] for d in found) == expected, json.dumps(where)

        agree()
    finally:
        loop.run_until_complete(adapter.drop_schema())
        loop.run_until_complete(adapter.close())
        loop.close()
