"""Whole-list checks for arrays of plain JSON scalars, or of flat objects (pointers, dates),
the shapes of a long `$in` / `$nin`.

The request scans (keywords, query size) and the where compilers walk a where value by value;
for a list of 20,000 strings that is 20,000 calls which all find nothing to do. These checks
look at such a list in one pass at C speed (the set of its item types), so a caller can treat
it as a whole and fall back to its per-value path for anything else. Only the exact JSON
types count: a subclass, a container or a decoded value (a date, a pointer) is not plain.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import chain, repeat
from typing import Any

PLAIN_TYPES = frozenset({str, int, float, bool, type(None)})
INT64_MIN = -(2**63)
INT64_MAX = 2**63 - 1


def are_scalars(values: Sequence[Any]) -> bool:
    """True when every item is a str, int, float, bool or None (so no key is inside)."""
    return set(map(type, values)) <= PLAIN_TYPES


def are_int64_scalars(values: Sequence[Any]) -> bool:
    """`are_scalars`, and every int fits in 64 bits: each item binds as a query parameter as is."""
    kinds = set(map(type, values))
    if not kinds <= PLAIN_TYPES:
        return False
    if int not in kinds:
        return True
    ints = values if len(kinds) == 1 else [v for v in values if type(v) is int]
    return INT64_MIN <= min(ints) and max(ints) <= INT64_MAX


def flat_objects(values: Sequence[Any], without: frozenset[str]) -> int | None:
    """The number of values in a non-empty list of dicts of plain scalars none of which has a
    key in ``without`` (e.g. 20,000 `{"__type": "Pointer", ...}`); None for any other list."""
    if set(map(type, values)) != {dict} or not without.isdisjoint(chain.from_iterable(values)):
        return None
    if not set(map(type, chain.from_iterable(map(dict.values, values)))) <= PLAIN_TYPES:
        return None
    return sum(map(len, values))


def pointer_parts(values: Sequence[Any]) -> tuple[list[Any], list[Any]] | None:
    """The `className`s and `objectId`s (None where absent) of a non-empty list of dicts that all
    have `"__type": "Pointer"` (a long `$in` of pointers); None for any other list."""
    if set(map(type, values)) != {dict} or set(map(dict.get, values, repeat("__type"))) != {"Pointer"}:
        return None
    return list(map(dict.get, values, repeat("className"))), list(map(dict.get, values, repeat("objectId")))
