"""Parse's `installation` option: what happens to other `_Installation` rows holding a device
token that a new installation brings (a reinstalled app, a token handed to another install).

`{"duplicateDeviceTokenAction": "delete" | "update", "duplicateDeviceTokenMergePriority":
"deviceToken" | "installationId", "duplicateDeviceTokenActionEnforceAuth": false}`, Parse's defaults
"delete", "deviceToken", false:

- once a create (or the merge below) has stored a row with a `deviceToken`, every other row with
  that token is the loser: deleted ("delete"), or kept with its `deviceToken` removed ("update",
  its channels and custom fields survive). The clean-up runs as the server (Parse's
  `EnforceAuth: false`); `true` (run it with the caller's ACL and CLP) stops the boot;
- the merge case: a create bringing an `installationId` that no row has, and a token held by a
  row without an `installationId` (a token registered before the SDK had an id). Priority
  "deviceToken": that row survives, takes the `installationId` and the request's fields (the
  answer is its objectId); "installationId": a new row is made and the old one is the loser.
"""

from __future__ import annotations

from typing import Any

from ..settings_checks import installation_options
from ..storage.base import FindOptions

MAX_LOSERS = 1000


async def orphan_holding(ctx: Any, schema: Any, token: str) -> dict[str, Any] | None:
    """The merge case's row: it holds `token` and has no installationId (priority deviceToken only)."""
    if installation_options(ctx.state.settings.installation)["duplicateDeviceTokenMergePriority"] != "deviceToken":
        return None
    found = await ctx.state.storage.find(schema, {"deviceToken": token, "installationId": {"$exists": False}},
                                         FindOptions(limit=1))
    return found[0] if found else None


async def clear_duplicates(ctx: Any, schema: Any, token: str, keep: str) -> int:
    """Delete (or take the token from) every other row holding `token`; how many rows lost."""
    action = installation_options(ctx.state.settings.installation)["duplicateDeviceTokenAction"]
    losers = await ctx.state.storage.find(schema, {"deviceToken": token, "objectId": {"$ne": keep}},
                                          FindOptions(limit=MAX_LOSERS))
    writes = ctx.state.services.server_writes
    for row in losers:
        where = {"objectId": row["objectId"], "deviceToken": token}
        if action == "delete":
            await writes.delete(schema, where)
        else:
            await writes.update(schema, where, {"deviceToken": {"__op": "Delete"}})
    return len(losers)
