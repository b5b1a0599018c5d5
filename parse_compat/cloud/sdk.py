"""The in-process SDK cloud code uses: query, get, save and delete as the caller or as master.

Every call goes through the REST pipeline (`rest.find` for reads, `state.writer` for writes),
so CLPs, ACLs, class rules, the other hooks and change listeners (Live Query) apply exactly
as for an HTTP request; nothing here touches storage (`update_if`, the atomic "claim"
primitive jobs need, is the writer's too: master-only, and it still notifies change listeners).

A request made with the read-only master key stays read-only here: `as_master()` reads with
master power, and every write (create, update, save, delete, update_if) is refused with 119,
whichever identity the SDK is bound to. (Stricter than Parse, whose cloud code holds the real
master key whatever key the request came with.)
"""

from __future__ import annotations

from typing import Any

from ..auth.identity import refuse_read_only
from ..errors import ParseError
from ..rest import find as reads
from ..rest.context import RequestContext
from ..rest.params import QueryParams
from .objects import ParseObject, encode
from .query import Query


def master_context(ctx: RequestContext) -> RequestContext:
    """Master for this request's cloud code: read-only when the request came with the read-only key."""
    return ctx.with_auth(ctx.auth.elevated())


class CloudSDK:
    """Bound to one identity: the request's caller (default) or master (`as_master()`)."""

    def __init__(self, ctx: RequestContext) -> None:
        self.ctx = ctx

    @property
    def is_master(self) -> bool:
        return self.ctx.auth.has_master_power

    @property
    def is_read_only(self) -> bool:
        return self.ctx.auth.is_read_only

    def as_master(self) -> CloudSDK:
        return CloudSDK(master_context(self.ctx))

    # --- reads -------------------------------------------------------------------------
    def query(self, class_name: str) -> Query:
        return Query(class_name, self)

    async def find(self, query: Query) -> list[ParseObject]:
        result = await reads.find(self.ctx, query.class_name, query.params)
        class_name = result.get("className", query.class_name)
        return [ParseObject(class_name, row) for row in result["results"]]

    async def count(self, query: Query) -> int:
        params = QueryParams(**{**query.params.__dict__, "count": True, "limit": 0})
        result = await reads.find(self.ctx, query.class_name, params)
        return int(result.get("count", 0))

    async def get(self, class_name: str, object_id: str, *, include: list[str] | tuple[str, ...] = ()) -> ParseObject:
        """The object, or ParseError 101 when it does not exist or the caller cannot read it."""
        found = await reads.get(self.ctx, class_name, object_id, QueryParams(include=list(include)))
        return ParseObject(class_name, found)

    # --- writes ------------------------------------------------------------------------
    def _writable(self, operation: str) -> None:
        refuse_read_only(self.ctx.auth, operation)

    async def create(self, class_name: str, data: dict[str, Any]) -> ParseObject:
        self._writable("create")
        obj = ParseObject(class_name, changes=encode(data))
        return await self.save(obj)

    async def update(self, class_name: str, object_id: str, data: dict[str, Any]) -> dict[str, Any]:
        """Apply `data` (values or `__op`s); returns the REST response (`updatedAt`, op results)."""
        self._writable("update")
        result = await self.ctx.state.writer.update(self.ctx, class_name, object_id, encode(data))
        return result.response

    async def save(self, obj: ParseObject) -> ParseObject:
        self._writable("update" if obj.existed() else "create")
        writer = self.ctx.state.writer
        if obj.existed():
            result = await writer.update(self.ctx, obj.class_name, obj.id or "", obj.changes())
        else:
            result = await writer.create(self.ctx, obj.class_name, obj.changes())
        obj._saved(result.response)
        return obj

    async def delete(self, target: ParseObject | str, object_id: str | None = None) -> None:
        if isinstance(target, ParseObject):
            class_name, object_id = target.class_name, target.id
        else:
            class_name = target
        if not object_id:
            raise ValueError("delete needs an object id")
        self._writable("delete")
        await self.ctx.state.writer.delete(self.ctx, class_name, object_id)

    async def update_if(self, class_name: str, object_id: str, where: dict[str, Any],
                        changes: dict[str, Any]) -> bool:
        """Atomically apply `changes` only if the object still matches `where` (master only).

        Made for claims that must win once across processes (`{"reminderSent": {"$ne": True}}`
        → `{"reminderSent": True}`). Hooks do not run; change listeners do. False when another
        writer got there first (or the object is gone).
        """
        self._writable("update")
        return await self.ctx.state.writer.update_if(self.ctx, class_name, object_id, encode(where), encode(changes))

    # --- cloud code ----------------------------------------------------------------------
    async def run(self, function_name: str, params: dict[str, Any] | None = None) -> Any:
        """Call another cloud function as this identity (validators apply)."""
        runtime = self.ctx.state.services.cloud
        if runtime is None:
            raise ParseError(141, f'Invalid function: "{function_name}"')
        return await runtime.run_function(self.ctx, function_name, dict(params or {}))
