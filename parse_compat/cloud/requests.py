"""The request objects handed to cloud code, one kind per hook family (Parse's `request`).

Every request carries the caller (`user`, `master`, `is_read_only`, `installation_id`), the
HTTP facts (`ip`, `headers`), the shared `context` dict, a logger, the app's mail adapter
and `sdk`: the in-process SDK acting as the caller (`request.sdk.as_master()` for master).

The request context is given at construction (`ctx=`) and kept private: cloud code gets the
caller's facts and the SDK, never the app state or storage (which would let it write around
the pipeline, e.g. through `state.services.server_writes`).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import InitVar, dataclass, field
from typing import TYPE_CHECKING, Any

from ..mail import MailAdapter, mail_of
from ..rest.context import RequestContext
from ..rest.grants import acl_group
from ..rest.write import as_rest
from .objects import ParseObject
from .sdk import CloudSDK

if TYPE_CHECKING:
    from .query import Query

USER_LOG = logging.getLogger("parse_compat.cloud.user")


def user_object(ctx: RequestContext) -> ParseObject | None:
    """The caller's `_User` as cloud code sees it (all fields, no secrets)."""
    if ctx.auth.user is None:
        return None
    return ParseObject("_User", as_rest(ctx, "_User", ctx.auth.user) or {})


@dataclass
class CloudRequest:
    """What every hook receives."""

    ctx: InitVar[RequestContext]
    user: ParseObject | None = None
    log: logging.Logger = field(default=USER_LOG, repr=False)

    def __post_init__(self, ctx: RequestContext) -> None:
        self._ctx = ctx

    @property
    def master(self) -> bool:
        # parse-compat: true for the read-only master key too, as in Parse Server 9 (check
        # `is_read_only`); its writes are refused all the same, `sdk.as_master()` included.
        return self._ctx.auth.is_master_key  # Parse 9: false for the maintenance key

    @property
    def is_read_only(self) -> bool:
        return self._ctx.auth.is_read_only

    @property
    def installation_id(self) -> str | None:
        return self._ctx.auth.installation_id

    @property
    def ip(self) -> str:
        return self._ctx.ip

    @property
    def headers(self) -> Mapping[str, str]:
        return self._ctx.headers

    @property
    def context(self) -> dict[str, Any]:
        return self._ctx.context

    @property
    def sdk(self) -> CloudSDK:
        return CloudSDK(self._ctx)

    @property
    def mail(self) -> MailAdapter:
        return mail_of(self._ctx.state)

    async def user_roles(self) -> list[str]:
        """Names of the roles the caller holds, directly or through parent roles."""
        if self._ctx.auth.user is None:
            return []
        return [entry[5:] for entry in await acl_group(self._ctx) if entry.startswith("role:")]


@dataclass
class TriggerRequest(CloudRequest):
    """beforeSave / afterSave / beforeDelete / afterDelete / beforeLogin / afterLogin / afterLogout."""

    trigger_name: str = ""
    object: ParseObject = field(default_factory=lambda: ParseObject(""))
    original: ParseObject | None = None


@dataclass
class FindRequest(CloudRequest):
    """beforeFind (`query` may be changed) and afterFind (`objects` may be replaced)."""

    trigger_name: str = ""
    query: Query | None = None
    is_get: bool = False
    count: bool = False
    objects: list[ParseObject] = field(default_factory=list)


@dataclass
class FunctionRequest(CloudRequest):
    function_name: str = ""
    params: dict[str, Any] = field(default_factory=dict)


@dataclass
class JobRequest(CloudRequest):
    job_name: str = ""
    job_id: str = ""
    params: dict[str, Any] = field(default_factory=dict)
    on_message: Callable[[str], Awaitable[None]] | None = field(default=None, repr=False)
    last_message: str | None = None

    async def message(self, text: str) -> None:
        """Record progress on the job's `_JobStatus.message` at once."""
        self.last_message = str(text)
        if self.on_message is not None:
            await self.on_message(self.last_message)


@dataclass
class HookRequest(CloudRequest):
    """File and Live Query hooks (fired by those features through `CloudRuntime.run_hook`)."""

    trigger_name: str = ""
    data: dict[str, Any] = field(default_factory=dict)

    def __getattr__(self, name: str) -> Any:
        data = self.__dict__.get("data") or {}
        if name in data:
            return data[name]
        raise AttributeError(name)
