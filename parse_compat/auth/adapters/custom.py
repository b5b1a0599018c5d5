"""Custom adapters written in Python: `{"auth": {"myAuth": {"module": "my_pkg.my_auth", ...}}}`.

The module (imported by its dotted name) defines the hooks as plain functions, sync or async —
`validate_auth_data(auth_data, options, request)` and `validate_app_id(app_ids, auth_data, options,
request)`, or the newer `validate_set_up` / `validate_login` / `validate_update`, `challenge`,
`after_find`, `before_find`, `policy` (a string or a function) and `validate_options(options)` — or
exposes them on an object named `adapter`. The rest of the provider's options are passed to every
hook as `options`. Naming a built-in provider (`"google": {"module": ...}`) replaces the hooks the
module defines and keeps the others.
"""

from __future__ import annotations

import importlib
from types import ModuleType
from typing import Any

HOOK_NAMES = ("validate_auth_data", "validate_app_id", "validate_set_up", "validate_login", "validate_update",
              "challenge", "after_find", "before_find", "validate_options")


def load_module(name: str, path: Any) -> ModuleType | Any:
    if not isinstance(path, str) or not path:
        raise ValueError(f"auth.{name}.module must be a Python module name")
    try:
        module = importlib.import_module(path)
    except ImportError as exc:
        raise ValueError(f"auth.{name}.module: cannot import {path!r} ({exc})") from exc
    return getattr(module, "adapter", module)


def hooks_of(source: Any) -> dict[str, Any]:
    """The hooks (and `policy`) an adapter object or module defines."""
    found = {name: getattr(source, name) for name in HOOK_NAMES if callable(getattr(source, name, None))}
    if getattr(source, "policy", None) is not None:
        found["policy"] = source.policy
    return found
