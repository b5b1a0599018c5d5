"""What one subscriber may see of one object: the same rules as a REST find or get.

- CLP for ``find`` (``get`` when the where is just ``{"objectId": "..."}``) with the caller's
  full ACL group (roles included, as REST does); ``requiresAuthentication`` needs a user;
  pointer permissions (``pointerFields``, ``readUserFields``) restrict to objects whose field
  is, or contains, the caller — checked per object version, like the ACL;
- ACL read through ``_rperm``: no list, ``*``, the user id, or one of the user's roles;
- protected fields: the same set REST strips for this caller (``security.clp.protected_fields``).

Roles are resolved lazily through the app's role cache, only when an ACL, the CLP operation or
``protectedFields`` names a role, so public objects never cost a role lookup.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ..auth.roles import RoleResolver
from ..errors import ParseError
from ..security import clp as clp_rules
from ..security.acl import can_access

Document = Mapping[str, Any]


def clp_operation(where: Mapping[str, Any]) -> str:
    """``get`` for a query on one objectId, else ``find`` (Parse Server's _getCLPOperation)."""
    return "get" if len(where) == 1 and isinstance(where.get("objectId"), str) else "find"


def _names_role(entries: Any) -> bool:
    return any(isinstance(entry, str) and entry.startswith("role:") for entry in entries or ())


@dataclass
class ClassAccess:
    """The class-level facts of one change, computed once for every subscriber."""

    clp: dict[str, Any]
    clp_names_roles: dict[str, bool] = field(default_factory=dict)

    @classmethod
    def from_stored(cls, stored: dict[str, Any] | None, class_name: str | None = None) -> ClassAccess:
        clp = clp_rules.effective(stored, class_name)
        protected = _names_role((clp.get("protectedFields") or {}).keys())
        names = {op: protected or _names_role((clp.get(op) or {}).keys()) for op in ("find", "get")}
        return cls(clp, names)


class Viewer:
    """One subscriber's identity for the duration of one change."""

    __slots__ = ("user_id", "is_master", "_roles", "_resolver")

    def __init__(self, user_id: str | None, is_master: bool, resolver: RoleResolver) -> None:
        self.user_id = user_id
        self.is_master = is_master
        self._roles: list[str] | None = None
        self._resolver = resolver

    async def group(self, with_roles: bool) -> list[str]:
        if self.user_id is None:
            return ["*"]
        if with_roles and self._roles is None:
            self._roles = await self._resolver.roles_for(self.user_id)
        return ["*", self.user_id, *(self._roles if with_roles and self._roles else ())]


@dataclass(frozen=True, slots=True)
class Verdict:
    """Whether a subscriber passes the class rules, and how objects must be filtered for it."""

    pointer_fields: tuple[str, ...] | None
    hidden: frozenset[str]
    group: tuple[str, ...]


MASTER_VERDICT = Verdict(None, frozenset(), ())


async def class_verdict(access: ClassAccess, operation: str, viewer: Viewer,
                        docs: tuple[Document | None, ...]) -> Verdict | None:
    """The CLP check for this subscriber (None = no event at all), with its ACL group."""
    if viewer.is_master:
        return MASTER_VERDICT
    needs_roles = access.clp_names_roles.get(operation, False) or any(
        doc is not None and _names_role(doc.get("_rperm")) for doc in docs)
    group = await viewer.group(needs_roles)
    has_user = viewer.user_id is not None
    try:
        pointer_fields = clp_rules.check(access.clp, operation, group, has_user)
    except ParseError:
        return None
    hidden = frozenset(clp_rules.protected_fields(access.clp, group, has_user))
    return Verdict(tuple(pointer_fields) if pointer_fields is not None else None, hidden, tuple(group))


def _points_to(value: Any, user_id: str) -> bool:
    if isinstance(value, dict):
        return value.get("__type") == "Pointer" and value.get("className") == "_User" and \
            value.get("objectId") == user_id
    if isinstance(value, list):
        return any(_points_to(item, user_id) for item in value)
    return False


def readable(doc: Document | None, verdict: Verdict, user_id: str | None) -> bool:
    """ACL read access and pointer permissions for one version of an object."""
    if doc is None:
        return False
    if verdict is MASTER_VERDICT:
        return True
    if not can_access(doc.get("_rperm"), list(verdict.group)):
        return False
    if verdict.pointer_fields is not None:
        return user_id is not None and any(_points_to(doc.get(name), user_id) for name in verdict.pointer_fields)
    return True


def protected_in_query(where: Mapping[str, Any], hidden: frozenset[str] | set[str]) -> str | None:
    """The first protected field a where (or watch list) uses, if any."""
    for key, value in where.items():
        if key in ("$or", "$and", "$nor") and isinstance(value, list):
            for sub in value:
                if isinstance(sub, Mapping):
                    found = protected_in_query(sub, hidden)
                    if found:
                        return found
        elif key.split(".")[0] in hidden:
            return key
    return None
