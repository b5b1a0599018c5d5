"""The access audit trail (issue 12 item 2): who read or wrote which object of an audited class.

Which classes are audited is declared in `schema.json` (`"audit": true` on a class). Reads are
recorded by `rest.find`: a get is one entry (`targetId`); a find or an include is ONE entry per
query naming every returned id in `ids` (and `targetId` when there is exactly one) — one row per
returned object cost about as much as the read itself for a page of 20 (bench/audit.py), one
row per query stays a fraction of it; a query that returned nothing is not recorded. Writes
are recorded by a write listener (create/update with the field
names written, delete), file downloads by `files.routes` (against the object holding the file),
Live Query deliveries by the fanout. Cloud functions are recorded through the reads and writes
they make. Entries name fields, never values. Storage, chain and durability: `log.py`,
`chain.py`; the command line: `cli.py`.

The service lives on the app state in one place (`install_audit` sets it, `audit_of` reads it).
"""

from __future__ import annotations

from typing import Any

from ..schema.bootstrap import SchemaFileError, read_schema_file
from .log import CLASS, AuditLog

__all__ = ["CLASS", "AuditLog", "audit_of", "audited_classes", "install_audit", "record"]
SYSTEM_KEYS = frozenset({"objectId", "createdAt", "updatedAt"})


def audited_classes(schema_path: str | None) -> list[str]:
    """The classes `schema.json` marks `"audit": true` (none without a schema file)."""
    if not schema_path:
        return []
    try:
        return [entry["className"] for entry in read_schema_file(schema_path) if entry.get("audit")]
    except SchemaFileError:
        return []  # the schema loader reports the file's error at boot


def audit_of(state: Any) -> AuditLog | None:
    """The app's audit log, or None when nothing is audited."""
    return state.services.audit  # type: ignore[no-any-return]


def record(ctx: Any, action: str, class_name: str, ids: Any, fields: Any = (), query: bool = False) -> None:
    """Record `action` on `ids` of `class_name` when that class is audited (no I/O): one entry per
    id, or with `query` one entry naming every id (nothing when the query returned nothing)."""
    log = ctx.state.services.audit
    if log is not None and class_name in log.classes:
        log.record(ctx, action, class_name, ids, fields, query)


def _written_fields(after: dict[str, Any] | None, before: dict[str, Any] | None) -> list[str]:
    after, before = after or {}, before or {}
    keys = (after.keys() | before.keys()) - SYSTEM_KEYS
    names = {key for key in keys if after.get(key) != before.get(key)}
    acl = {"_rperm", "_wperm"} & names
    return sorted({key for key in names if not key.startswith("_")} | ({"ACL"} if acl else set()))


async def install_audit(state: Any) -> None:
    settings = state.settings
    classes = audited_classes(settings.schema)
    if not classes or settings.auditLog is False:
        return
    log = AuditLog(state, classes, settings.auditRetentionDays)
    state.services.audit = log

    async def on_write(ctx: Any, class_name: str, event: str, after: Any, before: Any) -> None:
        if class_name in log.classes:
            doc = after if after is not None else before
            fields = [] if event == "delete" else _written_fields(after, before)
            log.record(ctx, event, class_name, [doc.get("objectId") if doc else None], fields)

    state.writer.listeners.append(on_write)
    await log.schema()  # the class exists from boot in every process, so each one can answer reads of it
    await log.open()  # also stores what a process that stopped left in the journal
    log.start()
    state.services.on_close.append(log.stop)
