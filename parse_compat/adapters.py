"""Loading a pluggable adapter from an option, Parse's `loadAdapter` shape, for Python.

An option names an adapter as:
- a dotted module path (`"my_pkg.my_push"`) or `"module:attribute"`;
- or an object `{"module": "<that>", "options": {...}}` (Parse's `{adapter, options}` shape; extra
  keys besides `module`/`adapter` are passed as options too).

The named module must expose `create_adapter(options)`; a `module:attribute` names a class or
factory that is called with the options. Anything else is a boot error that names the option.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any


class AdapterError(ValueError):
    """The option does not name a loadable adapter (the boot stops with this message)."""


def _target(path: str, option: str) -> Callable[[dict[str, Any]], Any]:
    module_name, _, attribute = path.partition(":")
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise AdapterError(f"option {option}: cannot import {module_name}") from exc
    factory = getattr(module, attribute or "create_adapter", None)
    if not callable(factory):
        raise AdapterError(f"option {option}: {module_name} has no {attribute or 'create_adapter'}")
    return factory  # type: ignore[no-any-return]


def load_adapter(spec: Any, option: str, default: Callable[[dict[str, Any]], Any],
                 builtins: dict[str, Callable[[dict[str, Any]], Any]] | None = None) -> Any:
    """The adapter an option describes; `default(options)` when it names none. `builtins` maps
    short names (e.g. `"fcm"`) to factories shipped here."""
    if spec is None or spec == {}:
        return default({})
    options: dict[str, Any] = {}
    name: Any = spec
    if isinstance(spec, dict):
        options = {k: v for k, v in spec.items() if k not in ("module", "adapter", "options")}
        if isinstance(spec.get("options"), dict):
            options.update(spec["options"])
        name = spec.get("module", spec.get("adapter"))
        if name is None:
            return default(options)
    if not isinstance(name, str) or not name:
        raise AdapterError(f"option {option}: the adapter must be named by a module path")
    if builtins and name in builtins:
        return builtins[name](options)
    return _target(name, option)(options)
