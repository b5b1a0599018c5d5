"""The Files API on the HTTP edge (raw routes: they run before any body is read).

POST `/files/:name` (raw body, stream mode, or the JS SDK's JSON envelope), GET/HEAD
`/files/:appId/:name` (Range, nosniff; protected mode: a signed URL, the master key, or the
session of a user who can read an object referencing the file), GET
`/files/:appId/metadata/:name`, DELETE `/files/:name` (master key). Paths are split from the
raw, still-encoded request path and each part is checked after decoding, so `%2e%2e%2f` and
`%00` never reach an adapter.
"""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import unquote

from aiohttp import web

from ..audit.files import record_download
from ..errors import (
    FILE_SAVE_ERROR,
    INVALID_FILE_NAME,
    INVALID_JSON,
    OBJECT_NOT_FOUND,
    OPERATION_FORBIDDEN,
    ParseError,
    Unauthorized,
)
from ..http.client_ip import client_ip
from ..http.credentials import authenticate, read_credentials
from ..http.server import cors_headers, json_response
from ..rest.context import RequestContext
from ..settings import parse_size
from .access import can_read_file
from .encryption import DecryptionError
from .envelope import read_envelope
from .names import active_extension, check_stored_name
from .policy import check_download_caller, download_csp, inline_allowed
from .ranges import parse_range
from .service import BodyTooLarge, FilesService, too_large_error
from .store import TooLarge

log = logging.getLogger("parse_compat.files")
PIECE = 64 * 1024


def _segments(request: web.Request, mount: str) -> list[str]:
    raw = request.raw_path.split("?", 1)[0]
    if mount and raw.startswith(mount):
        raw = raw[len(mount):]
    parts = [unquote(part) for part in raw.strip("/").split("/")]
    return parts[1:]  # drop "files"


async def _body(request: web.Request) -> AsyncIterator[bytes]:
    async for piece in request.content.iter_chunked(PIECE):
        yield piece


class FilesRoutes:
    def __init__(self, state: Any, service: FilesService) -> None:
        self.state = state
        self.service = service

    def matches(self, method: str, path: str, request: web.Request) -> bool:
        return path == "/files" or path.startswith("/files/")

    async def handle(self, request: web.Request, path: str) -> web.StreamResponse:
        parts = _segments(request, self.state.settings.mountPath)
        try:
            if request.method == "POST":
                return await self.upload(request, parts)
            if request.method in ("GET", "HEAD"):
                return await self.download(request, parts)
            if request.method == "DELETE":
                return await self.delete(request, parts)
            raise web.HTTPMethodNotAllowed(request.method, ["GET", "HEAD", "POST", "DELETE"])
        except BodyTooLarge:
            return json_response({"error": "request entity too large"}, 413)

    async def _context(self, request: web.Request, body: Any = None, app_id: str | None = None) -> RequestContext:
        settings = self.state.settings
        creds = read_credentials(request.headers, body, settings)
        if app_id is not None and creds.app_id is None:
            # parse-compat: downloads skip the app-id and client-key checks (an <img> sends neither)
            creds.app_id = app_id
            creds.client_keys = dict(settings.client_keys)
        ip = client_ip(request.remote, request.headers, self.state.services.trust_proxy)  # trustProxy
        auth = await authenticate(self.state, creds, ip, "/files")
        return RequestContext(self.state, auth, ip, request.headers, creds.context)

    # --- POST /files/:name ----------------------------------------------------------------------
    async def upload(self, request: web.Request, parts: list[str]) -> web.StreamResponse:
        if len(parts) != 1 or not parts[0]:
            raise ParseError(INVALID_FILE_NAME, "Filename not provided." if not parts or not parts[0]
                             else "Filename contains invalid characters.")
        name = parts[0]
        settings = self.state.settings
        limit = int(settings.maxUploadSize)
        streaming = request.headers.get("X-Parse-Upload-Mode") == "stream"
        if request.headers.get("X-Parse-Application-Id") == settings.appId or request.headers.get(
                "Authorization", "").lower().startswith("basic "):
            ctx = await self._context(request)
            self.service.check_upload(ctx, name)
            limit = _limit_override(request, ctx, limit)
            if request.content_length is not None and request.content_length > limit:
                raise too_large_error(limit, streaming)
            metadata, tags = _file_data_headers(request) if streaming else ({}, {})
            result = await self._store(ctx, name, request.headers.get("Content-Type"), _body(request), limit,
                                       streaming, request.content_length, metadata, tags, transport=False)
        else:
            if request.content_length is not None and request.content_length > limit:
                raise BodyTooLarge()
            fields, spool, size = await read_envelope(_body(request), limit, BodyTooLarge)
            try:
                declared = fields.get("_ContentType")
                ctx = await self._context(request, fields)
                given = fields.get("fileData")
                file_data: dict[str, Any] = given if isinstance(given, dict) else {}
                self.service.check_upload(ctx, name)
                source = _spooled(spool) if spool is not None else _nothing()
                transport = not isinstance(declared, str)
                declared_type = declared if isinstance(declared, str) else request.headers.get("Content-Type")
                result = await self._store(ctx, name, declared_type, source, None, False, size,
                                           _dict(file_data.get("metadata")), _dict(file_data.get("tags")),
                                           transport=transport)
            finally:
                if spool is not None:
                    spool.close()
        return json_response(result, 201, {"Location": result["url"]})

    async def _store(self, ctx: RequestContext, name: str, declared: str | None, source: Any, limit: int | None,
                     streaming: bool, size_hint: int | None, metadata: dict[str, Any], tags: dict[str, Any],
                     *, transport: bool) -> dict[str, str]:
        try:
            return await self.service.upload(ctx, name, declared, source, limit=limit, transport_type=transport,
                                             size_hint=size_hint, metadata=metadata, tags=tags)
        except TooLarge:
            raise too_large_error(limit or 0, streaming) from None

    # --- GET /files/:appId/:name ----------------------------------------------------------------
    async def download(self, request: web.Request, parts: list[str]) -> web.StreamResponse:
        settings = self.state.settings
        if len(parts) == 3 and parts[1] == "metadata":
            return await self.metadata(request, parts[0], parts[2])
        if len(parts) < 2 or parts[0] != settings.appId:
            if parts and parts[0] != settings.appId:
                return json_response({"error": "Permission denied"}, 403)
            raise ParseError(OBJECT_NOT_FOUND, "File not found.")
        name = "/".join(parts[1:])
        check_stored_name(name)
        ctx = await self.authorize(request, name)
        record = await self.service.store.stat(name)
        if record is None:  # parse-compat: Parse answers a missing file with plain text, not JSON
            return web.Response(status=404, text="File not found.", content_type="text/plain",
                                headers=cors_headers(request, settings.allowOrigin, settings.allowHeaders))
        if request.method != "HEAD":
            await record_download(ctx, name)  # the audit trail (parse_compat/audit/files.py)
        try:
            opener = await self.service.store.opener(record)
        except DecryptionError as exc:
            log.error("cannot decrypt a stored file (%s); file names are not logged", type(exc).__name__)
            raise ParseError(1, "Could not read file.") from exc
        size = record.plain_size
        wanted = parse_range(request.headers.get("Range"), size)
        content_type = self.service.content_type(record)
        headers = {**cors_headers(request, settings.allowOrigin, settings.allowHeaders),
                   "Content-Type": content_type, "X-Content-Type-Options": "nosniff", "Accept-Ranges": "bytes"}
        if record.sha256:
            headers["ETag"] = f'"{record.sha256}"'
        if self.service.protected:
            headers["Cache-Control"] = "private, no-store"  # a patient's x-ray stays in no browser cache after sign-out
        headers["Content-Security-Policy"] = download_csp(content_type)
        if active_extension(content_type) or not inline_allowed(content_type):
            # parse-compat: only passive image/media/PDF/text types render; anything else (a type a
            # browser would run, uploaded with the master key, or one it might sniff) is an attachment
            headers["Content-Disposition"] = "attachment"
        if wanted == "unsatisfiable":
            headers["Content-Range"] = f"bytes */{size}"
            return web.Response(status=416, headers=headers)
        start, end = wanted if wanted is not None else (0, size)
        status = 206 if wanted is not None else 200
        if status == 206:
            headers["Content-Range"] = f"bytes {start}-{end - 1}/{size}"
        response = web.StreamResponse(status=status, headers=headers)
        response.content_length = end - start
        await response.prepare(request)
        if request.method == "HEAD":
            return response
        try:
            async for piece in self.service.store.read(record, start, end, opener):
                await response.write(piece)
        except (DecryptionError, FileNotFoundError) as exc:
            log.error("a file download failed while streaming (%s)", type(exc).__name__)
            if request.transport is not None:
                request.transport.abort()  # the client sees a cut transfer, never altered bytes
            return response
        await response.write_eof()
        return response

    async def authorize(self, request: web.Request, name: str) -> RequestContext:
        service = self.service
        ctx = await self._context(request, None, self.state.settings.appId)
        check_download_caller(self.state.settings.fileDownload, ctx.auth)  # fileDownload, before any trigger
        await service.before_find(ctx, name)
        if not service.protected:
            return ctx
        signature = request.query.get("sig")
        if signature is not None and service.signer.verify(name, request.query.get("exp"), signature):
            return ctx
        if not await can_read_file(ctx, name):
            message = "Invalid or expired file signature." if signature is not None else "Permission denied"
            raise ParseError(OPERATION_FORBIDDEN, message, status=403)
        return ctx

    async def metadata(self, request: web.Request, app_id: str, name: str) -> web.StreamResponse:
        if app_id != self.state.settings.appId:
            return json_response({})
        check_stored_name(name)
        await self.authorize(request, name)
        record = await self.service.store.stat(name)
        return json_response({"metadata": record.metadata} if record is not None else {})

    # --- DELETE /files/:name --------------------------------------------------------------------
    async def delete(self, request: web.Request, parts: list[str]) -> web.StreamResponse:
        if len(parts) != 1:
            raise ParseError(INVALID_FILE_NAME, "Filename contains invalid characters.")
        check_stored_name(parts[0])
        ctx = await self._context(request)
        await self.service.delete(ctx, parts[0])
        return web.Response(status=200)


def _limit_override(request: web.Request, ctx: RequestContext, limit: int) -> int:
    """`X-Parse-File-Max-Upload-Size` (the SDK's `maxUploadSize` save option): master key only."""
    value = request.headers.get("X-Parse-File-Max-Upload-Size")
    if not value:
        return limit
    if not ctx.auth.is_master:
        raise Unauthorized("Permission denied")
    try:
        return parse_size(value)
    except ValueError:
        raise ParseError(FILE_SAVE_ERROR, f"Invalid maxUploadSize override value: {value}") from None


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _file_data_headers(request: web.Request) -> tuple[dict[str, Any], dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for header in ("X-Parse-File-Metadata", "X-Parse-File-Tags"):
        raw = request.headers.get(header)
        value: Any = {}
        if raw:
            try:
                value = json.loads(raw)
            except ValueError:
                value = None
            if not isinstance(value, dict):
                raise ParseError(INVALID_JSON, f"Invalid JSON in {header} header.")
        out.append(value)
    return out[0], out[1]


async def _spooled(spool: Any) -> AsyncIterator[bytes]:
    while True:
        piece = spool.read(256 * 1024)
        if not piece:
            return
        yield piece


async def _nothing() -> AsyncIterator[bytes]:
    return
    yield b""  # pragma: no cover - makes this an async generator

