"""Private stand-in for ``parse_compat.query.regex.compile_parse_regex``.

Used only while that shared helper is absent: turns a Parse ``$regex`` (PCRE, with the
SDK's ``\\Q…\\E`` quoting) and ``$options`` into a Python pattern, for MongoDB emulators that
match with Python's ``re`` (mongomock). A real MongoDB receives the PCRE text unchanged.
"""

from __future__ import annotations

import re

_FLAGS = {"i": re.IGNORECASE, "m": re.MULTILINE, "s": re.DOTALL, "x": re.VERBOSE, "u": 0}


def _unquote(pattern: str) -> str:
    out: list[str] = []
    index = 0
    while index < len(pattern):
        char = pattern[index]
        if char == "\\" and index + 1 < len(pattern):
            if pattern[index + 1] == "Q":
                end = pattern.find("\\E", index + 2)
                literal = pattern[index + 2:] if end < 0 else pattern[index + 2:end]
                out.append(re.escape(literal))
                index = len(pattern) if end < 0 else end + 2
                continue
            out.append(pattern[index:index + 2])
            index += 2
            continue
        out.append(char)
        index += 1
    return "".join(out)


def compile_pcre(pattern: str, options: str | None = None) -> re.Pattern[str]:
    flags = 0
    for letter in options or "":
        flags |= _FLAGS.get(letter, 0)
    return re.compile(_unquote(pattern), flags)
