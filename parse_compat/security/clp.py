"""Class-level permissions: defaults, validation and the check for one operation.

Pure. `check` either allows, restricts the query to pointer-permission fields, or raises
Parse's error (119, or 101 for `requiresAuthentication` without a user).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ..errors import INVALID_JSON, OBJECT_NOT_FOUND, OPERATION_FORBIDDEN, ParseError

OPERATIONS = ("find", "count", "get", "create", "update", "delete", "addField")
ALL_KEYS = (*OPERATIONS, "readUserFields", "writeUserFields", "protectedFields", "ACL")
READ_OPS = ("find", "count", "get")
WRITE_OPS = ("update", "delete")
ENTITY = re.compile(r"^(\*|requiresAuthentication|role:.+|[A-Za-z0-9_]+)$")


def default_clp() -> dict[str, Any]:
    clp: dict[str, Any] = {op: {"*": True} for op in OPERATIONS}
    clp["protectedFields"] = {"*": []}
    return clp


# Parse Server's default `protectedFields` server option.
DEFAULT_SERVER_PROTECTED: dict[str, dict[str, list[str]]] = {"_User": {"*": ["email"]}}


@dataclass(frozen=True)
class ServerProtection:
    """The `protectedFields` server option (merged with Parse's default at boot) and
    `protectedFieldsOwnerExempt`: a user's own `_User` object shows every field."""

    by_class: Mapping[str, Mapping[str, tuple[str, ...]]] = field(
        default_factory=lambda: {"_User": {"*": ("email",)}})
    owner_exempt: bool = True

    @classmethod
    def from_options(cls, option: Mapping[str, Any] | None, owner_exempt: bool = True,
                     user_sensitive_fields: list[str] | None = None) -> ServerProtection:
        """Parse's boot merge: the deprecated `userSensitiveFields` join `_User`'s `*` entry; a class of
        the default missing from the option takes the default; for one present, each default entry is
        added to the option's, except that with `owner_exempt` false an entry the option names is kept
        as given (so `{"_User": {"*": []}}` then shows `email`)."""
        source = option if option is not None else DEFAULT_SERVER_PROTECTED
        merged: dict[str, dict[str, list[str]]] = {
            name: {entity: list(fields) for entity, fields in entries.items()}
            for name, entries in source.items()}
        if user_sensitive_fields:
            user = merged.setdefault("_User", {})
            user["*"] = list(dict.fromkeys([*user.get("*", []), *user_sensitive_fields]))
        for name, defaults in DEFAULT_SERVER_PROTECTED.items():
            entries = merged.setdefault(name, {})
            for entity, fields in defaults.items():
                if entity in entries and not owner_exempt:
                    continue
                entries[entity] = list(dict.fromkeys([*entries.get(entity, []), *fields]))
        frozen = {name: {entity: tuple(fields) for entity, fields in entries.items()}
                  for name, entries in merged.items()}
        return cls(frozen, owner_exempt)


DEFAULT_PROTECTION = ServerProtection()


def effective(stored: dict[str, Any] | None, class_name: str | None = None,
              protection: ServerProtection = DEFAULT_PROTECTION) -> dict[str, Any]:
    """A stored CLP with Parse's fill-ins: missing operations are denied ({}); the server's
    `protectedFields` for the class are added to the CLP's, entry by entry (by default `_User`
    hides `email`, Parse 9's default)."""
    if stored is None:
        clp = default_clp()
    else:
        clp = {op: stored.get(op, {}) for op in OPERATIONS}
        for key in ("readUserFields", "writeUserFields", "protectedFields", "ACL"):
            if key in stored:
                clp[key] = stored[key]
    clp.setdefault("protectedFields", {})
    server = protection.by_class.get(class_name or "")
    if server:
        protected = {entity: list(fields) for entity, fields in (clp["protectedFields"] or {}).items()}
        for entity, fields in server.items():
            protected[entity] = list(dict.fromkeys([*protected.get(entity, []), *fields]))
        clp["protectedFields"] = protected
    return clp


def validate(clp: Any, fields: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """Check a CLP sent to /schemas or declared in schema.json; 107 when malformed."""
    if not isinstance(clp, dict):
        raise ParseError(INVALID_JSON, "CLP must be an object")
    for key, value in clp.items():
        if key not in ALL_KEYS:
            raise ParseError(INVALID_JSON, f"{key} is not a valid operation for class level permissions")
        if key in ("readUserFields", "writeUserFields"):
            _check_pointer_fields(value, fields, key)
            continue
        if key == "protectedFields":
            if not isinstance(value, dict) or not all(
                isinstance(v, list) and all(isinstance(x, str) for x in v) for v in value.values()
            ):
                raise ParseError(INVALID_JSON, f"{value!r} is not a valid value for protectedFields")
            continue
        if key == "ACL":
            if not isinstance(value, dict):
                raise ParseError(INVALID_JSON, "ACL default must be an object")
            continue
        if not isinstance(value, dict):
            raise ParseError(INVALID_JSON, f"{value!r} is not a valid value for class level permissions {key}")
        for entity, allowed in value.items():
            if entity == "pointerFields":
                _check_pointer_fields(allowed, fields, key)
                continue
            if not ENTITY.match(entity):
                raise ParseError(INVALID_JSON, f"{entity} is not a valid entity for {key}")
            if allowed is not True:
                raise ParseError(INVALID_JSON, f"{allowed!r} is not a valid value for class level "
                                               f"permissions {key}:{entity}:{allowed}")
    return clp


def _check_pointer_fields(value: Any, fields: dict[str, dict[str, Any]], key: str) -> None:
    if not isinstance(value, list):
        raise ParseError(INVALID_JSON, f"{key} must be an array of pointer fields")
    for name in value:
        spec = fields.get(name) if isinstance(name, str) else None
        if not spec or not (
            spec["type"] == "Array" or (spec["type"] == "Pointer" and spec.get("targetClass") == "_User")
        ):
            raise ParseError(INVALID_JSON, f"'{name}' is not a valid column for class level pointer "
                                           f"permissions {key}")


def check(clp: dict[str, Any], operation: str, group: list[str], has_user: bool) -> list[str] | None:
    """Allow (None), restrict to pointer fields (their names), or raise Parse's error."""
    perms = clp.get(operation, {})
    if not isinstance(perms, dict):
        perms = {}
    if perms.get("*") is True or any(perms.get(entity) is True for entity in group if entity != "*"):
        return None
    if perms.get("requiresAuthentication") is True:
        if not has_user:
            raise ParseError(OBJECT_NOT_FOUND, "Permission denied, user needs to be authenticated.")
        return None
    pointer_fields = list(perms.get("pointerFields") or [])
    if operation in READ_OPS:
        pointer_fields += clp.get("readUserFields") or []
    elif operation in WRITE_OPS:
        pointer_fields += clp.get("writeUserFields") or []
    if pointer_fields and operation != "create" and operation != "addField" and has_user:
        return pointer_fields
    if pointer_fields and operation != "create" and operation != "addField":
        # parse-compat: an anonymous caller matches no pointer field, so the query is empty
        return pointer_fields
    raise ParseError(OPERATION_FORBIDDEN, "Permission denied")


def protected_fields(clp: dict[str, Any], group: list[str], has_user: bool,
                     doc_pointer_owners: dict[str, bool] | None = None) -> set[str]:
    """Fields hidden from this caller: the intersection over every entry that applies."""
    spec = clp.get("protectedFields") or {}
    applicable: list[set[str]] = []
    for entity, fields in spec.items():
        if entity == "*" or (entity == "authenticated" and has_user) or (
            entity != "*" and entity in group
        ):
            applicable.append(set(fields))
        elif entity.startswith("userField:") and doc_pointer_owners and doc_pointer_owners.get(entity[10:]):
            applicable.append(set(fields))
    if not applicable:
        return set()
    hidden = set.intersection(*applicable)
    return hidden - {"objectId", "createdAt", "updatedAt", "ACL"}
