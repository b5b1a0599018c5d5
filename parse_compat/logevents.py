"""Parse's `logLevels`: the level at which cloud function runs, triggers and a taken username are logged.

Keys and defaults as in Parse: `cloudFunctionSuccess` info, `cloudFunctionError` error,
`triggerBeforeSuccess` info, `triggerBeforeError` error, `triggerAfter` info,
`signupUsernameTaken` info; levels `error`, `warn`, `info`, `debug`, `verbose`, `silly` (the
last three are Python's debug) or `silent` (not logged).

parse-compat: the lines name the function or trigger, the class and the user's objectId only;
Parse adds the input and the result, which here would be patient data.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

log = logging.getLogger("parse_compat.cloud")

DEFAULT_LEVELS = {"cloudFunctionSuccess": "info", "cloudFunctionError": "error", "triggerBeforeSuccess": "info",
                  "triggerBeforeError": "error", "triggerAfter": "info", "signupUsernameTaken": "info"}
PYTHON_LEVELS = {"error": logging.ERROR, "warn": logging.WARNING, "info": logging.INFO, "debug": logging.DEBUG,
                 "verbose": logging.DEBUG, "silly": logging.DEBUG}
SILENT = "silent"


def check_log_levels(option: Any) -> None:
    """Validate the `logLevels` option (boot error otherwise)."""
    if option is None:
        return
    if not isinstance(option, dict):
        raise ValueError("option logLevels must be an object")
    for key, level in option.items():
        if key not in DEFAULT_LEVELS:
            raise ValueError(f"option logLevels: unknown key {str(key)[:40]!r}")
        if level not in PYTHON_LEVELS and level != SILENT:
            raise ValueError(f"option logLevels.{key} must be one of {', '.join([*PYTHON_LEVELS, SILENT])}")


def log_event(levels: Mapping[str, str] | None, event: str, message: str, *args: Any) -> None:
    """Log `message % args` at the level `logLevels` gives `event` (nothing when silent)."""
    level = (levels or {}).get(event) or DEFAULT_LEVELS[event]
    if level != SILENT:
        log.log(PYTHON_LEVELS[level], message, *args)


def caller_for_log(user_id: str | None) -> str:
    """Parse's `userIdForLog`: the user's objectId, else `undefined` (never a username or email)."""
    return user_id or "undefined"
