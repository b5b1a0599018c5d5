"""`Query`: a Parse-style query builder for cloud code (`sdk.query("Patient").equal_to(...)`).

Builds the same `QueryParams` a REST find parses, so running it goes through `rest.find`
(CLPs, ACLs, beforeFind/afterFind, include, protected fields). A beforeFind hook receives
one too (`request.query`) and may change it.
"""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING, Any

from ..rest.params import QueryParams
from .objects import ParseObject, encode

if TYPE_CHECKING:
    from .sdk import CloudSDK


class Query:
    def __init__(self, class_name: str, sdk: CloudSDK | None = None, params: QueryParams | None = None) -> None:
        self.class_name = class_name
        self._sdk = sdk
        self.params = copy.deepcopy(params) if params is not None else QueryParams()

    @property
    def where(self) -> dict[str, Any]:
        return self.params.where

    # --- constraints -------------------------------------------------------------------
    def _op(self, key: str, op: str, value: Any) -> Query:
        current = self.params.where.get(key)
        if not isinstance(current, dict) or "__type" in current or not all(k.startswith("$") for k in current):
            current = {}
        current[op] = encode(value)
        self.params.where[key] = current
        return self

    def equal_to(self, key: str, value: Any) -> Query:
        self.params.where[key] = encode(value)
        return self

    def not_equal_to(self, key: str, value: Any) -> Query:
        return self._op(key, "$ne", value)

    def less_than(self, key: str, value: Any) -> Query:
        return self._op(key, "$lt", value)

    def less_than_or_equal_to(self, key: str, value: Any) -> Query:
        return self._op(key, "$lte", value)

    def greater_than(self, key: str, value: Any) -> Query:
        return self._op(key, "$gt", value)

    def greater_than_or_equal_to(self, key: str, value: Any) -> Query:
        return self._op(key, "$gte", value)

    def contained_in(self, key: str, values: list[Any]) -> Query:
        return self._op(key, "$in", list(values))

    def not_contained_in(self, key: str, values: list[Any]) -> Query:
        return self._op(key, "$nin", list(values))

    def exists(self, key: str) -> Query:
        return self._op(key, "$exists", True)

    def does_not_exist(self, key: str) -> Query:
        return self._op(key, "$exists", False)

    def matches(self, key: str, regex: str, modifiers: str = "") -> Query:
        self._op(key, "$regex", regex)
        if modifiers:
            self._op(key, "$options", modifiers)
        return self

    def where_all(self, where: dict[str, Any]) -> Query:
        """Merge a raw `where` (REST JSON) into the query."""
        self.params.where.update(encode(where))
        return self

    # --- shape -------------------------------------------------------------------------
    def include(self, *keys: str) -> Query:
        self.params.include.extend(keys)
        return self

    def select(self, *keys: str) -> Query:
        self.params.keys = [*(self.params.keys or []), *keys]
        return self

    def exclude(self, *keys: str) -> Query:
        self.params.exclude_keys.extend(keys)
        return self

    def limit(self, value: int) -> Query:
        self.params.limit = value
        return self

    def skip(self, value: int) -> Query:
        self.params.skip = value
        return self

    def ascending(self, key: str) -> Query:
        self.params.order.append((key, True))
        return self

    def descending(self, key: str) -> Query:
        self.params.order.append((key, False))
        return self

    # --- running -----------------------------------------------------------------------
    def _runner(self) -> CloudSDK:
        if self._sdk is None:
            raise RuntimeError("this query is not bound to an SDK; use request.sdk.query(...)")
        return self._sdk

    async def find(self) -> list[ParseObject]:
        return await self._runner().find(self)

    async def first(self) -> ParseObject | None:
        limited = Query(self.class_name, self._sdk, self.params).limit(1)
        found = await self._runner().find(limited)
        return found[0] if found else None

    async def count(self) -> int:
        return await self._runner().count(self)

    async def get(self, object_id: str) -> ParseObject:
        return await self._runner().get(self.class_name, object_id, include=self.params.include)

    def __repr__(self) -> str:
        return f"<Query {self.class_name} where={self.params.where!r}>"
