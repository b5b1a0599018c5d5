"""`_Installation` rules, as the mobile SDKs rely on them at every app start.

- a create needs `installationId` (or the `X-Parse-Installation-Id` header) or `deviceToken`,
  else 135; a new row needs `deviceType` (135);
- `installationId` is stored lower-case;
- a POST whose installationId matches an existing row updates it and answers 200 `{updatedAt}`;
- `installationId`, `deviceToken` and `deviceType` cannot be changed by an update (136);
- clients may not delete installations (119; finding them is refused in `rest/find.py`);
- other rows holding a new installation's `deviceToken` are deleted or lose the token (Parse's
  `installation` option, `installation_dedup.py`).
"""

from __future__ import annotations

from typing import Any

from ..errors import CHANGED_IMMUTABLE_FIELD, INSTALLATION_ERROR, OPERATION_FORBIDDEN, ParseError
from ..storage.base import FindOptions
from .context import RequestContext
from .installation_dedup import clear_duplicates, orphan_holding
from .write import ClassHooks, WriteOp

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


class InstallationRules(ClassHooks):
    async def authorize(self, op: WriteOp) -> None:
        if op.kind == "delete" and not op.auth.is_master:
            raise ParseError(OPERATION_FORBIDDEN, "Clients aren't allowed to perform the delete operation on the "
                                                  "installation collection.")

    async def prepare(self, op: WriteOp) -> None:
        if op.kind == "delete":
            return
        if not op.creating:
            if "installationId" in op.raw or "deviceToken" in op.raw:
                op.raw = _normalise(op.raw, op.ctx)
            return
        body = op.raw = _normalise(op.raw, op.ctx)
        if not body.get("installationId") and not body.get("deviceToken"):
            raise ParseError(INSTALLATION_ERROR, "at least one ID field (deviceToken, installationId) must be "
                                                 "specified in this operation")
        existing = None
        if body.get("installationId"):
            assert op.schema is not None
            found = await op.ctx.state.storage.find(op.schema, {"installationId": body["installationId"]},
                                                    FindOptions(limit=1))
            existing = found[0] if found else None
        if existing is not None:
            # a POST for a device already known updates its row (through the update steps)
            changes = {k: v for k, v in body.items() if k != "installationId"}
            if "deviceType" in changes and changes["deviceType"] == existing.get("deviceType"):
                changes.pop("deviceType")
            op.kind, op.object_id, op.raw = "update", existing["objectId"], changes
            return
        token = body.get("deviceToken")
        orphan = await orphan_holding(op.ctx, op.schema, token) if token and body.get("installationId") else None
        if orphan is not None:  # installation option, merge priority deviceToken: that row becomes this install
            changes = {k: v for k, v in body.items() if k != "deviceToken"}
            if changes.get("deviceType") == orphan.get("deviceType"):
                changes.pop("deviceType", None)
            op.kind, op.object_id, op.raw = "update", orphan["objectId"], changes
            op.notes["merged_installation"] = True
            return
        if not body.get("deviceType"):
            raise ParseError(INSTALLATION_ERROR, "deviceType must be specified in this operation")

    async def before_store(self, op: WriteOp) -> None:
        if op.creating or op.original is None:
            return
        for key in IMMUTABLE:
            if key == "installationId" and op.notes.get("merged_installation") and not op.original.get(key):
                continue  # the merge case gives the token's row the request's installationId
            if key in op.body and op.body[key] != op.original.get(key):
                raise ParseError(CHANGED_IMMUTABLE_FIELD, f"{key} may not be changed in this operation")

    async def after_store(self, op: WriteOp) -> None:
        if not (op.creating or op.notes.get("merged_installation")) or op.object_id is None:
            return
        token = op.body.get("deviceToken") if op.creating else (op.original or {}).get("deviceToken")
        if isinstance(token, str) and token:  # the installation option: other rows with this token lose
            assert op.schema is not None
            await clear_duplicates(op.ctx, op.schema, token, op.object_id)
