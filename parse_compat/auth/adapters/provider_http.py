"""Bounded HTTP calls to identity providers: a total timeout, a response size cap, JSON only.

One `ProviderHttp` per app (closed with it); the socket work happens in aiohttp's non-blocking I/O,
so a slow provider delays only the login waiting for it. Any failure (timeout, refused connection,
non-JSON, oversized answer) is a `ProviderUnavailable`: adapters answer it as an invalid token.
"""

from __future__ import annotations

import json
from typing import Any

import aiohttp

DEFAULT_TIMEOUT = 5.0
MAX_RESPONSE_BYTES = 1024 * 1024


class ProviderUnavailable(Exception):
    """The provider did not give a usable answer in time."""


class ProviderHttp:
    def __init__(self, timeout: float = DEFAULT_TIMEOUT) -> None:
        self._timeout = aiohttp.ClientTimeout(total=timeout)
        self._session: aiohttp.ClientSession | None = None

    def _client(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(timeout=self._timeout)
        return self._session

    async def request_raw(self, method: str, url: str, *, headers: dict[str, str] | None = None,
                          params: dict[str, str] | None = None, data: dict[str, str] | None = None,
                          timeout: float | None = None) -> tuple[int, bytes, dict[str, str]]:
        """(status, body bytes, response headers); at most MAX_RESPONSE_BYTES are read."""
        per_call = aiohttp.ClientTimeout(total=timeout) if timeout else None
        try:
            async with self._client().request(method, url, headers=headers, params=params, data=data,
                                              timeout=per_call, allow_redirects=False) as resp:
                raw = await resp.content.read(MAX_RESPONSE_BYTES + 1)
                if len(raw) > MAX_RESPONSE_BYTES:
                    raise ProviderUnavailable(f"{url}: answer too large")
                return resp.status, raw, dict(resp.headers)
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise ProviderUnavailable(f"{url}: {type(exc).__name__}") from exc

    async def request_json(self, method: str, url: str, *, headers: dict[str, str] | None = None,
                           params: dict[str, str] | None = None, data: dict[str, str] | None = None,
                           timeout: float | None = None) -> tuple[int, Any, dict[str, str]]:
        """(status, parsed JSON body, response headers)."""
        status, raw, response_headers = await self.request_raw(method, url, headers=headers, params=params,
                                                               data=data, timeout=timeout)
        try:
            body = json.loads(raw) if raw else None
        except ValueError as exc:
            raise ProviderUnavailable(f"{url}: answer is not JSON") from exc
        return status, body, response_headers

    async def close(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()
