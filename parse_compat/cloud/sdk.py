"""The in-process SDK cloud code uses: query, get, save and delete as the caller or as master.

Every call goes through the REST pipeline (`rest.find` for reads, `state.writer` for writes),
so CLPs, ACLs, class rules, the other hooks and change listeners (Live Query) apply exactly
as for an HTTP request; nothing here touches storage (`update_if`, the atomic "claim"
primitive jobs need, is the writer's too: master-only, and it still notifies change listeners).

The SDK is all cloud code gets of the server: neither it nor the request objects expose the
request context, the app state or storage (`_ctx` is private), so cloud code cannot reach
`state.services.server_writes` or the adapter. What the template needs beyond objects —
a storage transaction, an audit entry, Parse Config, files, staff invitations — is here as
narrow calls that check the identity the SDK is bound to.

A request made with the read-only master key stays read-only here: `as_master()` reads with
master power, and every write (create, update, save, delete, update_if) is refused with 119,
whichever identity the SDK is bound to. (Stricter than Parse, whose cloud code holds the real
master key whatever key the request came with.)
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager
from datetime import datetime
from typing import Any

from ..audit import record as audit_record
from ..auth.identity import refuse_read_only
from ..auth.invites import invites_of
from ..errors import OBJECT_NOT_FOUND, OPERATION_FORBIDDEN, VALIDATION_ERROR, ParseError
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

    __slots__ = ("_ctx",)

    def __init__(self, ctx: RequestContext) -> None:
        self._ctx = ctx

    @property
    def is_master(self) -> bool:
        return self._ctx.auth.is_master_key

    @property
    def is_read_only(self) -> bool:
        return self._ctx.auth.is_read_only

    def as_master(self) -> CloudSDK:
        return CloudSDK(master_context(self._ctx))

    # --- reads -------------------------------------------------------------------------
    def query(self, class_name: str) -> Query:
        return Query(class_name, self)

    async def find(self, query: Query) -> list[ParseObject]:
        result = await reads.find(self._ctx, query.class_name, query.params)
        class_name = result.get("className", query.class_name)
        return [ParseObject(class_name, row) for row in result["results"]]

    async def count(self, query: Query) -> int:
        params = QueryParams(**{**query.params.__dict__, "count": True, "limit": 0})
        result = await reads.find(self._ctx, query.class_name, params)
        return int(result.get("count", 0))

    async def get(self, class_name: str, object_id: str, *, include: list[str] | tuple[str, ...] = ()) -> ParseObject:
        """The object, or ParseError 101 when it does not exist or the caller cannot read it."""
        found = await reads.get(self._ctx, class_name, object_id, QueryParams(include=list(include)))
        return ParseObject(class_name, found)

    # --- writes ------------------------------------------------------------------------
    def _writable(self, operation: str) -> None:
        refuse_read_only(self._ctx.auth, operation)

    async def create(self, class_name: str, data: dict[str, Any]) -> ParseObject:
        self._writable("create")
        obj = ParseObject(class_name, changes=encode(data))
        return await self.save(obj)

    async def update(self, class_name: str, object_id: str, data: dict[str, Any]) -> dict[str, Any]:
        """Apply `data` (values or `__op`s); returns the REST response (`updatedAt`, op results)."""
        self._writable("update")
        result = await self._ctx.state.writer.update(self._ctx, class_name, object_id, encode(data))
        return result.response

    async def save(self, obj: ParseObject) -> ParseObject:
        self._writable("update" if obj.existed() else "create")
        writer = self._ctx.state.writer
        if obj.existed():
            result = await writer.update(self._ctx, obj.class_name, obj.id or "", obj.changes())
        else:
            result = await writer.create(self._ctx, obj.class_name, obj.changes())
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
        await self._ctx.state.writer.delete(self._ctx, class_name, object_id)

    async def update_if(self, class_name: str, object_id: str, where: dict[str, Any],
                        changes: dict[str, Any]) -> bool:
        """Atomically apply `changes` only if the object still matches `where` (master only).

        Made for claims that must win once across processes (`{"reminderSent": {"$ne": True}}`
        → `{"reminderSent": True}`). Hooks do not run; change listeners do. False when another
        writer got there first (or the object is gone).
        """
        self._writable("update")
        return await self._ctx.state.writer.update_if(self._ctx, class_name, object_id, encode(where), encode(changes))

    # --- cloud code ----------------------------------------------------------------------
    async def run(self, function_name: str, params: dict[str, Any] | None = None) -> Any:
        """Call another cloud function as this identity (validators apply)."""
        runtime = self._ctx.state.services.cloud
        if runtime is None:
            raise ParseError(141, f'Invalid function: "{function_name}"')
        return await runtime.run_function(self._ctx, function_name, dict(params or {}))

    # --- the server's other services, as this identity ---------------------------------------
    def transaction(self) -> AbstractAsyncContextManager[None]:
        """Group the writes made inside (all or nothing where the storage supports it)."""
        return self._ctx.state.storage.transaction()

    def audit(self, action: str, class_name: str, ids: list[str | None], fields: tuple[str, ...] | list[str] = (),
              ) -> None:
        """An entry in the audit trail (when `class_name` is audited), naming this request's caller."""
        audit_record(self._ctx, action, class_name, ids, fields)

    async def config(self) -> dict[str, Any]:
        """Parse Config's parameters as `GET /config` answers them (masterKeyOnly ones for master only)."""
        try:
            found = await reads.get(master_context(self._ctx), "_GlobalConfig", "1", QueryParams())
        except ParseError as exc:
            if exc.code == OBJECT_NOT_FOUND:
                return {}
            raise
        params = dict(found.get("params") or {})
        if not self.is_master:
            master_only = found.get("masterKeyOnly") or {}
            params = {key: value for key, value in params.items() if not master_only.get(key)}
        return params

    def _require_master(self, operation: str) -> None:
        if not self.is_master:
            raise ParseError(OPERATION_FORBIDDEN, f"{operation} needs the master key")

    def _files(self) -> Any:
        files = self._ctx.state.services.files
        if files is None:
            raise ParseError(VALIDATION_ERROR, "Files are not available on this server.")
        return files

    @property
    def files_available(self) -> bool:
        return self._ctx.state.services.files is not None

    async def read_file(self, name: str) -> bytes | None:
        """A stored file's bytes (master only), or None when there is no such file."""
        self._require_master("read_file")
        files = self._files()
        stored = await files.store.stat(name)
        if stored is None:
            return None
        return b"".join([piece async for piece in files.store.read(stored, 0, stored.plain_size)])

    async def save_file(self, name: str, content_type: str, data: bytes) -> dict[str, str]:
        """Upload `data` as this identity (the files feature's rules apply); Parse's `{"url", "name"}`."""

        async def content() -> AsyncIterator[bytes]:
            yield data

        result: dict[str, str] = await self._files().upload(self._ctx, name, content_type, content(), limit=None)
        return result

    async def issue_invite(self, user_id: str) -> tuple[str, datetime]:
        """A staff invitation for the user (master only): the link to send and when it expires."""
        self._require_master("issue_invite")
        self._writable("update")
        invites = invites_of(self._ctx.state)
        token, expires = await invites.issue(user_id)
        return invites.link(token), expires

    async def revoke_invite(self, user_id: str) -> None:
        """Any unused invitation of the user stops working (master only)."""
        self._require_master("revoke_invite")
        self._writable("update")
        await invites_of(self._ctx.state).revoke(user_id)
