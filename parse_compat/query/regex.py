"""PCRE-flavoured ``$regex`` support, run in linear time by RE2 (``google-re2``).

Parse clients send PCRE patterns (the SDKs quote user text as ``\\Q…\\E``). Python's ``re``
backtracks, so one pattern such as ``(a+)+$`` against a long ``aaaa…!`` string could hold a
thread for ever. Every ``$regex`` (SQLite function, in-memory matcher, mongomock) therefore
compiles here into an RE2 pattern, whose matching time is linear in the text. This module owns:

- the translation of the PCRE constructs Parse clients use into RE2 syntax: ``\\Q…\\E``
  quoting (an unterminated ``\\Q`` quotes to the end, a stray ``\\E`` is ignored; also inside
  classes), PCRE's ``\\Z`` and ``$`` (end or before a final newline), named groups
  ``(?<name>…)`` / ``(?'name'…)``, POSIX classes, ``$options`` letters ``i m s x u``
  (``x``: whitespace and ``#`` comments are stripped here, RE2 has no extended mode);
- refusing what RE2 cannot run in linear time, with a 102 that names the reason;
- the pattern length cap (``MAX_PATTERN_LENGTH``) and the compiled-pattern cache.

It imports nothing with I/O. ``regex_search`` is shaped so the SQLite adapter can register it
as a SQL function.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

import re2

from parse_compat.errors import INVALID_QUERY, ParseError

__all__ = ("MAX_PATTERN_LENGTH", "OPTION_FLAGS", "compile_parse_regex", "regex_search", "translate_pcre",
           "validate_parse_regex")

# parse-compat: patterns longer than this are refused (102); Parse sets no limit.
MAX_PATTERN_LENGTH = 1000

# The option letters Parse accepts, mapped to RE2 inline flags ("x" and "u" need none: extended
# mode is applied by the translator and RE2 always matches Unicode text).
OPTION_FLAGS: Mapping[str, str] = MappingProxyType({"i": "i", "m": "m", "s": "s", "x": "", "u": ""})

# parse-compat: PCRE constructs that need backtracking. RE2 cannot run them, so they are
# refused with a 102 that names the construct instead of risking an unbounded match.
_UNSUPPORTED_GROUPS: tuple[tuple[str, str], ...] = (
    ("(?<=", "look-behind"),
    ("(?<!", "look-behind"),
    ("(?=", "look-ahead"),
    ("(?!", "look-ahead"),
    ("(?>", "atomic groups"),
    ("(?(", "conditional groups"),
    ("(?R", "recursion"),
    ("(?&", "recursion"),
    ("(?P>", "recursion"),
    ("(?P=", "backreferences"),
)
_BACKREFERENCE_ESCAPES = frozenset("123456789kg")
_X_WHITESPACE = frozenset(" \t\n\r\f\v")


def _unsupported(reason: str) -> ParseError:
    return ParseError(INVALID_QUERY, f"Invalid regex: {reason} are not supported (regular expressions "
                                     "run in linear time)")


def _literal(text: str) -> str:
    """An RE2 fragment matching ``text`` exactly, valid inside and outside a class and in x mode."""
    return "".join(c if c.isalnum() or c == "_" or ord(c) > 0x7f else f"\\x{{{ord(c):02x}}}" for c in text)


def _quoted(pattern: str, i: int) -> tuple[str, int]:
    """The literal of the ``\\Q…\\E`` starting at ``i`` and the index after it."""
    end = pattern.find("\\E", i + 2)
    if end < 0:
        return _literal(pattern[i + 2:]), len(pattern)
    return _literal(pattern[i + 2:end]), end + 2


def _escape(pattern: str, i: int, out: list[str], in_class: bool) -> int:
    """Translate the escape at ``i`` (``pattern[i] == "\\\\"``); return the next index."""
    n = len(pattern)
    if i + 1 >= n:
        raise ParseError(INVALID_QUERY, "Invalid regex: a trailing backslash")
    nxt = pattern[i + 1]
    if nxt == "Q":
        literal, i = _quoted(pattern, i)
        out.append(literal)
        return i
    if nxt == "E":  # \E without \Q is ignored by PCRE
        return i + 2
    if not in_class:
        if nxt in _BACKREFERENCE_ESCAPES:
            raise _unsupported("backreferences")
        if nxt == "Z":
            out.append("(?:\\n?\\z)")
            return i + 2
    out.append(pattern[i:i + 2])
    return i + 2


def _class(pattern: str, i: int, out: list[str]) -> int:
    """Translate the character class opening at ``i``; return the index after its ``]``."""
    n = len(pattern)
    out.append("[")
    i += 1
    if i < n and pattern[i] == "^":
        out.append("^")
        i += 1
    body_start = i
    while i < n:
        c = pattern[i]
        if c == "\\":
            i = _escape(pattern, i, out, in_class=True)
        elif c == "]" and i > body_start:
            out.append("]")
            return i + 1
        elif c == "]":  # a "]" first in the class is literal
            out.append("\\]")
            i += 1
        elif c == "[" and pattern.startswith("[:", i) and pattern.find(":]", i + 2) > 0:
            end = pattern.find(":]", i + 2) + 2
            out.append(pattern[i:end])  # POSIX class: RE2 knows [:alpha:] and [:^alpha:]
            i = end
        elif c == "[":
            out.append("\\[")
            i += 1
        else:
            out.append(c)
            i += 1
    raise ParseError(INVALID_QUERY, "Invalid regex: missing ]")


def translate_pcre(pattern: str, extended: bool = False, multiline: bool = False) -> str:
    """Translate the PCRE constructs Parse clients use into RE2 syntax.

    Raises ``ParseError(INVALID_QUERY)`` for constructs RE2 cannot run (backreferences,
    look-around, atomic groups, conditionals, recursion).
    """
    out: list[str] = []
    i = 0
    n = len(pattern)
    while i < n:
        c = pattern[i]
        if c == "\\":
            i = _escape(pattern, i, out, in_class=False)
        elif c == "[":
            i = _class(pattern, i, out)
        elif extended and c in _X_WHITESPACE:
            i += 1
        elif extended and c == "#":
            end = pattern.find("\n", i)
            i = n if end < 0 else end + 1
        elif c == "$" and not multiline:
            # parse-compat: PCRE's "$" also matches before a final newline; RE2's does not.
            out.append("(?:\\n?\\z)")
            i += 1
        elif c == "(" and pattern.startswith("(?", i):
            i = _group(pattern, i, out)
        else:
            out.append(c)
            i += 1
    return "".join(out)


def _group(pattern: str, i: int, out: list[str]) -> int:
    """Translate the ``(?`` group opening at ``i``; return the next index."""
    for prefix, reason in _UNSUPPORTED_GROUPS:
        if pattern.startswith(prefix, i):
            raise _unsupported(reason)
    if pattern.startswith("(?<", i):
        out.append("(?P<")
        return i + 3
    if pattern.startswith("(?'", i):
        end = pattern.find("'", i + 3)
        if end > 0:
            out.append(f"(?P<{pattern[i + 3:end]}>")
            return end + 1
    if i + 2 < len(pattern) and pattern[i + 2].isdigit():
        raise _unsupported("recursion")
    out.append("(?")
    return i + 2


def _flags(options: str) -> str:
    flags = ""
    for letter in options:
        flag = OPTION_FLAGS.get(letter)
        if flag is None:
            raise ParseError(INVALID_QUERY, f"Bad $options value for query: {options}")
        flags += flag
    return flags


def _re2_options() -> re2.Options:
    options = re2.Options()
    options.log_errors = False
    return options


@functools.lru_cache(maxsize=1024)
def compile_parse_regex(pattern: str, options: str = "") -> Any:
    """Compile a Parse ``$regex`` (+ ``$options``) into an RE2 pattern, cached.

    The result has ``search(text)`` (``None`` when there is no match). Raises
    ``ParseError(INVALID_QUERY)`` for options outside ``imxsu``, a pattern longer than
    ``MAX_PATTERN_LENGTH``, a construct RE2 cannot run, and a pattern that does not compile.
    """
    if not isinstance(pattern, str):
        raise ParseError(INVALID_QUERY, f"Invalid regex: {pattern!r}")
    if len(pattern) > MAX_PATTERN_LENGTH:
        raise ParseError(INVALID_QUERY, f"Invalid regex: longer than {MAX_PATTERN_LENGTH} characters")
    options = options or ""
    flags = _flags(options)
    translated = translate_pcre(pattern, extended="x" in options, multiline="m" in options)
    source = f"(?{''.join(sorted(set(flags)))}){translated}" if flags else translated
    try:
        return re2.compile(source, _re2_options())
    except re2.error as exc:
        reason = exc.args[0].decode(errors="replace") if exc.args and isinstance(exc.args[0], bytes) else exc
        raise ParseError(INVALID_QUERY, f"Invalid regex {pattern!r}: {reason}") from exc


def validate_parse_regex(pattern: Any, options: Any = "") -> None:
    """Raise the 102 ``compile_parse_regex`` would raise; used before handing a pattern to
    MongoDB, so every adapter accepts and refuses the same patterns."""
    compile_parse_regex(pattern, options or "")


def regex_search(pattern: str, options: str | None, value: Any) -> bool:
    """True when ``value`` is a string containing a match of ``pattern`` (search semantics).

    Non-string values (None, numbers, …) never match, as in MongoDB. Suitable as a SQLite
    user function, e.g. ``conn.create_function("parse_regexp", 3, regex_search,
    deterministic=True)``.
    """
    if not isinstance(value, str):
        return False
    return compile_parse_regex(pattern, options or "").search(value) is not None
