"""`POST /batch`: sub-requests replayed through the same router with the outer credentials.

Bounded fan-in: `requestComplexity.batchRequestLimit` caps the items (not for the master key,
as in Parse), every item counts against the rate limits of its own path before any item runs
(as in Parse), and the items run one after another, in order.

With `transaction: true` the items run inside one storage transaction, which on SQLite holds the
single write lock. So that no other writer waits long on it, such a batch is bounded by
`transactionLimits` (`maxRequests`, `timeoutMs`: past it everything rolls back and the request
fails with 124), and items that spend their time on CPU-heavy or outside work while holding the
lock — logins and password checks, setting a password (bcrypt), cloud functions and jobs, mail —
are refused before the transaction starts.
"""

from __future__ import annotations

import asyncio
import re
from typing import Any
from urllib.parse import urlsplit

from ...errors import COMMAND_UNAVAILABLE, INVALID_JSON, ParseError, Unauthorized
from ...rest.complexity import check_batch_size
from ...rest.params import from_query_string
from ..api import ApiRequest, ApiResponse, NotFound, Router
from ..route_allow_list import enforce_route_allow_list

TIMEOUT = 124  # Parse.Error.TIMEOUT
DEFAULT_TRANSACTION_LIMITS = {"maxRequests": 100, "timeoutMs": 1000}
# Items that are slow by design (bcrypt, cloud code, mail); never run while holding the write lock.
SLOW_IN_TRANSACTION = re.compile(
    r"^/(login|logout|verifyPassword|requestPasswordReset|verificationEmailRequest|upgradeToRevocableSession"
    r"|functions/.*|jobs(/.*)?|files/.*|push|hooks/.*)/?$")
USER_PATHS = re.compile(r"^/(users|classes/_User)(/[^/]+)?/?$")


def _prefixes(request: ApiRequest) -> list[str]:
    settings = request.ctx.state.settings
    prefixes = {settings.mountPath}
    for url in (settings.serverURL, settings.publicServerURL):
        if url:
            prefixes.add(urlsplit(url).path.rstrip("/"))
    return sorted(prefixes, key=len, reverse=True)


def _sub_path(path: Any, prefixes: list[str]) -> tuple[str, dict[str, Any]]:
    if not isinstance(path, str):
        raise ParseError(INVALID_JSON, "batch request path must be a string")
    parts = urlsplit(path)
    for prefix in prefixes:
        if prefix and parts.path.startswith(prefix + "/"):
            sub = parts.path[len(prefix):]
            query = {key: value for key, _, value in (item.partition("=") for item in parts.query.split("&") if item)}
            return sub, from_query_string(query)
    raise ParseError(INVALID_JSON, f"cannot route batch path {path}")


class _Failed(Exception):
    def __init__(self, error: ParseError) -> None:
        super().__init__(error.message)
        self.error = error


def _transaction_limits(request: ApiRequest) -> tuple[int, float]:
    given = getattr(request.ctx.state.settings, "transactionLimits", None) or {}
    limits = {**DEFAULT_TRANSACTION_LIMITS, **given}
    return int(limits["maxRequests"]), float(limits["timeoutMs"]) / 1000


def _check_transaction(planned: list[ApiRequest], max_requests: int) -> None:
    if len(planned) > max_requests:
        raise ParseError(INVALID_JSON, f"A transaction may hold at most {max_requests} requests.")
    for sub in planned:
        sets_password = (USER_PATHS.match(sub.path) and sub.method in ("POST", "PUT")
                         and isinstance(sub.body, dict) and "password" in sub.body)
        if SLOW_IN_TRANSACTION.match(sub.path) or sets_password:
            # parse-compat: Parse runs these inside the transaction; here they would hold the
            # single write lock through bcrypt, cloud code or mail, or start work a rollback cannot
            # undo (a push being sent, a webhook wired), so they are refused.
            raise ParseError(INVALID_JSON, f"{sub.method} {sub.path} cannot run inside a transaction: it "
                                           "checks or sets a password, or runs cloud code, mail, push or webhooks.")


async def _count_against_rate_limits(request: ApiRequest, planned: list[ApiRequest]) -> None:
    limiter = request.ctx.state.services.rate_limits
    if limiter is None:
        return
    ctx = request.ctx
    for sub in planned:
        # parse-compat: as Parse does, an item also matches rules for the batch's own method (POST),
        # and a /login item is counted by IP, not by the session the batch carries.
        # parse-compat: past the limit Parse answers a batch with status 400 (code 100); 429 here, as for
        # a direct request.
        token = None if sub.path.rstrip("/") == "/login" else ctx.auth.session_token
        await limiter.check(method=sub.method, path=sub.path, ip=ctx.ip, auth=ctx.auth, session_token=token,
                            batch_method="POST")


async def batch(request: ApiRequest) -> ApiResponse:
    body = request.body if isinstance(request.body, dict) else {}
    requests = body.get("requests")
    if not isinstance(requests, list):
        raise ParseError(INVALID_JSON, "requests must be an array")
    check_batch_size(request.ctx, len(requests))  # requestComplexity.batchRequestLimit
    prefixes = _prefixes(request)
    router = request.ctx.state.services.router
    assert router is not None  # set by create_app's startup
    planned: list[ApiRequest] = []
    for item in requests:
        if not isinstance(item, dict):
            raise ParseError(INVALID_JSON, "each batch request must be an object")
        sub_path, query = _sub_path(item.get("path"), prefixes)
        if sub_path.rstrip("/") == "/batch":
            raise ParseError(INVALID_JSON, "cannot nest batch requests")
        if not isinstance(item.get("method"), str):
            raise ParseError(INVALID_JSON, "batch request method must be a string")
        method = item["method"].upper()
        enforce_route_allow_list(request.ctx.state.settings, method, sub_path, request.ctx.auth)
        try:
            router.find(method, sub_path)
        except NotFound as exc:
            # parse-compat: like Parse, one unroutable item refuses the whole batch before anything runs
            raise ParseError(INVALID_JSON, f"cannot route batch path {item.get('path')}") from exc
        sub_body = item.get("body")
        if sub_body is not None and not isinstance(sub_body, dict):
            raise ParseError(INVALID_JSON, "batch request body must be an object")
        planned.append(ApiRequest(request.ctx, method, sub_path, dict(sub_body) if sub_body else None,
                                  query, in_batch=True))
    transactional = body.get("transaction") is True
    if transactional and not request.ctx.state.storage.capabilities.transactions:
        # parse-compat: refused up front (Parse Server fails mid-way with a 500 on such stores)
        raise ParseError(COMMAND_UNAVAILABLE, "Transactions are not supported by this database.")
    max_requests, timeout = _transaction_limits(request)
    if transactional:
        _check_transaction(planned, max_requests)
    await _count_against_rate_limits(request, planned)

    async def run(sub: ApiRequest) -> dict[str, Any]:
        try:
            response = await router.dispatch(sub)
            return {"success": response.body}
        except ParseError as exc:
            if transactional:
                raise _Failed(exc) from exc
            return {"error": exc.to_json()}
        except Unauthorized as exc:  # a master-only route: Parse's item error has no code
            if transactional:
                raise
            return {"error": {"error": exc.message}}

    if not transactional:
        # parse-compat: Parse starts every item at once (Promise.all); here they run in order, so a
        # batch of slow items (1,000 logins) takes one worker at a time instead of all of them.
        return ApiResponse([await run(sub) for sub in planned])
    storage = request.ctx.state.storage
    try:
        async with asyncio.timeout(timeout):
            async with storage.transaction():
                results = [await run(sub) for sub in planned]
    except TimeoutError as exc:
        raise ParseError(TIMEOUT, f"The transaction took longer than {int(timeout * 1000)} ms and was "
                                  "rolled back.") from exc
    except _Failed as failed:
        # parse-compat: a failed transactional batch fails as a whole; we keep the item's Parse
        # error instead of Parse Server's opaque 500 so the SDK does not retry it.
        raise failed.error from failed
    return ApiResponse(results)


def register(router: Router) -> None:
    router.add("POST", "/batch", batch)
