"""Class hooks: what `_User`, `_Session`, `_Role` and `_Installation` add to the one pipeline.

A class plugs its rules in as steps, never as a parallel write path. Each method is called at
one place of the step list in `pipeline.py`:

- `authorize` — right after the class check, before anything is read: refusals that do not
  depend on stored data (206 "Cannot modify user", 119 on installation deletes, 209...);
- `prepare` — normalises the client body (lower-cased installation ids...), may turn a create
  into an update (an installation that already exists) or answer at once (`op.finished`);
- `check_keys` — the class's server-owned fields: called on the client body and again on
  what beforeSave and `before_store` changed, with the caller's identity;
- `before_store` — after permission and beforeSave, with `op.original` loaded: uniqueness,
  password hashing, immutable fields compared with the original, server-set values;
- `after_store` — after the write: sessions, caches, the class's response shape.
"""

from __future__ import annotations

from typing import Any

from .op import WriteOp


class ClassHooks:
    """No rules: the behaviour of an ordinary class. Subclass and override what you need."""

    # parse-compat: some classes word their 101 on delete differently (sessions)
    not_found_on_delete = "Object not found."

    async def authorize(self, op: WriteOp) -> None:
        return None

    async def prepare(self, op: WriteOp) -> None:
        return None

    def check_keys(self, op: WriteOp, body: dict[str, Any]) -> None:
        return None

    async def before_store(self, op: WriteOp) -> None:
        return None

    async def after_store(self, op: WriteOp) -> None:
        return None


NO_HOOKS = ClassHooks()
