"""`_Installation` rules, as the mobile SDKs rely on them at every app start.

- a create needs `installationId` (or the `X-Parse-Installation-Id` header) or `deviceToken`,
  else 135; a new row needs `deviceType` (135);
- `installationId` is stored lower-case;
- a POST whose installationId matches an existing row updates it and answers 200 `{updatedAt}`;
- `installationId`, `deviceToken` and `deviceType` cannot be changed by an update (136);
- clients may not delete installations (119; finding them is refused in `rest/find.py`).
"""

from __future__ import annotations

from typing import Any

from ..errors import CHANGED_IMMUTABLE_FIELD, INSTALLATION_ERROR, OPERATION_FORBIDDEN, ParseError
from ..storage.base import FindOptions
from . import write
from .context import RequestContext
from .write import WriteResult

IMMUTABLE = ("installationId", "deviceToken", "deviceType")


def _normalise(body: dict[str, Any], ctx: RequestContext) -> dict[str, Any]:
    body = dict(body)
    installation_id = body.get("installationId")
    if installation_id is None and ctx.auth.installation_id not in (None, "cloud"):
        installation_id = ctx.auth.installation_id
    if installation_id is not None:
        if not isinstance(installation_id, str) or not installation_id:
            raise ParseError(INSTALLATION_ERROR, "installationId must be a non-empty string")
        body["installationId"] = installation_id.lower()
    token = body.get("deviceToken")
    if isinstance(token, str) and len(token) == 64:
        body["deviceToken"] = token.lower()  # iOS tokens are hex; Parse lower-cases them
    return body


class InstallationRules:
    async def create(self, ctx: RequestContext, body: dict[str, Any]) -> WriteResult:
        body = _normalise(body, ctx)
        if not body.get("installationId") and not body.get("deviceToken"):
            raise ParseError(INSTALLATION_ERROR, "at least one ID field (deviceToken, installationId) must be "
                                                 "specified in this operation")
        schema = ctx.state.schemas.get("_Installation")
        assert schema is not None
        existing = None
        if body.get("installationId"):
            found = await ctx.state.storage.find(schema, {"installationId": body["installationId"]},
                                                 FindOptions(limit=1))
            existing = found[0] if found else None
        if existing is not None:
            changes = {k: v for k, v in body.items() if k not in ("installationId",)}
            if "deviceType" in changes and changes["deviceType"] == existing.get("deviceType"):
                changes.pop("deviceType")
            return await self._update(ctx, existing["objectId"], changes, existing)
        if not body.get("deviceType"):
            raise ParseError(INSTALLATION_ERROR, "deviceType must be specified in this operation")
        return await write.create(ctx, "_Installation", body)

    async def _update(self, ctx: RequestContext, object_id: str, body: dict[str, Any],
                      current: dict[str, Any]) -> WriteResult:
        for key in IMMUTABLE:
            if key in body and body[key] != current.get(key):
                raise ParseError(CHANGED_IMMUTABLE_FIELD, f"{key} may not be changed in this operation")
        return await write.update(ctx, "_Installation", object_id, body)

    async def update(self, ctx: RequestContext, object_id: str, body: dict[str, Any]) -> WriteResult:
        body = _normalise(body, ctx) if "installationId" in body or "deviceToken" in body else dict(body)
        schema = ctx.state.schemas.get("_Installation")
        assert schema is not None
        found = await ctx.state.storage.find(schema, {"objectId": object_id}, FindOptions(limit=1))
        if not found:
            return await write.update(ctx, "_Installation", object_id, body)  # 101 as for any class
        return await self._update(ctx, object_id, body, found[0])

    async def delete(self, ctx: RequestContext, object_id: str) -> WriteResult:
        if not ctx.auth.is_master:
            raise ParseError(OPERATION_FORBIDDEN, "Clients aren't allowed to perform the delete operation on the "
                                                  "installation collection.")
        return await write.delete(ctx, "_Installation", object_id)
