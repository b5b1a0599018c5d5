"""The one security policy: may this caller read or write this class or object, and which fields
may it see.

Every read path asks here — REST find/get/count, `include` (and the includes `keys` implies),
the sub-queries `$inQuery` / `$notInQuery` / `$select` / `$dontSelect` / `$relatedTo`, Live Query
subscriptions and events, file downloads — and the write path asks `class_grant` / `writable` for
the loaded original. Pure: the caller's ACL group comes in a `Caller` (built once per request by
`caller_of`, the only async function here, from the app's role resolver).

The decision for a class and an operation is a `ClassGrant` (or Parse's error):

1. classes closed to clients: the master-only system classes, `_Join:` tables, and `find` /
   `count` / `delete` on `_Installation` → 119, as Parse Server's role security answers;
   the read-only master key may not write (119);
2. the class-level permissions for the operation (119, or 101 for `requiresAuthentication`
   without a user); pointer permissions restrict the grant to objects whose field is the caller;
3. `_Session`: only the caller's own sessions (209 without a user);
4. protected fields — the class CLP's entries plus the server's `protectedFields` option
   (`clp.ServerProtection`) — the intersection over every entry that applies (`*`, `authenticated`,
   the user id, roles), narrowed per object by the `userField:<pointer>` entries that point to the
   caller (`hidden_for`).

For one object, `readable` / `writable` answer ACL (`_rperm` / `_wperm`) + pointer permissions +
own-session in memory; `storage_where` gives the same as a storage constraint so that a query
never loads what the caller may not see. `check_query_keys` / `check_sort_keys` / `check_key`
refuse (119) any use of a protected field that would let a caller infer its value.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from ..auth.identity import Auth
from ..errors import INVALID_SESSION_TOKEN, OPERATION_FORBIDDEN, ParseError
from ..schema.model import MASTER_ONLY_CLASSES
from . import clp as clp_rules
from .acl import can_access

# Master-only for every operation (`_Audit`, the audit trail, is one of them).
CLOSED_CLASSES = MASTER_ONLY_CLASSES | {"_Audit"}
# parse-compat: Parse refuses clients find and delete on _Installation; count is a find here too.
INSTALLATION_CLOSED_OPS = frozenset({"find", "count", "delete"})
WRITE_OPS = frozenset({"create", "update", "delete", "addField"})
# Fields a protectedFields entry can never hide (Parse always returns them).
ALWAYS_VISIBLE = frozenset({"objectId", "createdAt", "updatedAt", "ACL"})
LOGICAL = ("$or", "$and", "$nor")
Document = Mapping[str, Any]


class RoleSource(Protocol):
    async def roles_for(self, user_id: str) -> list[str]: ...


@dataclass(frozen=True, slots=True)
class Caller:
    """Who asks. `master` is true for the read-only master key too (`read_only` tells them apart)."""

    master: bool
    read_only: bool
    user_id: str | None
    group: tuple[str, ...]

    @property
    def has_user(self) -> bool:
        return self.user_id is not None

    @property
    def user_pointer(self) -> dict[str, str] | None:
        if self.user_id is None:
            return None
        return {"__type": "Pointer", "className": "_User", "objectId": self.user_id}


MASTER_CALLER = Caller(True, False, None, ())


def caller(auth: Auth, roles: Iterable[str] = ()) -> Caller:
    """The caller of `auth` with the given (already resolved) roles."""
    if auth.has_master_power:
        return Caller(True, auth.is_read_only and not auth.is_master, auth.user_id, ())
    if auth.user_id is None:
        return Caller(False, False, None, ("*",))
    return Caller(False, False, auth.user_id, ("*", auth.user_id, *roles))


async def caller_of(auth: Auth, resolver: RoleSource) -> Caller:
    """The caller with its roles, resolved once per `Auth` (cached on it)."""
    if auth.has_master_power or auth.user_id is None:
        return caller(auth)
    if auth.roles is None:
        auth.roles = await resolver.roles_for(auth.user_id)
    return caller(auth, auth.roles)


@dataclass(slots=True)
class ClassGrant:
    """What the class rules allow one caller for one operation."""

    class_name: str
    operation: str
    master: bool
    pointer_fields: tuple[str, ...] | None  # restrict to objects whose field is (or holds) the caller
    hidden: frozenset[str]  # protected fields before `userField:` entries (the most a query may not use)
    user_fields: tuple[tuple[str, frozenset[str]], ...]  # `userField:<field>` → the fields it leaves hidden
    own_sessions: bool  # `_Session`: only the caller's own
    class_entries_apply: bool = False  # some `*` / `authenticated` / user / role entry applies
    owner_exempt: bool = True  # `protectedFieldsOwnerExempt`: a user's own `_User` shows every field


def check_class_open(class_name: str, operation: str, who: Caller) -> None:
    """Refuse (119) classes no client may reach, and writes with the read-only master key."""
    if who.master:
        if who.read_only and operation in WRITE_OPS:
            raise ParseError(OPERATION_FORBIDDEN,
                             f"read-only masterKey isn't allowed to perform the {operation} operation.")
        return
    if class_name in CLOSED_CLASSES or class_name.startswith("_Join:"):
        verb = "find" if operation == "count" else operation
        raise ParseError(OPERATION_FORBIDDEN,
                         f"Clients aren't allowed to perform the {verb} operation on the {class_name} collection.")
    if class_name == "_Installation" and operation in INSTALLATION_CLOSED_OPS:
        verb = "find" if operation == "count" else operation
        raise ParseError(OPERATION_FORBIDDEN,
                         f"Clients aren't allowed to perform the {verb} operation on the installation collection.")


def class_grant(class_name: str, stored_clp: dict[str, Any] | None, operation: str, who: Caller, *,
                effective_clp: dict[str, Any] | None = None,
                protection: clp_rules.ServerProtection = clp_rules.DEFAULT_PROTECTION) -> ClassGrant:
    """The grant for `operation` on `class_name`, or Parse's error (119, 101, 209). `protection` is the
    server's `protectedFields` option (added to the class's own); `effective_clp` (`clp.effective` of
    the stored CLP with the same protection) saves recomputing it when many callers ask about one class."""
    check_class_open(class_name, operation, who)
    if who.master:
        return ClassGrant(class_name, operation, True, None, frozenset(), (), False)
    clp = effective_clp if effective_clp is not None else clp_rules.effective(stored_clp, class_name, protection)
    group = list(who.group)
    has_user = who.user_id is not None
    pointer_fields = clp_rules.check(clp, operation, group, has_user)
    own_sessions = class_name == "_Session"
    if own_sessions and not has_user:
        raise ParseError(INVALID_SESSION_TOKEN, "Invalid session token")
    spec = clp.get("protectedFields")
    if not spec:
        return ClassGrant(class_name, operation, False, None if pointer_fields is None else tuple(pointer_fields),
                          frozenset(), (), own_sessions)
    hidden = frozenset(clp_rules.protected_fields(clp, group, has_user))
    user_fields: list[tuple[str, frozenset[str]]] = []
    entries_apply = False
    for entity, fields in spec.items():
        if entity.startswith("userField:"):
            if has_user:
                user_fields.append((entity[len("userField:"):], frozenset(fields)))
        elif entity in group or (entity == "authenticated" and has_user):
            entries_apply = True
    return ClassGrant(class_name, operation, False, None if pointer_fields is None else tuple(pointer_fields),
                      hidden, tuple(user_fields), own_sessions, entries_apply, protection.owner_exempt)


def points_to(value: Any, user_id: str | None) -> bool:
    """True when `value` is a `_User` pointer to `user_id`, or an array holding one."""
    if user_id is None:
        return False
    if isinstance(value, list):
        return any(points_to(item, user_id) for item in value)
    return isinstance(value, Mapping) and value.get("objectId") == user_id and \
        value.get("className", "_User") == "_User"


def hidden_for(grant: ClassGrant, who: Caller, doc: Document | None) -> frozenset[str]:
    """Protected fields of one object: none of a user's own `_User` object (unless
    `protectedFieldsOwnerExempt` is false); a `userField:` entry whose pointer is the caller narrows
    the set (intersection, as Parse does; alone it is the set)."""
    if doc is None or grant.master:
        return grant.hidden
    if grant.owner_exempt and grant.class_name == "_User" and who.user_id is not None \
            and doc.get("objectId") == who.user_id:
        return frozenset()
    if not grant.user_fields:
        return grant.hidden
    owned = [fields for name, fields in grant.user_fields if points_to(doc.get(name), who.user_id)]
    if not owned:
        return grant.hidden
    applicable = [set(fields) for fields in owned]
    if grant.class_entries_apply:
        applicable.append(set(grant.hidden))
    return frozenset(set.intersection(*applicable) - ALWAYS_VISIBLE)


def may_see(grant: ClassGrant, who: Caller, doc: Document | None, *, acl_key: str = "_rperm") -> bool:
    """ACL, pointer permissions and own-session for one stored version of an object."""
    if doc is None:
        return False
    if grant.master:
        return True
    if not can_access(doc.get(acl_key), list(who.group)):
        return False
    if grant.pointer_fields is not None and not any(points_to(doc.get(name), who.user_id)
                                                    for name in grant.pointer_fields):
        return False
    if grant.own_sessions and not points_to(doc.get("user"), who.user_id):
        return False
    return True


def readable(grant: ClassGrant, who: Caller, doc: Document | None) -> bool:
    return may_see(grant, who, doc, acl_key="_rperm")


def writable(grant: ClassGrant, who: Caller, doc: Document | None) -> bool:
    """For a loaded original: may this caller update or delete it (grant for `update` / `delete`)."""
    return may_see(grant, who, doc, acl_key="_wperm")


def storage_where(grant: ClassGrant, who: Caller, acl_column: str = "_rperm") -> list[dict[str, Any]]:
    """`readable` / `writable` as storage constraints (combined with `$and` by the caller)."""
    if grant.master:
        return []
    clauses: list[dict[str, Any]] = [{acl_column: {"$in": list(who.group)}}]
    me = who.user_pointer
    if grant.pointer_fields is not None:
        if me is None:
            clauses.append({"objectId": {"$in": []}})
        else:
            clauses.append({"$or": [{name: me} for name in grant.pointer_fields]})
    if grant.own_sessions and me is not None:
        clauses.append({"user": me})
    return clauses


# --- secrets and internal fields -------------------------------------------------------------

# parse-compat: secrets and login identities are never query keys for clients
SECRET_FIELDS = frozenset({"password", "sessionToken", "authData"})


def client_may_query(key: str, who: Caller) -> bool:
    """Internal fields (`_rperm`, `_hashed_password`, ...) and secrets are query keys for the master
    key only (parse-compat: Parse lets clients query `_rperm` / `_wperm`)."""
    return who.master or not (key.startswith("_") or _top(key) in SECRET_FIELDS)


def may_see_auth_data(who: Caller, doc: Document) -> bool:
    """A `_User`'s `authData` is shown to that user and the master key only."""
    return who.master or (who.user_id is not None and who.user_id == doc.get("objectId"))


# --- uses of protected fields that would leak their values ------------------------------------

def _top(key: str) -> str:
    return key.split(".")[0]


def check_key(key: str, hidden: Iterable[str], what: str = "query", class_name: str = "") -> None:
    """One key path (dotted or not) naming a protected field → 119."""
    name = _top(key)
    if name in hidden:
        suffix = f" on class {class_name}" if class_name else " on class"
        raise ParseError(OPERATION_FORBIDDEN, f"This user is not allowed to {what} {name}{suffix}")


def check_query_keys(where: Mapping[str, Any], hidden: Iterable[str], class_name: str = "") -> None:
    """Every key of a where (through `$or` / `$and` / `$nor`, dotted keys included) → 119 on a protected one."""
    hidden = frozenset(hidden)
    if not hidden:
        return
    for key, value in where.items():
        if key in LOGICAL:
            for sub in value if isinstance(value, list) else ():
                if isinstance(sub, Mapping):
                    check_query_keys(sub, hidden, class_name)
        elif not key.startswith("$"):
            check_key(key, hidden, "query", class_name)


def check_sort_keys(names: Iterable[str], hidden: Iterable[str], class_name: str = "") -> None:
    hidden = frozenset(hidden)
    for name in names:
        check_key(name.lstrip("-"), hidden, "sort on", class_name)


def first_protected_key(where: Mapping[str, Any], hidden: Iterable[str]) -> str | None:
    """The first protected field a where uses, if any (Live Query answers with its own error)."""
    hidden = frozenset(hidden)
    for key, value in where.items():
        if key in LOGICAL:
            for sub in value if isinstance(value, list) else ():
                found = first_protected_key(sub, hidden) if isinstance(sub, Mapping) else None
                if found:
                    return found
        elif not key.startswith("$") and _top(key) in hidden:
            return key
    return None
