"""Verifying a provider's signed ID token (a JWT) against its published keys (JWKS).

PyJWT (with `cryptography`) does the signature and claim checks; it is the maintained, widely
audited JOSE library for Python, and it lets us pin the algorithm to the one of the provider's key
(never the token header's choice, so no `none`/HS256 confusion). The RSA/EC verification runs in a
worker thread (`asyncio.to_thread`), off the event loop.

`JwksCache` keeps each provider's key set until it expires (the answer's `Cache-Control: max-age`,
else the adapter's `cacheMaxAge` in ms as Parse has it, default one hour); a token signed with a key
id the cache does not know refetches the set (key rotation), at most once every `REFETCH_SECONDS`
so random key ids cannot make us hammer the provider.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Callable, Iterable
from typing import Any

import jwt

from ...errors import OBJECT_NOT_FOUND, ParseError
from .provider_http import ProviderHttp, ProviderUnavailable

DEFAULT_MAX_AGE = 3600.0
REFETCH_SECONDS = 10.0
LEEWAY_SECONDS = 5
MAX_AGE_RE = re.compile(r"max-age=(\d+)")


def invalid(message: str) -> ParseError:
    return ParseError(OBJECT_NOT_FOUND, message)


class JwksCache:
    def __init__(self, http: ProviderHttp, clock: Callable[[], float] = time.monotonic,
                 refetch_interval: float = REFETCH_SECONDS) -> None:
        self._http = http
        self._clock = clock
        self.refetch_interval = refetch_interval
        self._sets: dict[str, tuple[float, dict[str, jwt.PyJWK]]] = {}
        self._fetched_at: dict[str, float] = {}
        self._locks: dict[str, asyncio.Lock] = {}

    async def key(self, url: str, kid: str, max_age: float) -> jwt.PyJWK:
        now = self._clock()
        cached = self._sets.get(url)
        if cached is not None and cached[0] > now:
            if kid in cached[1]:
                return cached[1][kid]
            if now - self._fetched_at.get(url, 0.0) < self.refetch_interval:
                raise invalid(f"Unable to find matching key for Key ID: {kid}")
        lock = self._locks.setdefault(url, asyncio.Lock())
        async with lock:
            cached = self._sets.get(url)
            if cached is None or kid not in cached[1] or cached[0] <= self._clock():
                await self._fetch(url, max_age)
        keys = self._sets[url][1]
        if kid not in keys:
            raise invalid(f"Unable to find matching key for Key ID: {kid}")
        return keys[kid]

    async def _fetch(self, url: str, max_age: float) -> None:
        try:
            status, body, headers = await self._http.request_json("GET", url)
        except ProviderUnavailable as exc:
            raise invalid("Unable to fetch the provider's signing keys.") from exc
        if status != 200 or not isinstance(body, dict) or not isinstance(body.get("keys"), list):
            raise invalid("Unable to fetch the provider's signing keys.")
        keys: dict[str, jwt.PyJWK] = {}
        for entry in body["keys"]:
            if not isinstance(entry, dict) or not isinstance(entry.get("kid"), str):
                continue
            if entry.get("use") not in (None, "sig"):
                continue
            try:
                keys[entry["kid"]] = jwt.PyJWK(entry)
            except (jwt.PyJWTError, ValueError, TypeError, KeyError):
                continue  # a key type we do not verify with: skipped, not fatal
        match = MAX_AGE_RE.search(headers.get("Cache-Control", ""))
        ttl = float(match.group(1)) if match else max_age
        now = self._clock()
        self._sets[url] = (now + ttl, keys)
        self._fetched_at[url] = now


async def verify_id_token(cache: JwksCache, token: Any, *, jwks_url: str, audiences: Iterable[str],
                          issuers: Iterable[str], max_age: float = DEFAULT_MAX_AGE) -> dict[str, Any]:
    """The token's claims, once its signature, expiry, audience and issuer are right; else 101."""
    if not isinstance(token, str) or not token:
        raise invalid("id token is invalid for this user.")
    try:
        header = jwt.get_unverified_header(token)
    except jwt.PyJWTError as exc:
        raise invalid("provided token does not decode as JWT") from exc
    kid = header.get("kid")
    if not isinstance(kid, str):
        raise invalid("provided token does not have a key id")
    key = await cache.key(jwks_url, kid, max_age)
    algorithm = key.algorithm_name
    audience = list(audiences)
    try:
        claims: dict[str, Any] = await asyncio.to_thread(
            jwt.decode, token, key.key, algorithms=[algorithm], audience=audience, leeway=LEEWAY_SECONDS,
            options={"require": ["exp", "iss", "sub", "aud"]})
    except jwt.ExpiredSignatureError as exc:
        raise invalid("jwt expired") from exc
    except jwt.InvalidAudienceError as exc:
        raise invalid("jwt audience invalid.") from exc
    except jwt.PyJWTError as exc:
        raise invalid(f"id token is invalid: {exc}") from exc
    issuer_list = list(issuers)
    if claims.get("iss") not in issuer_list:
        raise invalid(f"id token not issued by correct OpenID provider - expected: {' or '.join(issuer_list)} "
                      f"| from: {claims.get('iss')}")
    return claims
