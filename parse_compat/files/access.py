"""Who may download or attach a protected file.

Download: the master key, or a user who can read at least one object that references it
(signed URLs are checked by the route). Attach (put it on an object, `references.py`): the
master key, the user who uploaded it, or a user who can read an object that references it now.

"Can read" is the ordinary read path: the class's CLP for `get` or `find`, the user's ACL
group as a storage constraint, and protected fields (a File field the user may not see does
not count). The file-name filter is pushed into storage, one query per class with File fields;
no object is loaded into Python to be inspected.
"""

from __future__ import annotations

from ..auth.identity import Auth
from ..errors import ParseError
from ..rest.context import RequestContext
from ..rest.grants import access_constraints, combine
from ..storage.base import FindOptions


def uploader_key(auth: Auth) -> str | None:
    """What an upload records as its owner: the user, or nothing (master, public uploads)."""
    return f"user:{auth.user_id}" if auth.user_id else None


async def can_read_file(ctx: RequestContext, name: str) -> bool:
    if ctx.auth.has_master_power:
        return True
    if ctx.auth.user is None:
        return False
    storage = ctx.state.storage
    for schema in ctx.state.schemas.all():
        file_fields = [field for field, spec in schema.fields.items() if spec.get("type") == "File"]
        if not file_fields:
            continue
        for operation in ("get", "find"):
            try:
                extra, hidden = await access_constraints(ctx, schema, operation, "_rperm")
            except ParseError:
                continue  # the CLP refuses this operation to this user
            visible = [field for field in file_fields if field not in hidden]
            if not visible:
                break
            refs = [{field: {"__type": "File", "name": name}} for field in visible]
            where = combine(refs[0] if len(refs) == 1 else {"$or": refs}, extra)
            if await storage.find(schema, where, FindOptions(limit=1, keys={"objectId"})):
                return True
    return False
