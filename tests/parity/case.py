"""One request of the REST differential suite, as data: what to send, with which credentials,
and what to remember from the answer for later cases.

Strings in ``path``, ``body``, ``params`` and ``raw`` may name what an earlier case remembered:
``{{name}}`` is the objectId it saved, ``{{tok:name}}`` its session token, ``{{file:name}}`` the
stored name of the file it uploaded. ``auth`` is ``master``, ``rest`` (application id and REST
key), ``user:<name>`` (rest plus that user's session token) or ``bare`` (no header at all)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Case:
    name: str
    method: str
    path: str
    body: Any = None
    auth: str = "rest"
    params: dict[str, Any] = field(default_factory=dict)
    raw: str | bytes | None = None
    headers: dict[str, str] = field(default_factory=dict)
    save: str | None = None
    ordered: bool | None = None  # results compared in order; default: when `order` is sent
    shape: bool = False  # compare only the body's keys and value types (values are the server's own)

    @property
    def keeps_order(self) -> bool:
        return self.ordered if self.ordered is not None else "order" in self.params
