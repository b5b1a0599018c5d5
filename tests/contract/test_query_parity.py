"""Query parity: every adapter and the in-memory matcher agree on the shared case table.

For each case of ``tests/cases/query_cases.json`` the table's documents are inserted into a
fresh adapter (the ``adapter`` fixture of conftest.py, one per storage backend) and ``find``
must return exactly the expected objectIds; ``parse_compat.query.matcher.matches`` must give
the same answer over the same documents (or ``matcher_expected`` where the table records an
accepted gap). A store that reads an explicit null back as a missing field
(``capabilities.null_values`` false: Parse Server's PostgreSQL layout) must return
``expected_without_null_values`` where the table gives one. A case is skipped only when the
adapter's ``capabilities`` lack something the case ``requires``.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from parse_compat.query.matcher import matches
from parse_compat.storage.base import ClassSchema, FindOptions

CASES_FILE = Path(__file__).resolve().parents[1] / "cases" / "query_cases.json"
TABLE: dict[str, Any] = json.loads(CASES_FILE.read_text(encoding="utf-8"))

# Names used in a case's "requires" → the Capabilities attribute that provides it.
REQUIREMENT_CAPABILITY: dict[str, str] = {"geo": "geo", "text": "text_search", "transactions": "transactions"}


def table_schema() -> ClassSchema:
    spec = TABLE["schema"]
    return ClassSchema(class_name=spec["className"], fields=copy.deepcopy(spec["fields"]))


def missing_capabilities(adapter: Any, requires: list[str]) -> list[str]:
    return [r for r in requires if not getattr(adapter.capabilities, REQUIREMENT_CAPABILITY.get(r, r), False)]


@pytest.mark.parametrize("case", TABLE["cases"], ids=lambda c: c["name"])
async def test_query_case(adapter: Any, case: dict[str, Any]) -> None:
    missing = missing_capabilities(adapter, case.get("requires", []))
    if missing:
        pytest.skip(f"adapter lacks capability: {', '.join(missing)}")

    schema = table_schema()
    await adapter.save_schema(schema)
    for doc in TABLE["documents"]:
        await adapter.insert(schema, copy.deepcopy(doc))

    found = await adapter.find(schema, copy.deepcopy(case["where"]), FindOptions())
    found_ids = sorted(doc["objectId"] for doc in found)
    expected = case["expected"] if adapter.capabilities.null_values else \
        case.get("expected_without_null_values", case["expected"])
    assert found_ids == expected, case.get("note", "")

    in_memory = sorted(doc["objectId"] for doc in TABLE["documents"] if matches(doc, case["where"]))
    assert in_memory == case.get("matcher_expected", case["expected"])
