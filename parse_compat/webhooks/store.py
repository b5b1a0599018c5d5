"""`_Hooks` rows: Parse's columns and messages (`HooksController`).

Rows are written with the server's bookkeeping writes, not the object pipeline: Parse's
`_Hooks` keeps the class name in a `className` column, a name the object pipeline reserves.
Every value is checked here first (names are strings, the URL is http(s), the trigger is one of
Parse's), and only the master key reaches this module (`http/routes/hooks.py`).
"""

from __future__ import annotations

from typing import Any

from ..codec.dates import now_iso
from ..errors import ParseError
from ..state import AppState
from ..storage.base import ClassSchema, FindOptions
from .caller import check_url

WEBHOOK_ERROR = 143
CLASS = "_Hooks"
MAX_HOOKS = 1000
MAX_NAME = 256
# Parse's triggers.Types (a hook for any of them may be stored; see triggers.WIRED_TRIGGERS)
TRIGGER_TYPES = frozenset({"beforeSave", "afterSave", "beforeDelete", "afterDelete", "beforeFind", "afterFind",
                           "beforeLogin", "afterLogin", "afterLogout", "beforePasswordResetRequest",
                           "beforeConnect", "beforeSubscribe", "afterEvent"})


def invalid() -> ParseError:
    return ParseError(WEBHOOK_ERROR, "invalid hook declaration")


def _name(value: Any) -> str | None:
    return value if isinstance(value, str) and 0 < len(value) <= MAX_NAME else None


def declared(body: Any) -> dict[str, str]:
    """Parse's `createOrUpdateHook` check: a function (name + url) or a trigger (class, a known
    trigger name, url); anything else is 143 `invalid hook declaration`."""
    if not isinstance(body, dict):
        raise invalid()
    function_name, url = _name(body.get("functionName")), body.get("url")
    if function_name and url:
        return {"functionName": function_name, "url": check_url(url)}
    class_name, trigger = _name(body.get("className")), body.get("triggerName")
    if class_name and url and isinstance(trigger, str) and trigger in TRIGGER_TYPES:
        return {"className": class_name, "triggerName": trigger, "url": check_url(url)}
    raise invalid()


def public(row: dict[str, Any]) -> dict[str, Any]:
    """What Parse answers for a stored hook (no objectId, no dates)."""
    return {k: row[k] for k in ("functionName", "className", "triggerName", "url") if k in row}


class HookStore:
    def __init__(self, state: AppState) -> None:
        self.state = state

    async def _schema(self) -> ClassSchema:
        return await self.state.schemas.ensure_class(CLASS)

    async def find(self, where: dict[str, Any]) -> list[dict[str, Any]]:
        schema = await self._schema()  # made at boot, so every process reads the same class
        rows = await self.state.storage.find(schema, where, FindOptions(limit=MAX_HOOKS))
        return [public(row) for row in rows]

    async def functions(self) -> list[dict[str, Any]]:
        return await self.find({"functionName": {"$exists": True}})

    async def triggers(self) -> list[dict[str, Any]]:
        return await self.find({"className": {"$exists": True}, "triggerName": {"$exists": True}})

    async def function(self, name: str) -> dict[str, Any] | None:
        found = await self.find({"functionName": name})
        return found[0] if found else None

    async def trigger(self, class_name: str, trigger: str) -> dict[str, Any] | None:
        found = await self.find({"className": class_name, "triggerName": trigger})
        return found[0] if found else None

    async def save(self, hook: dict[str, str]) -> dict[str, str]:
        """Upsert by function name, or by class + trigger."""
        schema = await self._schema()
        key = ({"functionName": hook["functionName"]} if "functionName" in hook
               else {"className": hook["className"], "triggerName": hook["triggerName"]})
        writes = self.state.services.server_writes
        stamp = now_iso()
        if await writes.update(schema, key, {"url": hook["url"], "updatedAt": stamp}) is None:
            if len(await self.find({})) >= MAX_HOOKS:
                raise ParseError(WEBHOOK_ERROR, f"at most {MAX_HOOKS} hooks")
            await writes.insert(schema, {"objectId": writes.new_object_id(), "createdAt": stamp,
                                         "updatedAt": stamp, **hook})
        return hook

    async def remove(self, where: dict[str, Any]) -> None:
        schema = self.state.schemas.get(CLASS)
        if schema is not None:
            await self.state.services.server_writes.delete_many(schema, where)
