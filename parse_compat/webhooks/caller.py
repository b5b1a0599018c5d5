"""The outgoing webhook call: Parse's JSON payload POSTed to the hook's URL.

The answer Parse expects is `{"success": <result>}` or `{"error": <message or {code, error}>}`.
Bounds: `CALL_TIMEOUT` seconds for the whole call, `MAX_RESPONSE` bytes of answer, no redirects.
"""

from __future__ import annotations

import json
import logging
from typing import Any
from urllib.parse import urlsplit

import aiohttp

from ..errors import SCRIPT_FAILED, ParseError

log = logging.getLogger("parse_compat.webhooks")
CALL_TIMEOUT = 30.0
MAX_RESPONSE = 1024 * 1024
MAX_URL = 2048


def check_url(url: Any) -> str:
    """Only absolute http(s) URLs with a host (no credentials in them) are hooks."""
    if not isinstance(url, str) or not url or len(url) > MAX_URL:
        raise ParseError(143, "invalid hook declaration")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.username or parts.password:
        raise ParseError(143, "invalid hook declaration")
    return url


class WebhookError(Exception):
    """The hook answered `{"error": …}` (or nothing usable): carried to the caller as Parse does."""

    def __init__(self, code: int, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def _outcome(text: str) -> Any:
    if not text:
        return None
    try:
        body = json.loads(text)
    except ValueError:
        raise ParseError(SCRIPT_FAILED, "Malformed response") from None
    if not isinstance(body, dict):
        return None
    error = body.get("error")
    if error is not None:
        if isinstance(error, dict):
            code = error.get("code")
            message = error.get("error", error.get("message", ""))
            raise ParseError(code if isinstance(code, int) and not isinstance(code, bool) else SCRIPT_FAILED,
                             str(message))
        raise ParseError(SCRIPT_FAILED, str(error))
    return body.get("success")


async def call_webhook(session: aiohttp.ClientSession, url: str, payload: dict[str, Any],
                       webhook_key: str | None) -> Any:
    """POST `payload`; the hook's `success` value, or its error as a ParseError."""
    headers = {"Content-Type": "application/json"}
    if webhook_key:
        headers["X-Parse-Webhook-Key"] = webhook_key
    else:
        log.warning("Making outgoing webhook request without webhookKey being set!")
    try:
        async with session.post(check_url(url), data=json.dumps(payload), headers=headers, allow_redirects=False,
                                timeout=aiohttp.ClientTimeout(total=CALL_TIMEOUT)) as resp:
            raw = await resp.content.read(MAX_RESPONSE + 1)
    except (aiohttp.ClientError, TimeoutError) as exc:
        log.warning("webhook call failed (%s)", type(exc).__name__)
        raise ParseError(SCRIPT_FAILED, "The webhook could not be reached.") from exc
    if len(raw) > MAX_RESPONSE:
        raise ParseError(SCRIPT_FAILED, "The webhook's answer is too large.")
    return _outcome(raw.decode("utf-8", errors="replace"))
