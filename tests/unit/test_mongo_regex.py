"""MongoDB `$regex`: real MongoDB gets the PCRE pattern unchanged but only after the same checks
as every other adapter; mongomock (which would run Python's backtracking `re`) gets RE2."""

from __future__ import annotations

import time

import pytest

from parse_compat.errors import INVALID_QUERY, ParseError
from parse_compat.storage.base import ClassSchema
from parse_compat.storage.mongo.query import Dialect, compile_where

SCHEMA = ClassSchema("Box", {"objectId": {"type": "String"}, "name": {"type": "String"},
                             "tags": {"type": "Array"}})
NATIVE = Dialect(native_regex=True)
EMULATED = Dialect(native_regex=False)


@pytest.mark.parametrize("dialect", [NATIVE, EMULATED])
@pytest.mark.parametrize("where", [
    {"name": {"$regex": "(a)\\1"}},
    {"name": {"$regex": "a(?=b)"}},
    {"name": {"$regex": "a" * 1001}},
    {"tags": {"$all": [{"$regex": "(?<=a)b"}]}},
])
def test_patterns_re2_cannot_run_are_refused_before_the_server(dialect: Dialect, where: dict) -> None:
    with pytest.raises(ParseError) as info:
        compile_where(SCHEMA, where, dialect)
    assert info.value.code == INVALID_QUERY


def test_real_mongodb_receives_the_pcre_pattern_unchanged() -> None:
    query = compile_where(SCHEMA, {"name": {"$regex": "^\\Qa.b\\E$", "$options": "i"}}, NATIVE)
    assert query.filter == {"name": {"$regex": "^\\Qa.b\\E$", "$options": "i"}}


def test_mongomock_matches_with_re2() -> None:
    query = compile_where(SCHEMA, {"name": {"$regex": "(a+)+$"}}, EMULATED)
    compiled = query.filter["name"]["$regex"].try_compile()  # what mongomock calls
    started = time.perf_counter()
    assert compiled.search("a" * 100_000 + "!") is None
    assert time.perf_counter() - started < 1.0
