"""PCRE-flavoured ``$regex`` support: Parse/MongoDB regexes compiled for Python's ``re``.

Parse clients send PCRE patterns (the SDKs quote user text as ``\\Q…\\E``), which Python's
``re`` does not understand. This module owns the translation and the compiled-pattern cache:

- ``\\Q…\\E`` quoting, including an unterminated ``\\Q`` (literal to the end) and a stray
  ``\\E`` (ignored), also inside character classes;
- ``\\z`` → ``\\Z`` and PCRE's ``\\Z`` (end or before a final newline);
- named groups ``(?<name>…)`` / ``(?'name'…)`` and back-references ``\\k<name>``;
- POSIX classes ``[[:alpha:]]`` and friends;
- ``$options`` letters ``i m x s u`` (anything else is a 102).

It imports nothing with I/O. ``regex_search`` is shaped so the SQLite adapter can register it
as a SQL function.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from parse_compat.errors import INVALID_QUERY, ParseError

__all__ = ("compile_parse_regex", "regex_search", "translate_pcre", "OPTION_FLAGS")

# The option letters Parse accepts, mapped to Python flags (read-only).
OPTION_FLAGS: Mapping[str, re.RegexFlag] = MappingProxyType({
    "i": re.IGNORECASE,
    "m": re.MULTILINE,
    "x": re.VERBOSE,
    "s": re.DOTALL,
    "u": re.UNICODE,
})

_POSIX_CLASSES: Mapping[str, str] = MappingProxyType({
    "alpha": "a-zA-Z",
    "digit": "0-9",
    "alnum": "a-zA-Z0-9",
    "upper": "A-Z",
    "lower": "a-z",
    "space": r"\s",
    "blank": r" \t",
    "word": r"\w",
    "xdigit": "0-9A-Fa-f",
    "punct": r"!-/:-@\[-`{-~",
    "cntrl": r"\x00-\x1f\x7f",
    "print": r"\x20-\x7e",
    "graph": r"\x21-\x7e",
    "ascii": r"\x00-\x7f",
})

# Characters that are literal inside a PCRE class but that Python may warn about there
# ("possible nested set" / "set operation").
_CLASS_ESCAPE = frozenset("[&~|")


def _quote(literal: str) -> str:
    """A Python-``re`` fragment matching ``literal`` exactly (the body of ``\\Q…\\E``)."""
    return re.escape(literal)


def translate_pcre(pattern: str) -> str:
    """Translate the PCRE constructs Parse clients use into Python ``re`` syntax."""
    out: list[str] = []
    i = 0
    n = len(pattern)
    in_class = False
    class_body_start = 0  # index of the first char of the current class body
    while i < n:
        c = pattern[i]
        if c == "\\":
            if i + 1 >= n:
                out.append("\\")  # a trailing backslash; re reports it as an error
                i += 1
                continue
            nxt = pattern[i + 1]
            if nxt == "Q":
                end = pattern.find("\\E", i + 2)
                literal = pattern[i + 2:] if end < 0 else pattern[i + 2:end]
                out.append(_quote(literal))
                i = n if end < 0 else end + 2
                continue
            if nxt == "E":  # \E without \Q is ignored by PCRE
                i += 2
                continue
            if not in_class:
                if nxt == "z":
                    out.append(r"\Z")
                    i += 2
                    continue
                if nxt == "Z":
                    out.append(r"(?=\n?\Z)")
                    i += 2
                    continue
                if nxt == "k" and i + 2 < n and pattern[i + 2] in "<'{":
                    close = {"<": ">", "'": "'", "{": "}"}[pattern[i + 2]]
                    end = pattern.find(close, i + 3)
                    if end > 0:
                        out.append(f"(?P={pattern[i + 3:end]})")
                        i = end + 1
                        continue
            out.append(pattern[i:i + 2])
            i += 2
            continue
        if in_class:
            if c == "]" and i > class_body_start:
                in_class = False
                out.append(c)
                i += 1
                continue
            if c == "]":  # a "]" first in the class is literal
                out.append(r"\]")
                i += 1
                continue
            if c == "[" and pattern.startswith("[:", i):
                end = pattern.find(":]", i + 2)
                if end > 0:
                    name = pattern[i + 2:end]
                    negated = name.startswith("^")
                    body = _POSIX_CLASSES.get(name.lstrip("^"))
                    if body is not None and not negated:
                        out.append(body)
                        i = end + 2
                        continue
            if c in _CLASS_ESCAPE:
                out.append("\\" + c)
                i += 1
                continue
            out.append(c)
            i += 1
            continue
        if c == "[":
            in_class = True
            out.append(c)
            i += 1
            if i < n and pattern[i] == "^":
                out.append("^")
                i += 1
            class_body_start = i
            continue
        if c == "(" and pattern.startswith("(?<", i) and i + 3 < n and pattern[i + 3] not in "=!":
            out.append("(?P<")
            i += 3
            continue
        if c == "(" and pattern.startswith("(?'", i):
            end = pattern.find("'", i + 3)
            if end > 0:
                out.append(f"(?P<{pattern[i + 3:end]}>")
                i = end + 1
                continue
        out.append(c)
        i += 1
    return "".join(out)


def _flags(options: str) -> int:
    flags = 0
    for letter in options:
        flag = OPTION_FLAGS.get(letter)
        if flag is None:
            raise ParseError(INVALID_QUERY, f"Bad $options value for query: {options}")
        flags |= flag
    return flags


@functools.lru_cache(maxsize=1024)
def compile_parse_regex(pattern: str, options: str = "") -> re.Pattern[str]:
    """Compile a Parse ``$regex`` (+ ``$options``) into a Python pattern, cached.

    Raises ``ParseError(INVALID_QUERY)`` for options outside ``imxsu`` and for a pattern
    that does not compile.
    """
    if not isinstance(pattern, str):
        raise ParseError(INVALID_QUERY, f"Invalid regex: {pattern!r}")
    flags = _flags(options or "")
    try:
        return re.compile(translate_pcre(pattern), flags)
    except (re.error, OverflowError, RecursionError) as exc:
        raise ParseError(INVALID_QUERY, f"Invalid regex {pattern!r}: {exc}") from exc


def regex_search(pattern: str, options: str | None, value: Any) -> bool:
    """True when ``value`` is a string containing a match of ``pattern`` (search semantics).

    Non-string values (None, numbers, …) never match, as in MongoDB. Suitable as a SQLite
    user function, e.g. ``conn.create_function("parse_regexp", 3, regex_search,
    deterministic=True)``.
    """
    if not isinstance(value, str):
        return False
    return compile_parse_regex(pattern, options or "").search(value) is not None
