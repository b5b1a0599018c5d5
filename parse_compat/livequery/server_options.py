"""Parse's `startLiveQueryServer` and `liveQueryServerOptions`, mapped onto this server's Live Query.

In Parse Server the websocket is served only when `startLiveQueryServer` is true or
`liveQueryServerOptions` is given; here it is served by default (parse-compat: `liveQuery.classNames`
alone decides what is published), and `startLiveQueryServer: false` without
`liveQueryServerOptions` turns it off in this process (writes are still published on
`liveQuery.redisURL` for another process to serve).

`liveQueryServerOptions` keys, Parse's meaning:

- `port`: another port for the websocket alone (Parse's own Live Query HTTP server); the port
  of the API (or none) shares it;
- `keyPairs`, `websocketTimeout`: as `liveQuery.keyPairs` / `liveQuery.websocketTimeout`;
- `cacheTimeout` (ms, Parse's default 5000): how long a session's answer may be reused, here the
  interval of the session re-validations (`liveQuery.sessionCheckInterval`, seconds);
- `logLevel`: the level of the Live Query log lines (logger `parse_compat.livequery`);
- `appId`, `masterKey`, `serverURL`, `redisURL`: the Live Query server runs in this process for
  this app, so each is accepted only when it names this server's own (`appId`, `masterKey`,
  `serverURL`, `liveQuery.redisURL`);
- `redisOptions`, `pubSubAdapter`, `wssAdapter` (JavaScript objects or Redis client options):
  refused at boot.

Anything that cannot be honoured stops the boot with one sentence rather than being ignored.
"""

from __future__ import annotations

import logging
from typing import Any

from ..logconfig import LEVELS

SAME_AS_SERVER = {"appId": "appId", "masterKey": "masterKey", "serverURL": "serverURL"}
MAPPED = {"keyPairs": "keyPairs", "websocketTimeout": "websocketTimeout"}
REFUSED = ("redisOptions", "pubSubAdapter", "wssAdapter")
KNOWN = (*SAME_AS_SERVER, *MAPPED, "cacheTimeout", "logLevel", "port", "redisURL", *REFUSED)


def _options(settings: Any) -> dict[str, Any] | None:
    raw = getattr(settings, "liveQueryServerOptions", None)
    if raw is None:
        return None
    if not isinstance(raw, dict):
        raise ValueError("liveQueryServerOptions must be a JSON object")
    for key in raw:
        if key not in KNOWN:
            raise ValueError(f"liveQueryServerOptions has no key {str(key)[:40]!r}")
        if key in REFUSED:
            raise ValueError(f"liveQueryServerOptions.{key} is not supported (a JavaScript adapter or Redis client "
                             "options); use liveQuery.redisURL")
    return raw


def serves_websocket(settings: Any) -> bool:
    """Parse: a Live Query server starts with startLiveQueryServer or liveQueryServerOptions; here by default."""
    return getattr(settings, "startLiveQueryServer", None) is not False or _options(settings) is not None


def separate_port(settings: Any) -> int | None:
    """`liveQueryServerOptions.port` when it differs from the API's port: the websocket's own listener."""
    options = _options(settings) or {}
    port = options.get("port")
    if port is None:
        return None
    if isinstance(port, bool) or not isinstance(port, int) or not 0 < port < 65536:
        raise ValueError("liveQueryServerOptions.port must be a TCP port number")
    return None if port == settings.port else port


def log_level(settings: Any) -> int | None:
    options = _options(settings) or {}
    level = options.get("logLevel")
    if level is None:
        return None
    if not isinstance(level, str) or level.lower() not in LEVELS:
        raise ValueError(f"liveQueryServerOptions.logLevel must be one of {', '.join(LEVELS)}")
    return LEVELS[level.lower()]


def merged_live_query(settings: Any) -> Any:
    """The `liveQuery` option with what `liveQueryServerOptions` adds to it (its keys' Parse meaning)."""
    raw = settings.liveQuery or {}
    options = _options(settings)
    if options is None or not isinstance(raw, dict):
        return raw  # load_config reports a malformed liveQuery
    merged = dict(raw)
    for key, own in SAME_AS_SERVER.items():
        if key in options and options[key] != getattr(settings, own):
            raise ValueError(f"liveQueryServerOptions.{key} must be this server's {own}: the Live Query server "
                             "runs in this process for this app")
    if "redisURL" in options and options["redisURL"] != raw.get("redisURL"):
        raise ValueError("liveQueryServerOptions.redisURL must equal liveQuery.redisURL (one bus carries the writes)")
    for key, target in MAPPED.items():
        if key in options:
            if target in raw and raw[target] != options[key]:
                raise ValueError(f"liveQueryServerOptions.{key} and liveQuery.{target} disagree")
            merged[target] = options[key]
    if "cacheTimeout" in options:
        timeout = options["cacheTimeout"]
        if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or timeout < 50:
            raise ValueError("liveQueryServerOptions.cacheTimeout must be a number of milliseconds >= 50")
        merged["sessionCheckInterval"] = timeout / 1000.0
    log_level(settings)
    return merged


def apply_log_level(settings: Any) -> None:
    level = log_level(settings)
    if level is not None:
        logging.getLogger("parse_compat.livequery").setLevel(level)
