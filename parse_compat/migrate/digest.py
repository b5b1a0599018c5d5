"""What "the same data" means across stores: a canonical encoding of storage documents and a
per-class count + SHA-256 over them, taken in objectId order.

Stores give back a document in slightly different shapes: PostgreSQL drops explicit nulls (its
layout cannot tell them from a missing field, `Capabilities.null_values`) and reads whole numbers
of a double column back as floats. The encoding removes exactly those differences: keys whose
value is null are left out, and a float that is a whole number is written as an integer. Keys
are sorted; everything else (ACL lists, internal `_` fields, password hashes, dates) counts as
stored. Relation rows are digested per owning object: its objectId, then its related ids sorted.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

import orjson

from ..storage.base import Document


def _plain(value: Any) -> Any:
    kind = type(value)
    if kind is str or kind is int or kind is bool:
        return value
    if kind is float:
        return int(value) if value.is_integer() else value
    if kind is dict:
        return {key: _plain(item) for key, item in value.items() if item is not None}
    if kind is list:
        return [_plain(item) for item in value]
    return value


def canonical_row(doc: Document) -> bytes:
    """One document's bytes: sorted keys, nulls left out, whole floats as integers."""
    return orjson.dumps(_plain(doc), option=orjson.OPT_SORT_KEYS)


@dataclass
class Digest:
    """A running count and SHA-256 of canonical rows, fed in objectId order."""

    count: int = 0
    _hash: Any = field(default_factory=hashlib.sha256)

    def add(self, encoded: bytes) -> None:
        self.count += 1
        self._hash.update(len(encoded).to_bytes(8, "big"))  # length-prefixed: no two runs collide
        self._hash.update(encoded)

    def add_row(self, doc: Document) -> None:
        self.add(canonical_row(doc))

    def add_relations(self, owning_id: str, related_ids: list[str]) -> None:
        """One owning object's relation rows (several rows, counted one each)."""
        for related in sorted(related_ids):
            self.add(orjson.dumps([owning_id, related]))

    @property
    def checksum(self) -> str:
        return str(self._hash.hexdigest())
