"""The single entry point for writes: class rules, cloud-code triggers, then change listeners.

Every write path (REST, batch, cloud-code SDK, jobs) goes through `Writer`, so triggers and
Live Query see every change, and only after it succeeded.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, Protocol

from ..storage.base import ClassSchema, Document
from . import write
from .context import RequestContext
from .write import WriteResult

# listener(ctx, class_name, event, doc_after, doc_before) — called after a successful write.
ChangeListener = Callable[[RequestContext, str, str, Document | None, Document | None], Awaitable[None]]


class ClassRules(Protocol):
    """Per-class behaviour (users, sessions, roles...) wrapped around the generic write."""

    async def create(self, ctx: RequestContext, body: dict[str, Any]) -> WriteResult: ...

    async def update(self, ctx: RequestContext, object_id: str, body: dict[str, Any]) -> WriteResult: ...

    async def delete(self, ctx: RequestContext, object_id: str) -> WriteResult: ...


class Writer:
    def __init__(self) -> None:
        self.class_rules: dict[str, ClassRules] = {}
        self.listeners: list[ChangeListener] = []

    async def _notify(self, ctx: RequestContext, class_name: str, event: str, result: WriteResult) -> None:
        for listener in self.listeners:
            await listener(ctx, class_name, event, None if event == "delete" else result.doc,
                           result.original if event != "delete" else result.doc)

    async def create(self, ctx: RequestContext, class_name: str, body: dict[str, Any]) -> WriteResult:
        rules = self.class_rules.get(class_name)
        result = await (rules.create(ctx, body) if rules else write.create(ctx, class_name, body))
        await self._notify(ctx, class_name, "create", result)
        return result

    async def update(self, ctx: RequestContext, class_name: str, object_id: str,
                     body: dict[str, Any]) -> WriteResult:
        rules = self.class_rules.get(class_name)
        result = await (rules.update(ctx, object_id, body) if rules
                        else write.update(ctx, class_name, object_id, body))
        await self._notify(ctx, class_name, "update", result)
        return result

    async def delete(self, ctx: RequestContext, class_name: str, object_id: str) -> WriteResult:
        rules = self.class_rules.get(class_name)
        result = await (rules.delete(ctx, object_id) if rules else write.delete(ctx, class_name, object_id))
        await self._notify(ctx, class_name, "delete", result)
        return result


__all__ = ["Writer", "ClassRules", "ChangeListener", "ClassSchema"]
