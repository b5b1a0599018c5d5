"""Turns one server's answer into a comparable value: the status, Parse's error code (not its
prose) for errors, and for successes the body with what legitimately differs between two servers
replaced by placeholders — objectIds by the case name that created them, dates, session tokens,
file names and URLs, and unordered result lists sorted."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

DATE = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z")
FILE_PREFIX = re.compile(r"^[0-9a-f]{32}_")
# A class's schema on parse-compat lists the primary key index, as Parse Server on MongoDB does;
# on PostgreSQL Parse lists no `indexes` at all. Both mean "no index but the primary key".
DEFAULT_INDEXES = {"_id_": {"_id": 1}}
RANDOM_USERNAME = re.compile(r"[A-Za-z0-9]{25}")
URL = re.compile(r"^https?://127\.0\.0\.1:\d+/")


@dataclass
class Memory:
    """What one server's earlier answers gave the cases (by case name)."""
    ids: dict[str, str] = field(default_factory=dict)
    tokens: dict[str, str] = field(default_factory=dict)
    files: dict[str, str] = field(default_factory=dict)

    def names(self) -> dict[str, str]:
        found: dict[str, str] = {}
        for name, value in self.ids.items():
            found.setdefault(value, f"<{name}>")  # the first case that saw an id names it
        for name, value in self.files.items():
            found.setdefault(value, f"<file:{name}>")
        return found


def _key_text(value: Any) -> str:
    return json.dumps(value, sort_keys=True)


class Normaliser:
    def __init__(self, memory: Memory) -> None:
        self.known = memory.names()
        self.tokens = set(memory.tokens.values())

    def value(self, value: Any, key: str = "") -> Any:
        if isinstance(value, dict):
            if value.get("indexes") == DEFAULT_INDEXES:
                value = {k: item for k, item in value.items() if k != "indexes"}
            return {self.known.get(k, k): self.value(item, k) for k, item in value.items()}
        if isinstance(value, list):
            return [self.value(item, key) for item in value]
        if not isinstance(value, str):
            return value
        if value in self.known:
            return self.known[value]
        if key == "sessionToken" or value in self.tokens or value.startswith("r:"):
            return "<token>"
        if DATE.fullmatch(value):
            return "<date>"
        if URL.match(value):
            return "<url>"
        if FILE_PREFIX.match(value):
            return "<file>_" + value[33:]
        if key == "username" and RANDOM_USERNAME.fullmatch(value):  # anonymous users' generated names
            return "<username>"
        if key in ("objectId", "installationId"):
            return "<id>"
        return value


def shape_of(value: Any) -> Any:
    """Keys and value types only."""
    if isinstance(value, dict):
        return {key: shape_of(item) for key, item in value.items()}
    if isinstance(value, list):
        return [shape_of(item) for item in value[:1]]
    return type(value).__name__


def comparable(status: int, body: Any, memory: Memory, *, keeps_order: bool, shape: bool = False) -> dict[str, Any]:
    """The part of an answer the suite compares."""
    if not isinstance(body, (dict, list)):
        return {"status": status, "body": "<not json>" if body else body}
    if status >= 400 or (isinstance(body, dict) and set(body) == {"code", "error"}):
        return {"status": status, "code": body.get("code") if isinstance(body, dict) else "<list>"}
    if shape:
        return {"status": status, "shape": shape_of(body)}
    normal = Normaliser(memory).value(body)
    if isinstance(normal, dict) and isinstance(normal.get("results"), list) and not keeps_order:
        normal["results"] = sorted(normal["results"], key=_key_text)
    return {"status": status, "body": normal}
