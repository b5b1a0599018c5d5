"""ACL JSON ↔ the `_rperm` / `_wperm` lists storage keeps, and ACL checks on documents.

Pure. Unlike Parse, which stores `{"*": "yes"}` as "no permissions", a malformed ACL is refused
with 123 so a client never believes it shared (or hid) something it did not.
"""

from __future__ import annotations

from typing import Any

from ..errors import INVALID_ACL, ParseError


def acl_to_perms(acl: Any) -> tuple[list[str], list[str]]:
    if not isinstance(acl, dict):
        raise ParseError(INVALID_ACL, "Invalid ACL.")
    read: list[str] = []
    write: list[str] = []
    for entity, perms in acl.items():
        if not isinstance(entity, str) or entity.startswith("*") and entity != "*":
            raise ParseError(INVALID_ACL, "Invalid ACL.")
        if entity in ("__proto__", "constructor"):
            raise ParseError(INVALID_ACL, "Invalid ACL.")
        # parse-compat: stricter than Parse, which stores a malformed entry as granting nothing
        if not isinstance(perms, dict) or set(perms) - {"read", "write"} or not all(
            isinstance(v, bool) for v in perms.values()
        ):
            raise ParseError(INVALID_ACL, "Invalid ACL.")
        if perms.get("read") is True:
            read.append(entity)
        if perms.get("write") is True:
            write.append(entity)
    return read, write


def perms_to_acl(rperm: list[str] | None, wperm: list[str] | None) -> dict[str, dict[str, bool]] | None:
    if rperm is None and wperm is None:
        return None
    acl: dict[str, dict[str, bool]] = {}
    for entity in rperm or []:
        acl.setdefault(entity, {})["read"] = True
    for entity in wperm or []:
        acl.setdefault(entity, {})["write"] = True
    return acl


def can_access(perms: list[str] | None, group: list[str]) -> bool:
    """True when the document has no such list, or it names one of the caller's entities."""
    if perms is None:
        return True
    return any(entity in perms for entity in group)
