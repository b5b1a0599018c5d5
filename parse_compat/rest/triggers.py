"""The seam between the REST pipeline and cloud code: what the pipeline calls, and when.

`Triggers` is implemented by `parse_compat.cloud` (installed as `state.services.triggers`);
without cloud code, `NoTriggers` runs and nothing changes. All objects crossing this seam are
REST JSON (what a client would send or receive), never storage documents.
"""

from __future__ import annotations

from typing import Any, Protocol

from .context import RequestContext
from .params import QueryParams


class Triggers(Protocol):
    def has(self, trigger: str, class_name: str) -> bool:
        """Whether a handler is registered (lets the pipeline skip work)."""
        ...

    async def before_save(self, ctx: RequestContext, class_name: str, changes: dict[str, Any],
                          original: dict[str, Any] | None) -> dict[str, Any]:
        """Run beforeSave. `changes` is the request body (REST JSON, may hold `__op`s); `original`
        is the stored object (REST JSON) for updates, None for creates. Returns the body to
        write instead (the handler may set, unset or change fields). Raise ParseError to reject
        (any other exception → 142 with its message)."""
        ...

    async def after_save(self, ctx: RequestContext, class_name: str, obj: dict[str, Any],
                         original: dict[str, Any] | None) -> dict[str, Any] | None:
        """Run afterSave on the saved object; a returned dict replaces the REST response."""
        ...

    async def before_delete(self, ctx: RequestContext, class_name: str, obj: dict[str, Any]) -> None: ...

    async def after_delete(self, ctx: RequestContext, class_name: str, obj: dict[str, Any]) -> None: ...

    async def before_find(self, ctx: RequestContext, class_name: str, params: QueryParams,
                          is_get: bool, is_count: bool) -> QueryParams:
        """May return changed query params (where, limit, keys...)."""
        ...

    async def after_find(self, ctx: RequestContext, class_name: str,
                         objects: list[dict[str, Any]]) -> list[dict[str, Any]]: ...

    async def before_login(self, ctx: RequestContext, user: dict[str, Any]) -> None: ...

    async def after_login(self, ctx: RequestContext, user: dict[str, Any]) -> None: ...

    async def after_logout(self, ctx: RequestContext, session: dict[str, Any]) -> None: ...

    async def before_password_reset_request(self, ctx: RequestContext, user: dict[str, Any]) -> None:
        """Run beforePasswordResetRequest on the account found by email; raise ParseError to refuse."""
        ...


class NoTriggers:
    """Used when no cloud code is loaded."""

    def has(self, trigger: str, class_name: str) -> bool:
        return False

    async def before_save(self, ctx: RequestContext, class_name: str, changes: dict[str, Any],
                          original: dict[str, Any] | None) -> dict[str, Any]:
        return changes

    async def after_save(self, ctx: RequestContext, class_name: str, obj: dict[str, Any],
                         original: dict[str, Any] | None) -> dict[str, Any] | None:
        return None

    async def before_delete(self, ctx: RequestContext, class_name: str, obj: dict[str, Any]) -> None:
        return None

    async def after_delete(self, ctx: RequestContext, class_name: str, obj: dict[str, Any]) -> None:
        return None

    async def before_find(self, ctx: RequestContext, class_name: str, params: QueryParams,
                          is_get: bool, is_count: bool) -> QueryParams:
        return params

    async def after_find(self, ctx: RequestContext, class_name: str,
                         objects: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return objects

    async def before_login(self, ctx: RequestContext, user: dict[str, Any]) -> None:
        return None

    async def after_login(self, ctx: RequestContext, user: dict[str, Any]) -> None:
        return None

    async def after_logout(self, ctx: RequestContext, session: dict[str, Any]) -> None:
        return None

    async def before_password_reset_request(self, ctx: RequestContext, user: dict[str, Any]) -> None:
        return None


def triggers_of(ctx: RequestContext) -> Triggers:
    found = ctx.state.services.triggers
    return found if found is not None else NoTriggers()
