"""Apply a storage update document (sets and `__op`s, dotted keys) to a storage document.

Pure. Used by adapters that cannot express the update natively (SQLite) and to compute the
object after a write for Live Query. Semantics follow MongoDB's $set/$unset/$inc/$push/
$addToSet/$pullAll.
"""

from __future__ import annotations

import copy
from typing import Any


def _container(doc: dict[str, Any], path: list[str]) -> dict[str, Any]:
    node = doc
    for part in path[:-1]:
        child = node.get(part)
        if not isinstance(child, dict):
            child = {}
            node[part] = child
        node = child
    return node


def _equal(a: Any, b: Any) -> bool:
    """Deep equality as MongoDB's $addToSet/$pullAll see it (pointers by class and id)."""
    if isinstance(a, dict) and isinstance(b, dict) and a.get("__type") == b.get("__type") == "Pointer":
        return a.get("className") == b.get("className") and a.get("objectId") == b.get("objectId")
    if isinstance(a, bool) != isinstance(b, bool):
        return False
    return bool(a == b)


def apply_op(current: Any, op: dict[str, Any]) -> Any:
    """The value a field takes after one `__op` (Delete is handled by the caller)."""
    kind = op["__op"]
    if kind == "Increment":
        base = current if isinstance(current, (int, float)) and not isinstance(current, bool) else 0
        return base + op["amount"]
    items = list(current) if isinstance(current, list) else []
    objects = op.get("objects") or []
    if kind == "Add":
        return items + list(objects)
    if kind == "AddUnique":
        for obj in objects:
            if not any(_equal(obj, existing) for existing in items):
                items.append(obj)
        return items
    if kind == "Remove":
        return [item for item in items if not any(_equal(item, obj) for obj in objects)]
    raise ValueError(f"unsupported op {kind}")


def apply_update(doc: dict[str, Any], update: dict[str, Any]) -> dict[str, Any]:
    """Return a new document with `update` applied."""
    result = copy.deepcopy(doc)
    for key, value in update.items():
        path = key.split(".")
        node = _container(result, path)
        leaf = path[-1]
        if isinstance(value, dict) and "__op" in value:
            if value["__op"] == "Delete":
                node.pop(leaf, None)
            else:
                node[leaf] = apply_op(node.get(leaf), value)
        else:
            node[leaf] = copy.deepcopy(value)
    return result
