"""What one subscriber may see of one object: the security policy (``security.policy``), asked
the way a REST find or get asks it — no rule of its own lives here.

- the class grant for ``find`` (``get`` when the where is just ``{"objectId": "..."}``): closed
  classes, CLP (``requiresAuthentication``, pointer permissions), own ``_Session`` only;
- per object version: ACL read and pointer permissions (``policy.readable``);
- per object version: the protected fields REST strips for this caller, ``userField:`` entries and
  the owner's own ``_User`` included (``policy.hidden_for``).

What this module adds is Live Query's cost model: the class facts are computed once per change,
and roles are resolved lazily through the app's role cache, only when an ACL, the CLP operation
or ``protectedFields`` names a role, so public objects never cost a role lookup.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ..auth.roles import RoleResolver
from ..errors import ParseError
from ..security import clp as clp_rules
from ..security import policy

Document = Mapping[str, Any]


def clp_operation(where: Mapping[str, Any]) -> str:
    """``get`` for a query on one objectId, else ``find`` (Parse Server's _getCLPOperation)."""
    return "get" if len(where) == 1 and isinstance(where.get("objectId"), str) else "find"


def _names_role(entries: Any) -> bool:
    return any(isinstance(entry, str) and entry.startswith("role:") for entry in entries or ())


@dataclass
class ClassAccess:
    """The class-level facts of one change, computed once for every subscriber."""

    class_name: str
    stored: dict[str, Any] | None
    clp: dict[str, Any]  # the effective CLP, computed once per change
    clp_names_roles: dict[str, bool] = field(default_factory=dict)
    protection: clp_rules.ServerProtection = clp_rules.DEFAULT_PROTECTION

    @classmethod
    def from_stored(cls, stored: dict[str, Any] | None, class_name: str = "",
                    protection: clp_rules.ServerProtection = clp_rules.DEFAULT_PROTECTION) -> ClassAccess:
        clp = clp_rules.effective(stored, class_name, protection)
        protected = _names_role((clp.get("protectedFields") or {}).keys())
        names = {op: protected or _names_role((clp.get(op) or {}).keys()) for op in ("find", "get")}
        return cls(class_name, stored, clp, names, protection)


class Viewer:
    """One subscriber's identity for the duration of one change."""

    __slots__ = ("user_id", "is_master", "_roles", "_resolver")

    def __init__(self, user_id: str | None, is_master: bool, resolver: RoleResolver) -> None:
        self.user_id = user_id
        self.is_master = is_master
        self._roles: list[str] | None = None
        self._resolver = resolver

    async def caller(self, with_roles: bool) -> policy.Caller:
        if self.is_master:
            return policy.Caller(True, False, self.user_id, ())
        if self.user_id is None:
            return policy.Caller(False, False, None, ("*",))
        if with_roles and self._roles is None:
            self._roles = await self._resolver.roles_for(self.user_id)
        roles = self._roles if with_roles and self._roles else ()
        return policy.Caller(False, False, self.user_id, ("*", self.user_id, *roles))


@dataclass(frozen=True, slots=True)
class Verdict:
    """One subscriber's grant for one change: the policy's answer and the caller it was given for."""

    grant: policy.ClassGrant
    caller: policy.Caller

    @property
    def hidden(self) -> frozenset[str]:
        """The class-wide protected fields (what a where or watch list may not use)."""
        return self.grant.hidden

    def hidden_for(self, doc: Document | None) -> frozenset[str]:
        """The protected fields of one object version for this subscriber."""
        return policy.hidden_for(self.grant, self.caller, doc)


async def class_verdict(access: ClassAccess, operation: str, viewer: Viewer,
                        docs: tuple[Document | None, ...]) -> Verdict | None:
    """The policy's class grant for this subscriber (None = no event at all)."""
    needs_roles = access.clp_names_roles.get(operation, False) or any(
        doc is not None and _names_role(doc.get("_rperm")) for doc in docs)
    who = await viewer.caller(needs_roles)
    try:
        grant = policy.class_grant(access.class_name, access.stored, operation, who, effective_clp=access.clp,
                                   protection=access.protection)
    except ParseError:
        return None
    return Verdict(grant, who)


def readable(doc: Document | None, verdict: Verdict, user_id: str | None = None) -> bool:
    """ACL read access, pointer permissions and own-session for one version of an object."""
    return policy.readable(verdict.grant, verdict.caller, doc)


def protected_in_query(where: Mapping[str, Any], hidden: frozenset[str] | set[str]) -> str | None:
    """The first protected field a where (or watch list) uses, if any."""
    return policy.first_protected_key(where, hidden)
