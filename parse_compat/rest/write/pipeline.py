"""The one write pipeline: every create, update and delete — REST, batch, transaction batches,
the cloud SDK, jobs and the system routes — runs the step lists below over one `WriteOp`.

    create: check class → authorize → prepare → decode → resolve keys → file references →
            beforeSave → class rules → re-check → store → after store → respond → listeners → afterSave
    update: check class → authorize → prepare → decode → resolve keys → load original under
            write permission → refuse → file references → beforeSave → class rules → re-check →
            store (compare-and-set) → after store → respond → listeners → afterSave
    delete: check class → authorize → load original under write permission → refuse →
            beforeDelete → store (compare-and-set) → after store → listeners → afterDelete

Nothing that can tell the caller anything about stored data (a trigger, a class rule reading
the original) runs before "refuse". A compare-and-set that fails (someone wrote the object
after the rules saw it) runs the steps again from "decode" on the new original, so no write
is stored that the rules did not see.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from ...errors import INTERNAL_SERVER_ERROR, INVALID_JSON, OBJECT_NOT_FOUND, OPERATION_FORBIDDEN, ParseError
from ...storage.base import Document
from ..context import RequestContext
from ..triggers import triggers_of
from . import store
from .access import as_rest, check_clp, class_for_write, load_writable, protected_from_caller
from .hooks import NO_HOOKS, ClassHooks
from .keys import resolve_paths
from .op import WriteOp, WriteResult

# listener(ctx, class_name, event, doc_after, doc_before) — called after a successful write.
ChangeListener = Callable[[RequestContext, str, str, Document | None, Document | None], Awaitable[None]]
Step = Callable[[WriteOp], Awaitable[None]]

_MISSING = object()
MAX_ATTEMPTS = 5  # compare-and-set retries before answering an error


def _hooks(op: WriteOp) -> ClassHooks:
    return op.ctx.state.writer.class_hooks.get(op.class_name, NO_HOOKS)


# --- the steps, in order -------------------------------------------------------------------
async def check_class(op: WriteOp) -> None:
    """Writable class (not master-only, not read-only master); CLP create for creates."""
    op.schema = await class_for_write(op.ctx, op.class_name, op.kind)
    if op.creating:
        await check_clp(op.ctx, op.schema, "create")


async def authorize(op: WriteOp) -> None:
    await _hooks(op).authorize(op)


async def prepare(op: WriteOp) -> None:
    await _hooks(op).prepare(op)


async def decode(op: WriteOp) -> None:
    op.body = dict(op.raw)
    if op.creating and "objectId" in op.body and op.ctx.state.settings.allowCustomObjectId:
        op.object_id = store.custom_object_id(op.body.pop("objectId"))
    op.decoded = store.decode(op.body, op.creating)
    op.decoded_from = dict(op.body)
    op.trigger_changed = []


def _resolve(op: WriteOp) -> None:
    assert op.schema is not None and op.decoded is not None
    resolve_paths(op.schema, op.body, op.decoded, op.creating)
    _hooks(op).check_keys(op, op.body)


async def resolve(op: WriteOp) -> None:
    """Every key path, dotted or not, against the schema and the class's server-owned fields."""
    _resolve(op)


async def load_original(op: WriteOp) -> None:
    """The stored object, only if the caller may write it (ACL + CLP + pointer permissions)."""
    assert op.schema is not None and op.object_id is not None
    op.original, op.where = await load_writable(op.ctx, op.schema, op.object_id, op.kind)


async def refuse(op: WriteOp) -> None:
    """101 for a missing object and for one the caller may not write alike."""
    if op.original is None:
        message = _hooks(op).not_found_on_delete if op.kind == "delete" else "Object not found."
        raise ParseError(OBJECT_NOT_FOUND, message)


async def check_files(op: WriteOp) -> None:
    """File values the caller may not download are refused (the files feature decides)."""
    await store.check_file_references(op.ctx, op.body)


async def _trigger_hidden(op: WriteOp) -> frozenset[str]:
    """Fields the triggers of an update or delete do not see (Parse 9's `protectedFieldsTriggerExempt`
    false: the stored object is loaded as the caller reads it); none on creates and when the option
    is true. parse-compat: Parse loads a delete's object as the caller reads it whatever the option."""
    if op.creating or op.original is None or op.schema is None or op.ctx.state.settings.protectedFieldsTriggerExempt:
        return frozenset()
    return await protected_from_caller(op.ctx, op.schema, op.kind, op.original)


def _without(rest: dict[str, Any] | None, hidden: frozenset[str] | set[str]) -> dict[str, Any] | None:
    return rest if rest is None or not hidden else {k: v for k, v in rest.items() if k not in hidden}


async def before_save(op: WriteOp) -> None:
    triggers = triggers_of(op.ctx)
    if not triggers.has("beforeSave", op.class_name):
        return
    op.original_rest = _without(as_rest(op.ctx, op.class_name, op.original), await _trigger_hidden(op))
    changed = await triggers.before_save(op.ctx, op.class_name, dict(op.body), op.original_rest)
    op.trigger_changed = [key for key, value in changed.items() if key not in op.body or op.body[key] != value]
    op.body = changed


async def class_rules(op: WriteOp) -> None:
    await _hooks(op).before_store(op)


async def recheck(op: WriteOp) -> None:
    """What beforeSave and the class rules changed goes through the same key rules."""
    before = op.decoded_from or {}
    changed = {key for key in op.body.keys() | before.keys() if op.body.get(key, _MISSING) != before.get(key, _MISSING)}
    if changed and changed != {"ACL"}:  # an ACL is not a key path: the store step checks its shape
        op.decoded = store.decode(op.body, op.creating)
        op.decoded_from = dict(op.body)
        _resolve(op)


async def store_create(op: WriteOp) -> None:
    await store.insert(op)


async def store_update(op: WriteOp) -> None:
    await store.update(op)


async def store_delete(op: WriteOp) -> None:
    await store.delete(op)


async def after_store(op: WriteOp) -> None:
    await _hooks(op).after_store(op)


async def respond(op: WriteOp) -> None:
    """Fields beforeSave changed are echoed as stored, the ACL included (as Parse does)."""
    assert op.result is not None
    if not op.trigger_changed:
        return
    rendered = as_rest(op.ctx, op.class_name, op.result.doc) or {}
    for key in op.trigger_changed:
        if key in rendered and key != "password":
            op.result.response[key] = rendered[key]


async def notify(op: WriteOp) -> None:
    assert op.result is not None
    after = None if op.kind == "delete" else op.result.doc
    before = op.result.doc if op.kind == "delete" else op.result.original
    for listener in op.ctx.state.writer.listeners:
        await listener(op.ctx, op.class_name, op.kind, after, before)


async def after_save(op: WriteOp) -> None:
    triggers = triggers_of(op.ctx)
    if not triggers.has("afterSave", op.class_name):
        return
    assert op.result is not None
    hidden = await _trigger_hidden(op)
    saved = _without(as_rest(op.ctx, op.class_name, op.result.doc), hidden - op.body.keys()) or {}
    replaced = await triggers.after_save(op.ctx, op.class_name, saved,
                                         _without(as_rest(op.ctx, op.class_name, op.result.original), hidden))
    if isinstance(replaced, dict):
        op.result.response = replaced


async def strip_response(op: WriteOp) -> None:
    """`protectedFieldsSaveResponseExempt` false: the answer of a create or update loses the
    class's protected fields, as a read would (a user's own `_User` stays exempt)."""
    if op.ctx.state.settings.protectedFieldsSaveResponseExempt or op.ctx.auth.has_master_power:
        return
    assert op.result is not None and op.schema is not None
    hidden = await protected_from_caller(op.ctx, op.schema, op.kind, {"objectId": op.object_id}
                                         if not op.creating else None)
    for key in hidden:
        op.result.response.pop(key, None)


async def before_delete(op: WriteOp) -> None:
    triggers = triggers_of(op.ctx)
    if triggers.has("beforeDelete", op.class_name):
        shown = _without(as_rest(op.ctx, op.class_name, op.original), await _trigger_hidden(op))
        await triggers.before_delete(op.ctx, op.class_name, shown or {})


async def after_delete(op: WriteOp) -> None:
    triggers = triggers_of(op.ctx)
    if triggers.has("afterDelete", op.class_name):
        assert op.result is not None
        shown = _without(as_rest(op.ctx, op.class_name, op.result.doc), await _trigger_hidden(op))
        await triggers.after_delete(op.ctx, op.class_name, shown or {})


async def deferred_refusal(op: WriteOp) -> None:
    """A class rule's refusal that Parse gives only after the write and afterSave ran
    (`preventSignupWithUnverifiedEmail`): `result.extra["refusal"]`."""
    assert op.result is not None
    refusal = op.result.extra.get("refusal")
    if isinstance(refusal, ParseError):
        raise refusal


START: Sequence[Step] = (check_class, authorize, prepare)
CREATE: Sequence[Step] = (decode, resolve, check_files, before_save, class_rules, recheck,
                          store_create, after_store, respond, notify, after_save, deferred_refusal, strip_response)
UPDATE: Sequence[Step] = (decode, resolve, load_original, refuse, check_files, before_save, class_rules, recheck,
                          store_update, after_store, respond, notify, after_save, strip_response)
DELETE: Sequence[Step] = (load_original, refuse, before_delete, store_delete, after_store, notify, after_delete)


async def run(op: WriteOp) -> WriteResult:
    """START, then the kind's steps; a stale original reruns the kind's steps (bounded)."""
    for step in START:
        await step(op)
        if op.finished:
            assert op.result is not None
            return op.result
    steps = CREATE if op.creating else UPDATE if op.kind == "update" else DELETE
    for _attempt in range(MAX_ATTEMPTS):
        try:
            for step in steps:
                await step(op)
                if op.finished:
                    break
        except store.StaleOriginal:
            op.result = None
            continue
        assert op.result is not None
        return op.result
    # parse-compat: Parse Server has no such check (it writes over the change); we refuse instead
    raise ParseError(INTERNAL_SERVER_ERROR, "The object kept changing while it was saved; try again.")


class Writer:
    """The entry point every writer calls (`state.writer`): REST routes, batch, the cloud SDK,
    jobs. `class_hooks` plugs system-class rules into the steps; `listeners` are told of every
    successful write (Live Query, audit); `store` is the store step's `StorageWrites`, the one
    place writes reach storage."""

    def __init__(self, store_writes: store.StorageWrites) -> None:
        self.store = store_writes
        self.class_hooks: dict[str, ClassHooks] = {}
        self.listeners: list[ChangeListener] = []

    async def create(self, ctx: RequestContext, class_name: str, body: dict[str, Any]) -> WriteResult:
        return await run(WriteOp(ctx, class_name, "create", _body(body)))

    async def update(self, ctx: RequestContext, class_name: str, object_id: str,
                     body: dict[str, Any]) -> WriteResult:
        return await run(WriteOp(ctx, class_name, "update", _body(body), object_id))

    async def delete(self, ctx: RequestContext, class_name: str, object_id: str) -> WriteResult:
        return await run(WriteOp(ctx, class_name, "delete", {}, object_id))

    async def update_if(self, ctx: RequestContext, class_name: str, object_id: str, where: dict[str, Any],
                        changes: dict[str, Any]) -> bool:
        """Master only: apply storage-encoded `changes` if the object still matches `where` (the
        claim jobs need). No hooks run; listeners are told. False when nothing matched."""
        if not ctx.auth.is_master:
            raise ParseError(OPERATION_FORBIDDEN, "update_if needs the master key")
        schema = ctx.state.schemas.get(class_name)
        if schema is None:
            raise ParseError(OBJECT_NOT_FOUND, "Object not found.")
        before, after = await store.update_matching(ctx, schema, {"$and": [{"objectId": object_id}, where]}, changes)
        if after is None:
            return False
        for listener in self.listeners:
            await listener(ctx, class_name, "update", after, before)
        return True


def _body(body: Any) -> dict[str, Any]:
    if not isinstance(body, dict):
        raise ParseError(INVALID_JSON, "request body must be a JSON object")
    return dict(body)
