"""The single entry point for writes: class rules, cloud-code triggers, then change listeners.

Every write path (REST, batch, cloud-code SDK, jobs) goes through `Writer`, so triggers and
Live Query see every change, and only after it succeeded.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, Protocol

from ..auth.identity import MASTER
from ..errors import OBJECT_NOT_FOUND, ParseError
from ..storage.base import Document, FindOptions
from . import write
from .context import RequestContext
from .output import render_object
from .triggers import triggers_of
from .write import WriteResult

# listener(ctx, class_name, event, doc_after, doc_before) — called after a successful write.
ChangeListener = Callable[[RequestContext, str, str, Document | None, Document | None], Awaitable[None]]


class ClassRules(Protocol):
    """Per-class behaviour (users, sessions, roles...) wrapped around the generic write."""

    async def create(self, ctx: RequestContext, body: dict[str, Any]) -> WriteResult: ...

    async def update(self, ctx: RequestContext, object_id: str, body: dict[str, Any]) -> WriteResult: ...

    async def delete(self, ctx: RequestContext, object_id: str) -> WriteResult: ...


def as_rest(ctx: RequestContext, class_name: str, doc: Document | None) -> dict[str, Any] | None:
    """The full REST JSON of a stored object, as the master key sees it (for triggers)."""
    schema = ctx.state.schemas.get(class_name)
    if doc is None or schema is None:
        return None
    return render_object(ctx.with_auth(MASTER), schema, doc)


async def load_stored(ctx: RequestContext, class_name: str, object_id: str) -> Document | None:
    schema = ctx.state.schemas.get(class_name)
    if schema is None:
        return None
    docs = await ctx.state.storage.find(schema, {"objectId": object_id}, FindOptions(limit=1))
    return docs[0] if docs else None


async def _precheck(ctx: RequestContext, class_name: str, operation: str) -> None:
    """The permission pre-check Parse runs before beforeSave/beforeDelete (class access, CLP),
    so a hook never runs for a caller the write would refuse anyway."""
    schema = await write.class_for_write(ctx, class_name, operation)
    await write._check_clp(ctx, schema, operation)


def _changed_keys(before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    return [key for key, value in after.items() if key not in before or before[key] != value]


class Writer:
    def __init__(self) -> None:
        self.class_rules: dict[str, ClassRules] = {}
        self.listeners: list[ChangeListener] = []

    async def _notify(self, ctx: RequestContext, class_name: str, event: str, result: WriteResult) -> None:
        for listener in self.listeners:
            after = None if event == "delete" else result.doc
            before = result.doc if event == "delete" else result.original
            await listener(ctx, class_name, event, after, before)

    async def _after_save(self, ctx: RequestContext, class_name: str, result: WriteResult,
                          touched: list[str]) -> None:
        triggers = triggers_of(ctx)
        if touched:
            rendered = as_rest(ctx, class_name, result.doc) or {}
            for key in touched:
                if key in rendered and key not in ("ACL", "password"):
                    result.response[key] = rendered[key]
        if triggers.has("afterSave", class_name):
            replaced = await triggers.after_save(ctx, class_name, as_rest(ctx, class_name, result.doc) or {},
                                                 as_rest(ctx, class_name, result.original))
            if isinstance(replaced, dict):
                result.response = replaced

    async def create(self, ctx: RequestContext, class_name: str, body: dict[str, Any]) -> WriteResult:
        triggers = triggers_of(ctx)
        touched: list[str] = []
        if triggers.has("beforeSave", class_name):
            await _precheck(ctx, class_name, "create")
            changed = await triggers.before_save(ctx, class_name, dict(body), None)
            touched = _changed_keys(body, changed)
            body = changed
        rules = self.class_rules.get(class_name)
        result = await (rules.create(ctx, body) if rules else write.create(ctx, class_name, body))
        await self._notify(ctx, class_name, "create", result)
        await self._after_save(ctx, class_name, result, touched)
        return result

    async def update(self, ctx: RequestContext, class_name: str, object_id: str,
                     body: dict[str, Any]) -> WriteResult:
        triggers = triggers_of(ctx)
        touched: list[str] = []
        if triggers.has("beforeSave", class_name):
            await _precheck(ctx, class_name, "update")
            original = as_rest(ctx, class_name, await load_stored(ctx, class_name, object_id))
            if original is None:  # an update of a missing object must not look like a create
                raise ParseError(OBJECT_NOT_FOUND, "Object not found.")
            changed = await triggers.before_save(ctx, class_name, dict(body), original)
            touched = _changed_keys(body, changed)
            body = changed
        rules = self.class_rules.get(class_name)
        result = await (rules.update(ctx, object_id, body) if rules
                        else write.update(ctx, class_name, object_id, body))
        await self._notify(ctx, class_name, "update", result)
        await self._after_save(ctx, class_name, result, touched)
        return result

    async def delete(self, ctx: RequestContext, class_name: str, object_id: str) -> WriteResult:
        triggers = triggers_of(ctx)
        if triggers.has("beforeDelete", class_name):
            await _precheck(ctx, class_name, "delete")
            stored = await load_stored(ctx, class_name, object_id)
            if stored is not None:
                await triggers.before_delete(ctx, class_name, as_rest(ctx, class_name, stored) or {})
        rules = self.class_rules.get(class_name)
        result = await (rules.delete(ctx, object_id) if rules else write.delete(ctx, class_name, object_id))
        await self._notify(ctx, class_name, "delete", result)
        if triggers.has("afterDelete", class_name):
            await triggers.after_delete(ctx, class_name, as_rest(ctx, class_name, result.doc) or {})
        return result
