"""The ``liveQuery`` option: which classes publish, the bus, key pairs and robustness limits.

``--liveQuery '{"classNames": ["Message", "Chat.*"], "redisURL": "redis://127.0.0.1:6379/0"}'``

Keys (Parse Server's names first, then parse-compat's own):

- ``classNames``: classes whose writes are published; each entry is matched as ``^name$``
  (a regular expression, as Parse Server does);
- ``redisURL``: when set, changes travel over Redis pub/sub so that several server processes
  (``parse-compat --workers N``, or several hosts) deliver every write to every subscriber;
- ``keyPairs``: e.g. ``{"javascriptKey": "k", "masterKey": "m"}``; a ``connect`` must present
  one matching key (else error 4). Only ``keyPairs.masterKey`` confers master power — with no
  key pairs nobody is master on Live Query, as in Parse Server;
- ``websocketTimeout``: milliseconds between pings; a client that does not answer is dropped;
- ``templateClasses`` (default true): when a schema file (the template) is loaded at boot,
  the dental classes ``Patient``, ``XRayLog``, ``TreatmentPlan``, ``AppointmentReminder`` are
  Live Query classes too. ``false`` limits publishing to ``classNames``;
- ``maxQueue`` / ``maxQueueBytes``: the per-client outbound bound; a client whose queue
  overflows is disconnected (the SDK reconnects and re-subscribes);
- ``sendTimeout``: seconds one frame may take to leave before the client is dropped;
- ``sessionCheckInterval``: seconds between re-validations of the session tokens in use;
- ``gcFreeze`` (default true): freeze long-lived objects once many sockets are open, so that
  CPython's full collections stay short (see ``gc_policy``);
- ``maxSubscriptionsPerClient`` (default 100), ``maxSubscriptionsPerUser`` (default 500, over
  all the user's sockets) and ``maxClientsPerUser`` (default 50 sockets connected with one
  user's session): a ``subscribe`` or ``connect`` past them is refused with an error frame
  (code 155, ``reconnect: false``). Parse Server has no such limits (parse-compat: safe defaults);
- ``maxPendingChanges`` (default 10000): writes waiting to be matched against subscriptions;
  past it the oldest is dropped (logged), so a burst of writes never slows the writers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from ..settings import Settings
from .server_options import merged_live_query

TEMPLATE_CLASSES = ("Patient", "XRayLog", "TreatmentPlan", "AppointmentReminder")


class LiveQueryConfigError(ValueError):
    """The ``liveQuery`` option is malformed."""


@dataclass(frozen=True)
class LiveQueryConfig:
    class_patterns: tuple[re.Pattern[str], ...] = ()
    redis_url: str | None = None
    key_pairs: dict[str, str] = field(default_factory=dict)
    heartbeat: float = 10.0
    max_queue: int = 1000
    max_queue_bytes: int = 8 * 1024 * 1024
    send_timeout: float = 10.0
    session_check_interval: float = 5.0
    max_message_bytes: int = 1024 * 1024
    gc_freeze: bool = True
    max_subscriptions_per_client: int = 100
    max_subscriptions_per_user: int = 500
    max_clients_per_user: int = 50
    max_pending_changes: int = 10_000

    def is_live(self, class_name: str) -> bool:
        return any(pattern.fullmatch(class_name) for pattern in self.class_patterns)


def _number(raw: dict[str, Any], key: str, default: float, minimum: float) -> float:
    value = raw.get(key, default)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < minimum:
        raise LiveQueryConfigError(f"liveQuery.{key} must be a number >= {minimum}")
    return float(value)


def load_config(settings: Settings) -> LiveQueryConfig:
    raw = merged_live_query(settings)  # with liveQueryServerOptions' keys (server_options.py)
    if not isinstance(raw, dict):
        raise LiveQueryConfigError("liveQuery must be a JSON object")
    names = raw.get("classNames", [])
    if not isinstance(names, list) or not all(isinstance(n, str) and n for n in names):
        raise LiveQueryConfigError("liveQuery.classNames must be a list of class names")
    if settings.schema and raw.get("templateClasses", True) is not False:
        names = [*names, *TEMPLATE_CLASSES]
    try:
        patterns = tuple(re.compile(name) for name in dict.fromkeys(names))
    except re.error as exc:
        raise LiveQueryConfigError(f"liveQuery.classNames: {exc}") from exc
    redis_url = raw.get("redisURL")
    if redis_url is not None and not isinstance(redis_url, str):
        raise LiveQueryConfigError("liveQuery.redisURL must be a string")
    key_pairs = raw.get("keyPairs") or {}
    if not isinstance(key_pairs, dict) or not all(isinstance(v, str) for v in key_pairs.values()):
        raise LiveQueryConfigError("liveQuery.keyPairs must map key names to strings")
    return LiveQueryConfig(
        class_patterns=patterns,
        redis_url=redis_url or None,
        key_pairs=dict(key_pairs),
        heartbeat=_number(raw, "websocketTimeout", 10_000, 100) / 1000.0,
        max_queue=int(_number(raw, "maxQueue", 1000, 1)),
        max_queue_bytes=int(_number(raw, "maxQueueBytes", 8 * 1024 * 1024, 1024)),
        send_timeout=_number(raw, "sendTimeout", 10.0, 0.01),
        session_check_interval=_number(raw, "sessionCheckInterval", 5.0, 0.05),
        gc_freeze=raw.get("gcFreeze", True) is not False,
        max_subscriptions_per_client=int(_number(raw, "maxSubscriptionsPerClient", 100, 1)),
        max_subscriptions_per_user=int(_number(raw, "maxSubscriptionsPerUser", 500, 1)),
        max_clients_per_user=int(_number(raw, "maxClientsPerUser", 50, 1)),
        max_pending_changes=int(_number(raw, "maxPendingChanges", 10_000, 1)),
    )
