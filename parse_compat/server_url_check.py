"""Parse's `verifyServerUrl`: once the server listens, one GET of `<serverURL>/health`.

A server that cannot reach itself at `serverURL` (a wrong host, a proxy or firewall in the way)
still runs, but what is built from that URL — the links in account mail, file URLs when no
`publicServerURL` is set, webhook callers told to use it — will not work; the operator gets one
warning line. A `Retry-After` answer (the server still starting) is waited for, a few times at
most. `verifyServerUrl: false` skips the check, as in Parse.
"""

from __future__ import annotations

import asyncio
import logging
from urllib.parse import urlsplit

import aiohttp

log = logging.getLogger("parse_compat")
CHECK_TIMEOUT = 10.0
MAX_RETRIES = 3
MAX_RETRY_WAIT = 10.0


def health_url(server_url: str | None) -> str | None:
    """`<serverURL>/health`, or None when serverURL is not an http(s) URL."""
    if not server_url:
        return None
    try:
        parts = urlsplit(server_url)
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    return server_url.rstrip("/") + "/health"


async def verify_server_url(server_url: str | None) -> bool:
    """True when serverURL's /health answers 200 {"status": "ok"}; otherwise one warning and False."""
    url = health_url(server_url)
    if url is None:
        log.warning("verifyServerUrl: serverURL %r is not a valid http(s) URL; links and file URLs built "
                    "from it will not work", server_url)
        return False
    reason = "no answer"
    timeout = aiohttp.ClientTimeout(total=CHECK_TIMEOUT)
    async with aiohttp.ClientSession(timeout=timeout) as session:
        for _attempt in range(MAX_RETRIES + 1):
            try:
                async with session.get(url, allow_redirects=False) as response:
                    retry = response.headers.get("Retry-After", "")
                    if retry.isdigit():
                        await asyncio.sleep(min(float(retry), MAX_RETRY_WAIT))
                        reason = f"status {response.status} with Retry-After"
                        continue
                    body = await response.json(content_type=None) if response.status == 200 else None
                    if response.status == 200 and isinstance(body, dict) and body.get("status") == "ok":
                        return True
                    reason = f"status {response.status}"
                    break
            except (TimeoutError, aiohttp.ClientError, ValueError) as exc:
                reason = type(exc).__name__ if not str(exc) else str(exc).splitlines()[0][:200]
                break
    log.warning("verifyServerUrl: unable to reach serverURL %s (%s); links in account mail and file URLs built "
                "from it may not work (set serverURL, or verifyServerUrl false to skip this check)", url, reason)
    return False
