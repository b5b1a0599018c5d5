"""Who may put a protected file on an object: only a caller who may use it *now*.

Without this, a user who learned a file's name could attach it to an object of their own and
then download it through that object. A caller may attach a file when it uploaded the file
itself (the upload records its user), or when it can read, at this moment, an object that
already references the file. A signed URL sent along proves nothing here: it was only a
short-lived pass for one download, and treating it as proof would turn a url seen before a
revocation into permanent access (issue 10, exploit 13). Parse's REST guide attaches a fresh
upload by name alone (`{"__type": "File", "name": …}`); that works for the uploader.

Every File value in the body is checked, wherever it is: top-level fields, nested inside
Object values and arrays, inside `Add` / `AddUnique` ops, and under dotted keys; a dotted key
that ends in `.name` (`{"image.name": "<file>"}`, exploit 2) counts as a reference to the stored
file of that name.
"""

from __future__ import annotations

from typing import Any

from ..errors import INVALID_JSON, ParseError
from ..rest.context import RequestContext
from .access import can_read_file, uploader_key
from .adapter import StoredFile
from .names import check_stored_name
from .service import FilesService

# Ops whose values never put a file on the object.
NON_ATTACHING_OPS = frozenset({"Remove", "Delete", "Increment", "AddRelation", "RemoveRelation"})


def file_values(body: dict[str, Any]) -> list[dict[str, Any]]:
    """Every `{"__type": "File"}` value anywhere in a body (nested objects, arrays, ops)."""
    found: list[dict[str, Any]] = []
    # scalars are skipped before they reach the stack; an ACL holds only booleans
    stack: list[Any] = [value for key, value in body.items() if key != "ACL" and isinstance(value, (dict, list))]
    while stack:
        value = stack.pop()
        if isinstance(value, list):
            stack.extend(item for item in value if isinstance(item, (dict, list)))
        elif value.get("__type") == "File":
            found.append(value)
        elif value.get("__op") not in NON_ATTACHING_OPS:
            stack.extend(item for item in value.values() if isinstance(item, (dict, list)))
    return found


def dotted_names(body: dict[str, Any]) -> list[str]:
    """String values of dotted keys ending in `.name`: what `{"image.name": …}` would point at."""
    return [value for key, value in body.items()
            if "." in key and key.rsplit(".", 1)[1] == "name" and isinstance(value, str) and value]


class FileReferenceCheck:
    def __init__(self, service: FilesService) -> None:
        self.service = service

    async def _stat(self, name: str) -> StoredFile | None:
        try:
            check_stored_name(name)
        except ParseError:
            return None  # no stored file can have this name
        return await self.service.store.stat(name)

    async def _may_attach(self, ctx: RequestContext, name: str, owner: str | None) -> bool:
        mine = uploader_key(ctx.auth)
        if mine is not None and owner == mine:
            return True
        return await can_read_file(ctx, name)

    async def __call__(self, ctx: RequestContext, body: dict[str, Any]) -> None:
        if not self.service.protected or ctx.auth.is_master:
            return
        wanted: dict[str, bool] = {}  # name → must exist in the store to count
        for value in file_values(body):
            name = value.get("name")
            if isinstance(name, str) and name:
                wanted[name] = False
        for name in dotted_names(body):
            wanted.setdefault(name, True)
        for name, only_if_stored in wanted.items():
            record = await self._stat(name)
            if record is None and only_if_stored:
                continue  # an ordinary string under a `.name` key, not a file
            if await self._may_attach(ctx, name, record.owner if record is not None else None):
                continue
            raise ParseError(INVALID_JSON, f"File {name} cannot be referenced: only its uploader, or a user who "
                                           "can read an object that references it, may attach it.")
