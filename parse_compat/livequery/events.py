"""The event decision for one subscriber and one change (parse-protocol §11.4), and ``keys``.

Inputs are storage documents (``before`` is None on create) and what the caller worked out:
whether each version matches the subscription's ``where`` and whether this subscriber may read
it (ACL with roles, pointer permissions). Pure: no I/O.

- both visible → ``update``; only before → ``leave``; only after → ``enter``, or ``create`` when
  there was no before; neither → nothing;
- ``watch`` set → ``update`` and ``create`` only when a watched field changed; ``enter`` and
  ``leave`` always go out;
- a ``leave`` caused by losing read access carries the last readable state (the original) as
  ``object``; an ``enter`` caused by gaining read access omits ``original``;
- a delete goes out when the deleted object matched and was readable.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

Document = Mapping[str, Any]

# The fields a `keys` projection always keeps (Parse Server's Client._toJSONWithFields).
DEFAULT_FIELDS = ("className", "objectId", "updatedAt", "createdAt", "ACL")


@dataclass(frozen=True, slots=True)
class Decision:
    op: str
    object: Document
    original: Document | None = None


def strict_equal(a: Any, b: Any) -> bool:
    """Deep equality as JavaScript's isDeepStrictEqual sees JSON: ``true != 1``, ``1 == 1.0``."""
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a == b
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return a == b
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(strict_equal(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(strict_equal(x, y) for x, y in zip(a, b, strict=True))
    return type(a) is type(b) and a == b


def watch_changed(watch: tuple[str, ...] | None, after: Document, before: Document | None) -> bool:
    if not watch:
        return True
    previous = before or {}
    return any(not strict_equal(after.get(name), previous.get(name)) for name in watch)


def decide_save(before: Document | None, after: Document, *, before_matches: bool, after_matches: bool,
                before_readable: bool, after_readable: bool,
                watch: tuple[str, ...] | None = None) -> Decision | None:
    was_visible = before is not None and before_matches and before_readable
    is_visible = after_matches and after_readable
    if was_visible and is_visible:
        return Decision("update", after, before) if watch_changed(watch, after, before) else None
    if was_visible:
        assert before is not None
        # Losing read access: the subscriber may only see the last state it could read.
        return Decision("leave", after if after_readable else before, before)
    if is_visible:
        if before is None:
            return Decision("create", after) if watch_changed(watch, after, None) else None
        # Gaining read access: the state before was not the subscriber's to see.
        return Decision("enter", after, before if before_readable else None)
    return None


def decide_delete(deleted: Document, *, matches: bool, readable: bool) -> Decision | None:
    return Decision("delete", deleted) if matches and readable else None


def project_keys(rendered: dict[str, Any], keys: tuple[str, ...] | None) -> dict[str, Any]:
    """The ``keys`` projection: the default fields plus the listed ones that exist."""
    if not keys:
        return rendered
    out = {name: rendered[name] for name in DEFAULT_FIELDS if name in rendered}
    for name in keys:
        if name in rendered:
            out[name] = rendered[name]
    return out
