"""Parse Server 9's `requestComplexity` guards, plus fixed maxima no legitimate query reaches.

Options (Parse's names and meaning; each a positive integer, or -1 for no limit):
`includeDepth` (dots in one include path), `includeCount` (include paths, each prefix of a dotted
path counting once, as Parse counts them), `subqueryDepth` (`$inQuery`/`$notInQuery`/`$select`/
`$dontSelect` nested in each other), `subqueryLimit` (rows a sub-query may return),
`queryDepth` (`$or`/`$and`/`$nor` nested in each other, anywhere in the where),
`batchRequestLimit` (items in one `/batch`), `allowRegex` (false: `$regex` refused),
`graphQLDepth`, `graphQLFields` (the GraphQL API's depth and field count: graphql/guards.py).
Exceeding one is Parse's 102 (107 for a batch) with Parse's message. The master key is never
limited, as in Parse. Parse ships every limit off; a server started with a schema template (the
dental one) ships them on (TEMPLATE_DEFAULTS) unless the option says otherwise.

Independently of the options, a where holding more than MAX_WHERE_NODES values, or an array
operand longer than MAX_ARRAY_OPERAND, is refused (102) for every caller: such a query cannot
be answered within a request's budget by any store.
"""

from __future__ import annotations

from typing import Any

from ..codec.scalars import are_scalars, flat_objects
from ..errors import INVALID_JSON, INVALID_QUERY, ParseError

LIMIT_KEYS = ("includeDepth", "includeCount", "subqueryDepth", "subqueryLimit", "queryDepth",
              "batchRequestLimit", "graphQLDepth", "graphQLFields")
PARSE_DEFAULTS: dict[str, Any] = {**dict.fromkeys(LIMIT_KEYS, -1), "allowRegex": True}
TEMPLATE_DEFAULTS: dict[str, Any] = {
    "includeDepth": 5, "includeCount": 50, "subqueryDepth": 3, "subqueryLimit": 10000, "queryDepth": 10,
    "batchRequestLimit": 50, "graphQLDepth": 20, "graphQLFields": 200, "allowRegex": True,
}
SUBQUERY_OPERATORS = frozenset({"$inQuery", "$notInQuery", "$select", "$dontSelect"})
LOGICAL_OPERATORS = frozenset({"$or", "$and", "$nor"})
COUNTED_KEYS = SUBQUERY_OPERATORS | LOGICAL_OPERATORS | {"$regex"}  # the keys check_where looks at
MAX_WHERE_NODES = 200_000
MAX_ARRAY_OPERAND = 100_000


def resolve(settings: Any) -> dict[str, Any]:
    """The effective limits; raises ValueError (a boot error) on a bad `requestComplexity`."""
    given = getattr(settings, "requestComplexity", None)
    base = dict(TEMPLATE_DEFAULTS if settings.schema else PARSE_DEFAULTS)
    if given is None:
        return base
    if not isinstance(given, dict):
        raise ValueError("requestComplexity must be an object.")
    for key, value in given.items():
        if key == "allowRegex":
            if not isinstance(value, bool):
                raise ValueError("requestComplexity.allowRegex must be a boolean.")
        elif key in LIMIT_KEYS:
            if isinstance(value, bool) or not isinstance(value, int) or (value < 1 and value != -1):
                raise ValueError(f"requestComplexity.{key} must be a positive integer or -1 to disable.")
        else:
            raise ValueError(f"requestComplexity contains unknown property '{key}'.")
        base[key] = value
    return base


def limits(ctx: Any) -> dict[str, Any] | None:
    """The limits for this caller, or None for the master key (never limited)."""
    if ctx.auth.has_master_power:
        return None
    services = ctx.state.services
    found = services.request_complexity
    if found is None:
        found = services.request_complexity = resolve(ctx.state.settings)
    return found


def _over(rc: dict[str, Any], key: str, value: int) -> bool:
    limit = rc[key]
    return limit != -1 and value > limit


def check_where(ctx: Any, where: Any, depth: int = 0) -> None:
    """Size, logical depth, sub-query depth and `$regex` of a whole where (sub-queries included).

    Called by the where preparer for the outermost where (depth 0) of every query; a where
    prepared again inside a sub-query is a part of one already checked.
    """
    if depth:
        return
    rc = limits(ctx)
    nodes = 0
    max_logical = max_sub = 0
    regex = False
    stack: list[tuple[Any, int, int]] = [(where, 0, 0)]
    while stack:
        node, logical, sub = stack.pop()
        nodes += 1
        if nodes > MAX_WHERE_NODES:
            raise ParseError(INVALID_QUERY, "Query is too large")
        if isinstance(node, list):
            if len(node) > MAX_ARRAY_OPERAND:
                raise ParseError(INVALID_QUERY, f"Query arrays may hold at most {MAX_ARRAY_OPERAND} values")
            leaves = _leaf_count(node)
            if leaves is None:
                stack.extend((item, logical, sub) for item in node)
            else:
                nodes += leaves
                if nodes > MAX_WHERE_NODES:
                    raise ParseError(INVALID_QUERY, "Query is too large")
        elif isinstance(node, dict):
            for key, child in node.items():
                if key == "$regex":
                    regex = True
                child_logical = logical + 1 if key in LOGICAL_OPERATORS else logical
                child_sub = sub + 1 if key in SUBQUERY_OPERATORS else sub
                max_logical = max(max_logical, child_logical)
                max_sub = max(max_sub, child_sub)
                stack.append((child, child_logical, child_sub))
    if rc is None:
        return
    if _over(rc, "queryDepth", max_logical):
        raise ParseError(INVALID_QUERY,
                         f"Query condition nesting depth exceeds maximum allowed depth of {rc['queryDepth']}")
    if _over(rc, "subqueryDepth", max_sub):
        raise ParseError(INVALID_QUERY,
                         f"Subquery nesting depth exceeds maximum allowed depth of {rc['subqueryDepth']}")
    if regex and rc["allowRegex"] is False:
        raise ParseError(INVALID_QUERY, "$regex operator is not allowed")


def _leaf_count(values: list[Any]) -> int | None:
    """The nodes of a list of plain values, or of flat objects with no key ``check_where`` looks
    at (a long `$in` of values or of pointers), counted at once; None for any other list."""
    if are_scalars(values):
        return len(values)
    flat = flat_objects(values, without=COUNTED_KEYS)
    return None if flat is None else len(values) + flat


def check_include(ctx: Any, paths: list[str]) -> None:
    rc = limits(ctx)
    if rc is None or not paths:
        return
    expanded = {".".join(parts[: n + 1]) for parts in (p.split(".") for p in paths) for n in range(len(parts))}
    depth = max(len(path.split(".")) for path in paths)
    if _over(rc, "includeDepth", depth):
        raise ParseError(INVALID_QUERY,
                         f"Include depth of {depth} exceeds maximum allowed depth of {rc['includeDepth']}")
    if _over(rc, "includeCount", len(expanded)):
        raise ParseError(INVALID_QUERY, f"Number of include fields ({len(expanded)}) exceeds maximum "
                                        f"allowed ({rc['includeCount']})")


def subquery_limit(ctx: Any) -> int | None:
    """The row limit of a sub-query (`$inQuery`, `$select`, ...) for this caller, or None."""
    rc = limits(ctx)
    if rc is None or rc["subqueryLimit"] == -1:
        return None
    return int(rc["subqueryLimit"])


def check_batch_size(ctx: Any, count: int) -> None:
    rc = limits(ctx)
    if rc is not None and _over(rc, "batchRequestLimit", count):
        raise ParseError(INVALID_JSON, f"Batch request contains {count} sub-requests, which exceeds the limit "
                                       f"of {rc['batchRequestLimit']}.")
