"""Validate a client's `where` and resolve what needs other queries, producing a storage query.

Unknown `$` operators, internal or malformed keys and over-deep queries are rejected with
Parse's codes. `$inQuery`, `$notInQuery`, `$select`, `$dontSelect`, `$relatedTo` and
constraints on Relation fields run their sub-queries *with the caller's permissions* (the
`sub_find` it is handed asks the security policy, as a direct find would) and become `$in` / `$nin`
constraints; `$relativeTime` becomes a Date.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable
from datetime import UTC, datetime
from typing import Any, Protocol

from ..codec.dates import date_value
from ..errors import INVALID_JSON, INVALID_KEY_NAME, INVALID_QUERY, ParseError
from ..query.regex import compile_parse_regex
from ..query.relative_time import resolve_relative_time
from ..security import policy
from ..storage.base import ClassSchema
from .complexity import check_where
from .context import RequestContext

MAX_DEPTH = 16
KEY_PART = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")
FIELD_OPERATORS = frozenset({
    "$lt", "$lte", "$gt", "$gte", "$eq", "$ne", "$in", "$nin", "$all", "$containedBy", "$exists",
    "$regex", "$options", "$select", "$dontSelect", "$inQuery", "$notInQuery", "$nearSphere",
    "$maxDistance", "$maxDistanceInRadians", "$maxDistanceInMiles", "$maxDistanceInKilometers",
    "$within", "$geoWithin", "$geoIntersects", "$text",
})
COMPARISONS = ("$lt", "$lte", "$gt", "$gte")
GEO_OPERATORS = frozenset({"$nearSphere", "$within", "$geoWithin", "$geoIntersects"})

class SubFind(Protocol):
    """find(ctx, class_name, where, keys) → storage documents, with the caller's permissions; `keys` are
    the fields of that class the sub-query reads values of (refused when protected)."""

    def __call__(self, ctx: RequestContext, class_name: str, where: dict[str, Any],
                 keys: list[str] | None = None) -> Awaitable[list[dict[str, Any]]]: ...


class WherePreparer:
    """One preparation of one `where` for one caller."""

    def __init__(self, ctx: RequestContext, sub_find: SubFind) -> None:
        self.ctx = ctx
        self.sub_find = sub_find

    async def prepare(self, schema: ClassSchema, where: Any, depth: int = 0) -> dict[str, Any]:
        check_where(self.ctx, where, depth)  # requestComplexity (rest/complexity.py)
        if depth > MAX_DEPTH:
            raise ParseError(INVALID_QUERY, "Query exceeds the maximum depth")
        if not isinstance(where, dict):
            raise ParseError(INVALID_JSON, "where parameter is not valid JSON")
        out: dict[str, Any] = {}
        extra: list[dict[str, Any]] = []
        for key, constraint in where.items():
            if key in ("$or", "$and", "$nor"):
                if not isinstance(constraint, list) or not constraint:
                    # an empty list is refused too: MongoDB refuses it, so every store does
                    raise ParseError(INVALID_QUERY, f"Bad {key} format - use an array value.")
                out[key] = [await self.prepare(schema, sub, depth + 1) for sub in constraint]
                continue
            if key == "$relatedTo":
                extra.append(await self._related_to(constraint))
                continue
            self._check_key(schema, key)
            spec = schema.fields.get(key)
            if spec and spec["type"] == "Relation":
                extra.append(await self._relation_constraint(schema, key, constraint, depth))
                continue
            if isinstance(constraint, dict) and any(str(k).startswith("$") for k in constraint):
                out[key] = await self._operators(schema, key, constraint, depth)
            else:
                out[key] = self._plain_value(constraint)
        if extra:
            return {"$and": [out, *extra]} if out else ({"$and": extra} if len(extra) > 1 else extra[0])
        return out

    def _check_key(self, schema: ClassSchema | None, key: str) -> None:
        if key == "ACL":
            raise ParseError(INVALID_QUERY, "Cannot query on ACL.")
        if key.startswith("$"):
            raise ParseError(INVALID_KEY_NAME, f"Invalid key name: {key}")
        if not policy.client_may_query(key, policy.caller(self.ctx.auth)):
            raise ParseError(INVALID_KEY_NAME, f"Invalid key name: {key}")
        if key.startswith("_"):
            if key not in ("_rperm", "_wperm") and not KEY_PART.match(key.lstrip("_")):
                raise ParseError(INVALID_KEY_NAME, f"Invalid key name: {key}")
            return
        parts = key.split(".")
        if not all(KEY_PART.match(part) or part.isdigit() for part in parts) or not KEY_PART.match(parts[0]):
            raise ParseError(INVALID_KEY_NAME, f"Invalid key name: {key}")
        if parts[0] in ("__proto__", "constructor"):
            raise ParseError(INVALID_KEY_NAME, f"Invalid key name: {key}")

    @staticmethod
    def _plain_value(value: Any) -> Any:
        if isinstance(value, dict) and "__type" not in value:
            for sub_key in value:
                if not isinstance(sub_key, str) or sub_key.startswith("$") or sub_key in (
                    "__proto__", "constructor"
                ):
                    raise ParseError(INVALID_KEY_NAME, f"Invalid key name: {sub_key}")
        return value

    async def _operators(self, schema: ClassSchema, key: str, ops: dict[str, Any],
                         depth: int) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for op, value in ops.items():
            if op not in FIELD_OPERATORS:
                raise ParseError(INVALID_JSON, f"bad constraint: {op}")
            if op in GEO_OPERATORS and not self.ctx.state.storage.capabilities.geo:
                raise ParseError(INVALID_QUERY, "Geo queries are not supported by this database.")
            if isinstance(value, dict) and "$relativeTime" in value:
                if op not in COMPARISONS:
                    raise ParseError(INVALID_JSON, "$relativeTime can only be used with the $lt, $lte, $gt, "
                                                   "and $gte operators")
                out[op] = self._relative_time(schema, key, value["$relativeTime"])
            elif op in ("$inQuery", "$notInQuery"):
                pointers = await self._in_query(value, depth)
                out["$in" if op == "$inQuery" else "$nin"] = pointers
            elif op in ("$select", "$dontSelect"):
                values = await self._select(value, depth)
                out["$in" if op == "$select" else "$nin"] = values
            elif op == "$regex":
                if not isinstance(value, str):
                    raise ParseError(INVALID_QUERY, "$regex should be a string")
                options = ops.get("$options", "")
                if not isinstance(options, str) or not re.fullmatch(r"[imxsu]*", options):
                    raise ParseError(INVALID_QUERY, f"Bad $options value for query: {options}")
                compile_parse_regex(value, options)  # a bad pattern → 102 before storage sees it
                out[op] = value
            elif op == "$text":
                if not self.ctx.state.storage.capabilities.text_search:
                    raise ParseError(INVALID_QUERY, "Text search is not supported by this database.")
                out[op] = value
            elif op in ("$in", "$nin", "$all", "$containedBy"):
                if not isinstance(value, list):
                    raise ParseError(INVALID_JSON, f"bad {op} value")
                out[op] = value
            elif op == "$exists":
                # parse-compat: Parse treats any value as its truthiness ("yes" → true)
                out[op] = bool(value) if not isinstance(value, (dict, list)) else bool(value)
            else:
                out[op] = value
        return out

    def _relative_time(self, schema: ClassSchema, key: str, text: Any) -> dict[str, str]:
        kind = "Date" if key in ("createdAt", "updatedAt") else schema.field_type(key)
        if kind != "Date":
            raise ParseError(INVALID_JSON, "$relativeTime can only be used with Date field")
        if not isinstance(text, str):
            raise ParseError(INVALID_JSON, "$relativeTime must be a string")
        return date_value(resolve_relative_time(text, datetime.now(UTC)))

    async def _in_query(self, value: Any, depth: int) -> list[dict[str, str]]:
        if not isinstance(value, dict) or not isinstance(value.get("className"), str):
            raise ParseError(INVALID_QUERY, "improper usage of $inQuery")
        class_name = value["className"]
        docs = await self.sub_find(self.ctx, class_name, value.get("where") or {})
        return [{"__type": "Pointer", "className": class_name, "objectId": d["objectId"]} for d in docs]

    async def _select(self, value: Any, depth: int) -> list[Any]:
        if not isinstance(value, dict) or set(value) != {"query", "key"}:
            raise ParseError(INVALID_QUERY, "improper usage of $select")
        query, key = value["query"], value["key"]
        if not isinstance(query, dict) or not isinstance(query.get("className"), str) or not isinstance(key, str):
            raise ParseError(INVALID_QUERY, "improper usage of $select")
        self._check_key(None, key)  # the same key rules as a where: no secrets, no internal fields
        docs = await self.sub_find(self.ctx, query["className"], query.get("where") or {}, [key])
        values = []
        for doc in docs:
            node: Any = doc
            for part in key.split("."):
                node = node.get(part) if isinstance(node, dict) else None
            if node is not None:
                values.append(node)
        return values

    async def _related_to(self, value: Any) -> dict[str, Any]:
        pointer = value.get("object") if isinstance(value, dict) else None
        key = value.get("key") if isinstance(value, dict) else None
        if not (isinstance(pointer, dict) and isinstance(pointer.get("className"), str)
                and isinstance(pointer.get("objectId"), str) and isinstance(key, str)):
            raise ParseError(INVALID_JSON, "improper usage of $relatedTo")
        self._check_key(None, key)
        owners = await self.sub_find(self.ctx, pointer["className"], {"objectId": pointer["objectId"]}, [key])
        if not owners:
            return {"objectId": {"$in": []}}
        ids = await self.ctx.state.storage.related_ids(pointer["className"], key, [pointer["objectId"]])
        return {"objectId": {"$in": ids}}

    async def _relation_constraint(self, schema: ClassSchema, key: str, constraint: Any,
                                   depth: int) -> dict[str, Any]:
        storage = self.ctx.state.storage
        if isinstance(constraint, dict) and set(constraint) & {"$inQuery", "$notInQuery"}:
            # Parse: a sub-query on a relation matches the objects related to any of its results
            resolved: dict[str, Any] = {}
            for op, value in constraint.items():
                if op in ("$inQuery", "$notInQuery"):
                    resolved["$in" if op == "$inQuery" else "$nin"] = await self._in_query(value, depth)
                else:
                    resolved[op] = value
            constraint = resolved

        def ids_of(values: Any) -> list[str]:
            items = values if isinstance(values, list) else [values]
            out = []
            for item in items:
                if not (isinstance(item, dict) and isinstance(item.get("objectId"), str)):
                    raise ParseError(INVALID_JSON, f"bad relation constraint on {key}")
                out.append(item["objectId"])
            return out

        if isinstance(constraint, dict) and "__type" not in constraint:
            if set(constraint) - {"$in", "$nin", "$ne", "$eq"}:
                raise ParseError(INVALID_QUERY, f"unsupported constraint on relation {key}")
            clauses: list[dict[str, Any]] = []
            for op, value in constraint.items():
                owners = await storage.owning_ids(schema.class_name, key, ids_of(value))
                positive = op in ("$in", "$eq")
                clauses.append({"objectId": {"$in" if positive else "$nin": owners}})
            return clauses[0] if len(clauses) == 1 else {"$and": clauses}
        owners = await storage.owning_ids(schema.class_name, key, ids_of(constraint))
        return {"objectId": {"$in": owners}}
