"""PCRE → RE2 translation, options, errors, refusals and the SQLite-ready search function."""

from __future__ import annotations

import sqlite3
import time

import pytest

from parse_compat.errors import INVALID_QUERY, ParseError
from parse_compat.query.matcher import matches
from parse_compat.query.regex import MAX_PATTERN_LENGTH, compile_parse_regex, regex_search, translate_pcre


@pytest.mark.parametrize(("pattern", "text", "found"), [
    ("\\Qa.b\\E", "a.b", True),
    ("\\Qa.b\\E", "axb", False),
    ("^\\Q*+?(){}[]|^$\\E$", "*+?(){}[]|^$", True),
    ("^\\Qa+b", "a+b(c)", True),            # unterminated \Q quotes to the end
    ("^\\Qa+b", "aab", False),
    ("^\\Q\\E$", "", True),                 # empty quote
    ("a\\Eb", "ab", True),                  # stray \E is ignored
    ("^x\\Q.\\Ey$", "x.y", True),
    ("^x\\Q.\\Ey$", "xzy", False),
    ("[\\Q]-\\E]+", "]-]", True),           # \Q inside a class
    ("^[\\Q]-\\E]+$", "a", False),
    ("\\\\Q", "\\Q", True),                 # an escaped backslash, then a plain Q
    ("^\\Qx y\\E$", "x y", True),
])
def test_quote_translation(pattern: str, text: str, found: bool) -> None:
    assert bool(compile_parse_regex(pattern).search(text)) is found


def test_quoted_text_stays_literal_in_extended_mode() -> None:
    assert compile_parse_regex("^\\Qa b#c\\E$", "x").search("a b#c")
    assert not compile_parse_regex("^\\Qa b#c\\E$", "x").search("ab")


@pytest.mark.parametrize(("pattern", "text", "found"), [
    ("abc\\z", "abc", True),
    ("abc\\z", "abc\n", False),
    ("abc\\Z", "abc\n", True),
    ("abc\\Z", "abc\nx", False),
    ("(?<year>\\d{4})-(?'m'\\d\\d)", "2020-12", True),
    ("abc$", "abc\n", True),               # PCRE's $: end or before a final newline
    ("abc$", "abc\nx", False),
    ("^[[:^digit:]]+$", "ab", True),
    ("^[[:alpha:]]+$", "abcXYZ", True),
    ("^[[:digit:]]+$", "12a", False),
    ("^[[:alnum:]_]+$", "a_1", True),
    ("^[]a]+$", "]a]", True),               # "]" first in a class is literal
    ("^[^]a]+$", "bc", True),
    ("^[a&&b]+$", "a&b", True),             # no Python set operations
])
def test_other_pcre_constructs(pattern: str, text: str, found: bool) -> None:
    assert bool(compile_parse_regex(pattern).search(text)) is found


def test_translate_leaves_plain_patterns_alone() -> None:
    for pattern in ["^abc", "a|b", "(x)(?:y)", "\\d+\\.\\d*", "[a-z]{2,3}"]:
        assert translate_pcre(pattern) == pattern


@pytest.mark.parametrize(("options", "pattern", "text", "found"), [
    ("i", "^ABC$", "abc", True),
    ("", "^ABC$", "abc", False),
    ("m", "^b", "a\nb", True),
    ("", "^b", "a\nb", False),
    ("s", "a.b", "a\nb", True),
    ("", "a.b", "a\nb", False),
    ("x", "a b c # comment", "abc", True),
    ("u", "é", "café", True),
    ("imxsu", "^ A . B $", "x\nA\nb", True),
    ("i", "ÉCOLE", "école", True),
])
def test_options(options: str, pattern: str, text: str, found: bool) -> None:
    assert bool(compile_parse_regex(pattern, options).search(text)) is found


@pytest.mark.parametrize("options", ["g", "il", "I", " "])
def test_bad_options_raise_invalid_query(options: str) -> None:
    with pytest.raises(ParseError) as info:
        compile_parse_regex("a", options)
    assert info.value.code == INVALID_QUERY
    assert info.value.message == f"Bad $options value for query: {options}"


@pytest.mark.parametrize("pattern", ["(", "[a", "a{2,1}", "\\", "*a"])
def test_bad_pattern_raises_invalid_query(pattern: str) -> None:
    with pytest.raises(ParseError) as info:
        compile_parse_regex(pattern)
    assert info.value.code == INVALID_QUERY


def test_compiled_patterns_are_cached() -> None:
    first = compile_parse_regex("^cache\\Q.me\\E", "i")
    assert compile_parse_regex("^cache\\Q.me\\E", "i") is first
    assert compile_parse_regex("^cache\\Q.me\\E", "") is not first


def test_regex_search() -> None:
    assert regex_search("^a", None, "abc") is True
    assert regex_search("B", "i", "abc") is True
    assert regex_search("^b", "", "abc") is False
    assert regex_search("1", "", 1) is False
    assert regex_search("x", "", None) is False
    assert regex_search("x", "", ["x"]) is False


def test_regex_search_as_sqlite_function() -> None:
    conn = sqlite3.connect(":memory:")
    try:
        conn.create_function("parse_regexp", 3, regex_search, deterministic=True)
        conn.execute("CREATE TABLE t (name TEXT)")
        conn.executemany("INSERT INTO t VALUES (?)", [("a+b",), ("aab",), ("A+B",), (None,)])
        rows = conn.execute(
            "SELECT name FROM t WHERE parse_regexp(?, ?, name) ORDER BY name", ("^\\Qa+b\\E$", "i")
        ).fetchall()
        assert rows == [("A+B",), ("a+b",)]
    finally:
        conn.close()


@pytest.mark.parametrize(("pattern", "reason"), [
    ("(a)\\1", "backreferences"),
    ("(?<year>\\d{4})-\\k<year>", "backreferences"),
    ("(?'w'\\w)\\k{w}", "backreferences"),
    ("(?P<w>a)(?P=w)", "backreferences"),
    ("(a)\\g1", "backreferences"),
    ("(?<=a)b", "look-behind"),
    ("(?<!a)b", "look-behind"),
    ("a(?=b)", "look-ahead"),
    ("a(?!b)", "look-ahead"),
    ("(?>a+)b", "atomic groups"),
    ("(a|b(?1))", "recursion"),
    ("(?(1)a|b)", "conditional groups"),
])
def test_backtracking_constructs_are_refused_with_the_reason(pattern: str, reason: str) -> None:
    with pytest.raises(ParseError) as info:
        compile_parse_regex(pattern)
    assert info.value.code == INVALID_QUERY
    assert reason in info.value.message


def test_escaped_constructs_are_not_refused() -> None:
    assert compile_parse_regex("\\\\1").search("\\1")          # an escaped backslash, then 1
    assert compile_parse_regex("[(?=]+").search("?=")           # class members, not a group
    assert compile_parse_regex("\\Q(?=a)\\1\\E").search("(?=a)\\1")


def test_pattern_length_is_capped() -> None:
    compile_parse_regex("a" * MAX_PATTERN_LENGTH)
    with pytest.raises(ParseError) as info:
        compile_parse_regex("a" * (MAX_PATTERN_LENGTH + 1))
    assert info.value.code == INVALID_QUERY
    assert str(MAX_PATTERN_LENGTH) in info.value.message


@pytest.mark.parametrize("pattern", ["(a+)+$", "^(a|a)*$", "(a|aa)+$", "(.*a){12}$", "^(a+)+b"])
def test_pathological_patterns_run_in_linear_time(pattern: str) -> None:
    text = "a" * 100_000 + "!"
    started = time.perf_counter()
    assert compile_parse_regex(pattern).search(text) is None
    assert time.perf_counter() - started < 1.0  # backtracking would take longer than the universe


def test_extended_mode_keeps_escaped_and_class_whitespace() -> None:
    assert compile_parse_regex("^a\\ b[ ]c \\# # comment\n$", "x").search("a b c#")
    assert not compile_parse_regex("^a b$", "x").search("a b")


def test_the_matcher_uses_the_linear_time_rules() -> None:
    started = time.perf_counter()
    assert not matches({"name": "a" * 100_000 + "!"}, {"name": {"$regex": "(a+)+$"}})
    assert time.perf_counter() - started < 1.0
    with pytest.raises(ParseError) as info:
        matches({"name": "aa"}, {"name": {"$regex": "(a)\\1"}})
    assert info.value.code == INVALID_QUERY and "backreferences" in info.value.message
