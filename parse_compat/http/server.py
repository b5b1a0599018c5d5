"""The aiohttp edge: CORS, body parsing, method override, credentials, errors → Parse JSON.

The only module (with the websocket endpoint) that knows aiohttp. Everything below works
on `ApiRequest` / `ApiResponse`.
"""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import parse_qsl

from aiohttp import web
from aiohttp.http_exceptions import ContentEncodingError
from aiohttp.web_protocol import RequestPayloadError

from ..codec import safe_json
from ..codec.jsontext import has_lone_surrogate, parse_json
from ..codec.keywords import check_keywords, check_query_keywords
from ..errors import INVALID_JSON, USERNAME_TAKEN, ParseError, Unauthorized
from ..logevents import log_event
from ..logsafe import redacted_traceback
from ..rest.context import RequestContext
from ..rest.params import from_query_string
from ..supervisor import health
from .api import ApiRequest, ApiResponse, NotFound, Router
from .client_ip import client_ip
from .credentials import authenticate, read_credentials
from .route_allow_list import enforce_route_allow_list
from .safety import not_found

log = logging.getLogger("parse_compat.http")

CORS_ALLOW_HEADERS = ("X-Parse-Master-Key, X-Parse-REST-API-Key, X-Parse-Javascript-Key, X-Parse-Application-Id, "
                      "X-Parse-Client-Version, X-Parse-Session-Token, X-Requested-With, X-Parse-Revocable-Session, "
                      "X-Parse-Request-Id, Content-Type, Pragma, Cache-Control")

# Features that must see the request before the JSON body is read and credentials are checked
# (file uploads and downloads, the Live Query websocket) register in state.services.raw_routes
# a pair (matches(method, path, request) -> bool, handler(request, path) -> StreamResponse).


def cors_headers(request: web.Request, allow_origin: str, extra_headers: list[str]) -> dict[str, str]:
    origin = allow_origin or "*"
    if origin != "*":
        allowed = [o.strip() for o in origin.split(",")]
        request_origin = request.headers.get("Origin", "")
        origin = request_origin if request_origin in allowed else allowed[0]
    headers = CORS_ALLOW_HEADERS + ("".join(", " + h for h in extra_headers) if extra_headers else "")
    return {
        "Access-Control-Allow-Origin": origin,
        "Access-Control-Allow-Methods": "GET,PUT,POST,DELETE,OPTIONS",
        "Access-Control-Allow-Headers": headers,
        "Access-Control-Expose-Headers": "X-Parse-Job-Status-Id, X-Parse-Push-Status-Id",
    }


def json_response(body: Any, status: int = 200, headers: dict[str, str] | None = None,
                  on_bad: safe_json.Reporter | None = None) -> web.Response:
    return web.Response(body=safe_json.encode(body, on_bad), status=status, content_type="application/json",
                        charset="utf-8", headers=headers)


def error_response(exc: BaseException) -> web.Response:
    if isinstance(exc, ParseError):
        return json_response(exc.to_json(), exc.http_status)
    if isinstance(exc, Unauthorized):
        return json_response({"error": exc.message}, 403)
    if isinstance(exc, web.HTTPException) and exc.status < 500:
        return web.Response(text=exc.reason, status=exc.status, content_type="text/plain", headers={
            k: v for k, v in exc.headers.items() if k.lower() == "allow"})
    if isinstance(exc, NotFound):
        return not_found(exc.method)
    if isinstance(exc, ConnectionResetError):  # an aborted upload: the client's doing, one line (rate-limited)
        log.info("client closed the connection before its request body was read")
        return json_response({"code": INVALID_JSON, "error": "request body incomplete"}, 400)
    log.error("unexpected error:\n%s", redacted_traceback(exc))
    return json_response({"code": 1, "message": "Internal server error."}, 500)


async def read_body(request: web.Request, limit: int) -> bytes:
    if request.content_length is not None and request.content_length > limit:
        raise ParseError(130, "request entity too large", status=413)
    chunks: list[bytes] = []
    size = 0
    try:
        # aiohttp inflates a Content-Encoding: gzip/deflate/br body as it streams; the limit
        # applies to the inflated size.
        async for chunk in request.content.iter_chunked(65536):
            size += len(chunk)
            if size > limit:
                raise ParseError(130, "request entity too large", status=413)
            chunks.append(chunk)
    except (ContentEncodingError, RequestPayloadError) as exc:
        encoding = request.headers.get("Content-Encoding", "")[:20]
        what = f"it is not valid {encoding} data" if encoding else "it could not be read"
        raise ParseError(INVALID_JSON, f"Invalid request body: {what}") from exc
    return b"".join(chunks)


def check_header_text(headers: Any) -> None:
    """aiohttp keeps bytes that are not UTF-8 as lone surrogates; no such value may go further
    (a session's installationId, a context) — no database or response could carry it."""
    for name, value in headers.items():
        if not value.isascii() and has_lone_surrogate(value):
            raise ParseError(INVALID_JSON, f"Invalid value for header {name[:40]}: it is not UTF-8")


def parse_body(raw: bytes, content_type: str) -> Any:
    """JSON for any type except forms and multipart (text/plain included: the JS SDK relies on it)."""
    if not raw:
        return None
    if content_type == "application/x-www-form-urlencoded":
        return dict(parse_qsl(raw.decode("utf-8", errors="replace"), keep_blank_values=True))
    if content_type.startswith("multipart/"):
        return None
    try:
        return parse_json(raw)
    except RecursionError as exc:
        raise ParseError(INVALID_JSON, "Invalid JSON: nested too deeply") from exc
    except (ValueError, UnicodeDecodeError) as exc:
        raise ParseError(INVALID_JSON, f"Invalid JSON: {exc}") from exc


class HttpEdge:
    """Turns aiohttp requests into ApiRequests for one app."""

    def __init__(self, state: Any, router: Router) -> None:
        self.state = state
        self.router = router
        self.mount = state.settings.mountPath
        # Stored values JSON cannot carry (lone surrogates, NaN) are repaired and logged once.
        if state.services.bad_values is None:
            state.services.bad_values = safe_json.BadValueLog(log)
        self.on_bad: safe_json.Reporter = state.services.bad_values

    async def handle(self, request: web.Request) -> web.StreamResponse:
        settings = self.state.settings
        cors = cors_headers(request, settings.allowOrigin, settings.allowHeaders)
        if request.method == "OPTIONS":
            return web.Response(text="OK", headers=cors)
        try:
            response = await self._handle(request)
        except Exception as exc:  # noqa: BLE001 - the edge turns every failure into Parse JSON
            if isinstance(exc, ParseError) and exc.code == USERNAME_TAKEN:
                log_event(settings.logLevels, "signupUsernameTaken", "Parse error: %s", exc.message)
            response = error_response(exc)
            if request.content.exception() is not None:
                response.force_close()  # the body could not be read: this connection cannot be reused
        response.headers.update(cors)
        return response

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        path = request.path[len(self.mount):] if request.path.startswith(self.mount) else request.path
        while path.startswith("//"):
            path = path[1:]
        if path in ("/health", "/health/"):
            # parse-compat: as in Parse, /health is checked before any key is read (the master key too)
            enforce_route_allow_list(self.state.settings, request.method, path, None)
            status, health_body = health(self.state)  # 503 while a background task is down
            lag = self.state.services.loop_lag if "loopLag" in request.query else None
            if lag is not None:
                health_body = {**health_body, "loopLag": lag.snapshot()}
            return json_response(health_body, status)
        for matches, raw_handler in self.state.services.raw_routes:
            if matches(request.method, path, request):
                return await raw_handler(request, path)  # a raw handler that records waits itself (files)
        check_header_text(request.headers)
        raw = await read_body(request, settings_limit(self.state))
        body = parse_body(raw, request.content_type)
        denylist = self.state.settings.denied_keywords  # requestKeywordDenylist
        check_keywords(body, denylist)
        check_query_keywords(request.query, denylist)
        method = request.method
        if method == "POST" and isinstance(body, dict) and isinstance(body.get("_method"), str):
            method = body.pop("_method").upper()
        elif isinstance(body, dict):
            body.pop("_method", None)
        credentials = read_credentials(request.headers, body, self.state.settings)
        ip = client_ip(request.remote, request.headers, self.state.services.trust_proxy)
        auth = await authenticate(self.state, credentials, ip, path)
        limiter = self.state.services.rate_limits
        if limiter is not None:  # Parse's rateLimit (http/rate_limit.py)
            await limiter.check(method=method, path=path, ip=ip, auth=auth, session_token=credentials.session_token)
        enforce_route_allow_list(self.state.settings, method, path, auth)  # after rate limits, as in Parse
        guard = self.state.services.idempotency
        request_id = request.headers.get("X-Parse-Request-Id")
        if guard is not None and request_id and guard.applies(method, path):
            await guard.claim(request_id, auth, ip)  # after authenticate(): per caller
        ctx = RequestContext(self.state, auth, ip, request.headers, credentials.context)
        query = from_query_string(dict(request.query))
        api_request = ApiRequest(ctx, method, path, body, query, raw_body=raw, content_type=request.content_type)
        result = await self.router.dispatch(api_request)  # its audit entries are journaled as they are made
        return to_web(result, self.on_bad)


def settings_limit(state: Any) -> int:
    return int(state.settings.maxUploadSize)


def to_web(result: ApiResponse, on_bad: safe_json.Reporter | None = None) -> web.StreamResponse:
    if isinstance(result.body, web.StreamResponse):
        return result.body
    if isinstance(result.body, bytes):
        return web.Response(body=result.body, status=result.status, headers=result.headers)
    return json_response(result.body, result.status, result.headers, on_bad)
