"""Parse Server's `rateLimit` option: per path and method, by zone, 429 with Parse's message.

Each rule (Parse's shape) counts requests to `requestPath` (path-to-regexp syntax below the
mount path: `/login`, `/classes/:className`, `/functions/*path`) in fixed windows of
`requestTimeWindow` ms and refuses the one past `requestCount` with
`429 {"code": 100, "error": errorResponseMessage}` (default "Too many requests."). `zone`
chooses what is counted: `ip` (default), `user` (the signed-in user, else the IP), `session`
(the session token, else the IP) or `global` (the whole app). `requestMethods` (a list, or a
regular expression) narrows the methods; the master key is not limited unless
`includeMasterKey`. Each `/batch` item counts as one request to its own path, checked before any
item runs (as Parse does). With `redisUrl` the counters live in Redis, shared by every process
and server; if Redis cannot be reached, the process counts alone rather than letting all
requests through.

A server started with a schema template (the dental one) and no `rateLimit` option limits
login and verifyPassword, signup, password-reset and verification mail (TEMPLATE_RULES), counted
in Live Query's Redis when `liveQuery.redisURL` is set (several processes); plain Parse has none.
"""

from __future__ import annotations

import logging
import re
import time
from dataclasses import dataclass
from typing import Any

from ..errors import CONNECTION_FAILED, ParseError

log = logging.getLogger("parse_compat.http")
DEFAULT_MESSAGE = "Too many requests."
ZONES = ("ip", "user", "session", "global")
KNOWN = frozenset({"requestPath", "requestTimeWindow", "requestCount", "errorResponseMessage", "includeMasterKey",
                   "includeInternalRequests", "redisUrl", "zone", "requestMethods"})
TEMPLATE_RULES: list[dict[str, Any]] = [
    {"requestPath": "/login", "requestTimeWindow": 60_000, "requestCount": 30},
    {"requestPath": "/verifyPassword", "requestTimeWindow": 60_000, "requestCount": 30},  # a password oracle too
    {"requestPath": "/users", "requestMethods": ["POST"], "requestTimeWindow": 60_000, "requestCount": 10},
    {"requestPath": "/classes/_User", "requestMethods": ["POST"], "requestTimeWindow": 60_000, "requestCount": 10},
    {"requestPath": "/requestPasswordReset", "requestTimeWindow": 60_000, "requestCount": 5},
    {"requestPath": "/verificationEmailRequest", "requestTimeWindow": 60_000, "requestCount": 5},
]
MAX_MEMORY_KEYS = 50_000


def path_regex(pattern: str) -> re.Pattern[str]:
    """path-to-regexp (as Parse uses it): `:name` one segment, `*name` the rest, `{…}` optional."""
    out = []
    index = 0
    while index < len(pattern):
        char = pattern[index]
        name = re.match(r"[A-Za-z0-9_]*", pattern[index + 1:])
        if char in ":*" and name is not None:
            out.append("[^/]+" if char == ":" else ".*")
            index += 1 + len(name.group(0))
            continue
        out.append("(?:" if char == "{" else ")?" if char == "}" else re.escape(char))
        index += 1
    return re.compile("^" + "".join(out).rstrip("/") + "/?$", re.IGNORECASE)


@dataclass
class Rule:
    index: int
    pattern: str
    path: re.Pattern[str]
    window_ms: int
    count: int
    message: str
    zone: str
    methods: list[str] | re.Pattern[str] | None
    include_master: bool
    redis_url: str | None

    def applies(self, method: str, path: str, extra_method: str | None) -> bool:
        if not self.path.match(path):
            return False
        if self.methods is None:
            return True
        methods = {method} | ({extra_method} if extra_method else set())
        if isinstance(self.methods, list):
            return any(m in self.methods for m in methods)
        return any(self.methods.search(m) for m in methods)


def parse_rules(value: Any) -> list[Rule]:
    """The `rateLimit` option (a rule or a list of them) → rules; ValueError names a bad one."""
    if value is None:
        return []
    items = value if isinstance(value, list) else [value]
    rules = []
    for index, item in enumerate(items):
        if not isinstance(item, dict):
            raise ValueError("rateLimit must be an object or an array of objects")
        unknown = set(item) - KNOWN
        if unknown:
            raise ValueError(f'Invalid rate limit option "{sorted(unknown)[0]}"')
        if not isinstance(item.get("requestPath"), str):
            raise ValueError("rateLimit.requestPath must be a string")
        for key in ("requestTimeWindow", "requestCount"):
            number = item.get(key)
            if isinstance(number, bool) or not isinstance(number, int) or number < 1:
                raise ValueError(f"rateLimit.{key} must be a positive number")
        zone = item.get("zone", "ip")
        if zone not in ZONES:
            raise ValueError("rateLimit.zone must be one of ip, user, session, or global")
        methods = item.get("requestMethods")
        if isinstance(methods, str):
            methods = re.compile(methods)
        elif isinstance(methods, list):
            methods = [str(m).upper() for m in methods]
        elif methods is not None:
            raise ValueError("rateLimit.requestMethods must be an array or a string")
        message = item.get("errorResponseMessage") or DEFAULT_MESSAGE
        if not isinstance(message, str):
            raise ValueError("rateLimit.errorResponseMessage must be a string")
        path = item["requestPath"]
        rules.append(Rule(index, path, path_regex(path if path.startswith("/") else "/" + path),
                          item["requestTimeWindow"], item["requestCount"], message, zone, methods,
                          bool(item.get("includeMasterKey")), item.get("redisUrl")))
    return rules


class RateLimiter:
    """The rules of one app, their in-process counters and (per `redisUrl`) Redis clients."""

    def __init__(self, app_id: str, rules: list[Rule]) -> None:
        self.app_id = app_id
        self.rules = rules
        self.windows: dict[tuple[int, str], tuple[int, float]] = {}
        self.redis: dict[str, Any] = {}
        self.redis_down_logged = False

    async def check(self, *, method: str, path: str, ip: str, auth: Any, session_token: str | None,
                    batch_method: str | None = None) -> None:
        """Count one request; raise Parse's 429 when a rule's window is full."""
        # parse-compat: Parse skips requests from 127.0.0.1 unless includeInternalRequests; behind a
        # reverse proxy on the same host that is every request, so loopback is counted here too.
        # Cloud code's own requests never pass through here (they do not use HTTP).
        for rule in self.rules:
            if not rule.applies(method, path, batch_method):
                continue
            if auth.has_master_power and not rule.include_master:
                continue
            count = await self._hit(rule, self._key(rule, ip, auth, session_token))
            if count > rule.count:
                raise ParseError(CONNECTION_FAILED, rule.message, status=429)

    def _key(self, rule: Rule, ip: str, auth: Any, session_token: str | None) -> str:
        if rule.zone == "global":
            return "app"
        if rule.zone == "session" and session_token:
            return "s:" + session_token
        if rule.zone == "user" and auth.user_id:
            return "u:" + auth.user_id
        return "ip:" + ip

    async def _hit(self, rule: Rule, key: str) -> int:
        if rule.redis_url:
            count = await self._hit_redis(rule, key)
            if count is not None:
                return count
        now = time.monotonic()
        count, reset_at = self.windows.get((rule.index, key), (0, 0.0))
        if now >= reset_at:
            count, reset_at = 0, now + rule.window_ms / 1000
            if len(self.windows) >= MAX_MEMORY_KEYS:
                self.windows = {k: v for k, v in self.windows.items() if v[1] > now}
        self.windows[(rule.index, key)] = (count + 1, reset_at)
        return count + 1

    async def _hit_redis(self, rule: Rule, key: str) -> int | None:
        redis_key = f"parse-compat:{self.app_id}:ratelimit:{rule.pattern}:{key}"
        try:
            url = rule.redis_url or ""
            client = self.redis.get(url)
            if client is None:
                import redis.asyncio as redis  # only when a redisUrl is configured

                client = self.redis[url] = redis.from_url(url, socket_timeout=1.0, socket_connect_timeout=1.0)
            async with client.pipeline(transaction=True) as pipe:
                pipe.set(redis_key, 0, px=rule.window_ms, nx=True)
                pipe.incr(redis_key)
                _, count = await pipe.execute()
            self.redis_down_logged = False
            return int(count)
        except Exception as exc:  # noqa: BLE001 - Redis down: count in this process instead
            if not self.redis_down_logged:
                log.error("rate limit: Redis at the configured redisUrl is unreachable (%s); counting "
                          "in this process until it is back", type(exc).__name__)
                self.redis_down_logged = True
            return None

    async def close(self) -> None:
        for client in self.redis.values():
            await client.aclose()
        self.redis.clear()


def build(settings: Any) -> RateLimiter | None:
    """The app's limiter, or None when no rule applies (raises ValueError on a bad option)."""
    value = getattr(settings, "rateLimit", None)
    if value is None and settings.schema:
        # Several processes (--workers) share Live Query's Redis; the template's limits share it too.
        redis_url = (getattr(settings, "liveQuery", None) or {}).get("redisURL")
        value = [{**rule, "redisUrl": redis_url} if redis_url else rule for rule in TEMPLATE_RULES]
    rules = parse_rules(value)
    return RateLimiter(settings.appId, rules) if rules else None
