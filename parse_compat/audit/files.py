"""File downloads in the audit trail: a download is recorded against each object of an audited
class whose File field holds the file (an x-ray image → its `XRayLog`), found with the master
key. A file no audited object refers to is not recorded (the file name itself may carry patient
data, so it is never stored)."""

from __future__ import annotations

from typing import Any

from ..storage.base import FindOptions
from . import audit_of

MAX_HOLDERS = 20


async def record_download(ctx: Any, name: str) -> None:
    """Record the download of file `name` by `ctx`'s caller (journaled before the bytes leave)."""
    log = audit_of(ctx.state)
    if log is None:
        return
    for class_name in sorted(log.classes):
        schema = ctx.state.schemas.get(class_name)
        if schema is None:
            continue
        refs = [{field: {"__type": "File", "name": name}}
                for field, spec in schema.fields.items() if spec.get("type") == "File"]
        if not refs:
            continue
        where = refs[0] if len(refs) == 1 else {"$or": refs}
        holders = await ctx.state.storage.find(schema, where, FindOptions(limit=MAX_HOLDERS, keys={"objectId"}))
        if holders:
            log.record(ctx, "download", class_name, [doc["objectId"] for doc in holders])  # journaled at once
