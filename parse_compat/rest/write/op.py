"""The value every write step reads and fills: `WriteOp` (one create, update or delete) and the
`WriteResult` handed back to the HTTP edge, batch and the cloud SDK.

Pure data: no I/O and no imports from the rest of the write package.
"""

from __future__ import annotations

import secrets
import string
from dataclasses import dataclass, field
from typing import Any

from ...codec.ops import DecodedBody
from ...storage.base import ClassSchema, Document
from ..context import RequestContext

ID_ALPHABET = string.ascii_letters + string.digits


def new_object_id(size: int) -> str:
    # One urandom call per id (as Parse does: random bytes mapped onto the alphabet).
    return "".join(ID_ALPHABET[byte % len(ID_ALPHABET)] for byte in secrets.token_bytes(size))


@dataclass
class WriteResult:
    """What a write returns to the HTTP edge and to hooks."""

    response: dict[str, Any]
    object_id: str
    doc: Document
    original: Document | None = None
    status: int = 200
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass
class WriteOp:
    """One write on its way through the pipeline.

    `raw` is the body as the client sent it (REST JSON); `body` starts as a copy and becomes
    what beforeSave returned; `decoded` is `body` split into storage updates. `internal` holds
    server-set storage keys (`_hashed_password`, a session's token...) that no client body can
    name. `result` set by a step ends the pipeline early with that answer.
    """

    ctx: RequestContext
    class_name: str
    kind: str  # "create" | "update" | "delete"
    raw: dict[str, Any]
    object_id: str | None = None
    schema: ClassSchema | None = None
    body: dict[str, Any] = field(default_factory=dict)
    decoded: DecodedBody | None = None
    internal: dict[str, Any] = field(default_factory=dict)
    original: Document | None = None  # the stored object the caller may write (updates, deletes)
    original_rest: dict[str, Any] | None = None  # the same as REST JSON, for triggers
    where: dict[str, Any] = field(default_factory=dict)  # the condition that found `original`
    decoded_from: dict[str, Any] | None = None  # the body `decoded` was made from
    finished: bool = False  # a step answered already (`result`); the rest do not run
    trigger_changed: list[str] = field(default_factory=list)
    result: WriteResult | None = None
    notes: dict[str, Any] = field(default_factory=dict)  # what class hooks carry between their steps

    @property
    def creating(self) -> bool:
        return self.kind == "create"

    @property
    def auth(self) -> Any:
        return self.ctx.auth
