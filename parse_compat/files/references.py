"""Who may put a protected file on an object: only a caller who can already download it.

Without this, a user who learned a file's name could attach it to an object of their own and
then download it through that object. Proof of access is either a valid signed URL for that
name in the File value the client sends (the SDK sends back the `url` it got from the upload or
from a read), or being able to read an object that already references the file.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlsplit

from ..errors import INVALID_JSON, ParseError
from ..rest.context import RequestContext
from .access import can_read_file
from .service import FilesService


def file_values(body: dict[str, Any]) -> list[dict[str, Any]]:
    """File values at the top level of a body and inside arrays and Add/AddUnique ops."""
    found: list[dict[str, Any]] = []

    def visit(value: Any, depth: int) -> None:
        if depth > 3:
            return
        if isinstance(value, dict):
            if value.get("__type") == "File":
                found.append(value)
            elif value.get("__op") in ("Add", "AddUnique") and isinstance(value.get("objects"), list):
                for item in value["objects"]:
                    visit(item, depth + 1)
        elif isinstance(value, list):
            for item in value:
                visit(item, depth + 1)

    for value in body.values():
        visit(value, 0)
    return found


class FileReferenceCheck:
    def __init__(self, service: FilesService) -> None:
        self.service = service

    def _signed_for(self, value: dict[str, Any]) -> bool:
        url = value.get("url")
        if not isinstance(url, str):
            return False
        query = parse_qs(urlsplit(url).query)
        expires = (query.get("exp") or [None])[0]
        signature = (query.get("sig") or [None])[0]
        return self.service.signer.verify(str(value.get("name")), expires, signature)

    async def __call__(self, ctx: RequestContext, body: dict[str, Any]) -> None:
        if not self.service.protected or ctx.auth.has_master_power:
            return
        for value in file_values(body):
            name = value.get("name")
            if not isinstance(name, str):
                continue
            if self._signed_for(value) or await can_read_file(ctx, name):
                continue
            raise ParseError(INVALID_JSON, f"File {name} cannot be referenced: upload it, or use the url "
                                           "returned by the upload or by a read.")
