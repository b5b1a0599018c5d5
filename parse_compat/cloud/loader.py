"""Loading the user's cloud code: a module name (`cloud_code`, `myapp.hooks`) or a `.py` file.

The module must define `register(cloud)`, which receives the app's `Cloud` and registers its
hooks on it (decorators or calls); it may be async. Any error while importing or registering
stops startup with `CloudCodeError`, whose message carries the traceback of the user's file.
The default `cloud_code` package being absent is not an error: the app runs without cloud code.
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.util
import inspect
import logging
import sys
import traceback
from pathlib import Path
from types import ModuleType

from .hooks import Cloud

log = logging.getLogger("parse_compat.cloud")
DEFAULT_MODULE = "cloud_code"


class CloudCodeError(Exception):
    """The cloud code cannot be loaded; startup stops."""


def _from_file(path: Path) -> ModuleType:
    digest = hashlib.sha256(str(path.resolve()).encode()).hexdigest()[:10]
    name = f"parse_compat_cloud_{path.stem}_{digest}"
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise CloudCodeError(f"cloud code {path}: not a Python file")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses and pickling look modules up by name
    try:
        spec.loader.exec_module(module)
    except BaseException:
        sys.modules.pop(name, None)
        raise
    return module


def import_cloud_module(target: str) -> ModuleType | None:
    """The module for `target`, or None when the default package does not exist."""
    path = Path(target)
    try:
        if target.endswith(".py") or path.is_file():
            if not path.is_file():
                raise CloudCodeError(f"cloud code file not found: {target}")
            return _from_file(path)
        return importlib.import_module(target)
    except CloudCodeError:
        raise
    except ModuleNotFoundError as exc:
        if target == DEFAULT_MODULE and exc.name == DEFAULT_MODULE:
            log.info("no cloud code: the %s package is not installed", DEFAULT_MODULE)
            return None
        raise CloudCodeError(f"cannot load cloud code {target!r}:\n{traceback.format_exc()}") from exc
    except Exception as exc:  # noqa: BLE001 - any import-time failure of user code stops startup
        raise CloudCodeError(f"cannot load cloud code {target!r}:\n{traceback.format_exc()}") from exc


async def load_cloud(target: str | None, cloud: Cloud) -> bool:
    """Import `target` and let it register on `cloud`; False when there is no cloud code."""
    if not target:
        return False
    module = import_cloud_module(target)
    if module is None:
        return False
    register = getattr(module, "register", None)
    if not callable(register):
        raise CloudCodeError(f"cloud code {target!r} has no register(cloud) function")
    try:
        outcome = register(cloud)
        if inspect.isawaitable(outcome):
            await outcome
    except Exception as exc:  # noqa: BLE001 - same as an import error: the user's traceback
        raise CloudCodeError(f"cloud code {target!r}: register(cloud) failed:\n{traceback.format_exc()}") from exc
    return True
