"""Units of the issue 11 guards: rate-limit rules and paths, trustProxy, requestComplexity options."""

from __future__ import annotations

import pytest

from parse_compat.http.client_ip import client_ip, compile_trust
from parse_compat.http.rate_limit import parse_rules, path_regex
from parse_compat.rest.complexity import PARSE_DEFAULTS, TEMPLATE_DEFAULTS, resolve
from parse_compat.settings import Settings


def test_bad_rate_limit_options_are_refused() -> None:
    for bad in ({"requestPath": "/x"}, {"requestPath": "/x", "requestTimeWindow": 1, "requestCount": 1, "zone": "x"},
                {"requestPath": "/x", "requestTimeWindow": 1, "requestCount": 1, "path": "/y"}, "nope"):
        with pytest.raises(ValueError):
            parse_rules(bad)


def test_path_patterns() -> None:
    assert path_regex("/functions/*path").match("/functions/a/b")
    assert path_regex("/classes/:className").match("/classes/Box/")
    assert not path_regex("/classes/:className").match("/classes/Box/abc")
    assert path_regex("/users{/:id}").match("/users") and path_regex("/users{/:id}").match("/users/x")
    assert not path_regex("/login").match("/loginx")


# --- trustProxy -----------------------------------------------------------------------------------

def test_client_ip_without_trust_proxy_ignores_forwarded_headers() -> None:
    assert client_ip("10.0.0.2", {"X-Forwarded-For": "1.2.3.4"}, compile_trust(None)) == "10.0.0.2"


def test_client_ip_with_trusted_proxies() -> None:
    headers = {"X-Forwarded-For": "6.6.6.6, 203.0.113.1, 10.0.0.3"}
    assert client_ip("127.0.0.1", headers, compile_trust(["loopback", "10.0.0.0/8"])) == "203.0.113.1"
    assert client_ip("127.0.0.1", headers, compile_trust(["loopback"])) == "10.0.0.3"
    assert client_ip("198.51.100.9", headers, compile_trust(["loopback"])) == "198.51.100.9"  # not via the proxy
    assert client_ip("127.0.0.1", headers, compile_trust(True)) == "6.6.6.6"
    assert client_ip("127.0.0.1", headers, compile_trust(2)) == "203.0.113.1"
    assert client_ip("127.0.0.1", {}, compile_trust(["loopback"])) == "127.0.0.1"
    with pytest.raises(ValueError):
        compile_trust(["not-an-address"])


def test_request_complexity_defaults_and_validation() -> None:
    assert resolve(Settings(schema=None)) == PARSE_DEFAULTS
    assert resolve(Settings(schema="schema.json")) == TEMPLATE_DEFAULTS
    assert resolve(Settings(schema=None, requestComplexity={"includeDepth": 3}))["includeDepth"] == 3
    assert resolve(Settings(schema="schema.json", requestComplexity={"includeDepth": -1}))["includeDepth"] == -1
    for bad in ({"includeDepth": 0}, {"includeDepth": "3"}, {"allowRegex": 1}, {"nope": 1}, []):
        with pytest.raises(ValueError):
            resolve(Settings(schema=None, requestComplexity=bad))  # type: ignore[arg-type]


def test_template_rate_limits_use_live_query_redis_when_processes_share_it() -> None:
    from parse_compat.http.rate_limit import build

    alone = build(Settings(appId="a", schema="schema.json"))
    assert alone is not None and {r.redis_url for r in alone.rules} == {None}
    shared = build(Settings(appId="a", schema="schema.json", liveQuery={"redisURL": "redis://127.0.0.1:6379"}))
    assert shared is not None and {r.redis_url for r in shared.rules} == {"redis://127.0.0.1:6379"}
    assert build(Settings(appId="a", schema=None)) is None
    assert build(Settings(appId="a", schema="schema.json", rateLimit=[])) is None
