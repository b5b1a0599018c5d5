"""Files of the old server: fetched from their URL and stored through the files service.

A File value names a file the old server stores. Its bytes are read from the dump's GridFS
bucket when it holds that name (Parse Server's default files adapter), else from `--filesFrom` +
`/<name>` when that option is given (the old server's files URL, e.g.
`https://old.example.com/parse/files/<oldAppId>`), else from the `url` the export holds. The
bytes go through `FilesService.upload` (the upload rules, hooks and encryption of a client's
upload) and the File value is rewritten to the new stored name. A name already in this server's
store (files copied by hand, or a resumed run) is kept as it is and nothing is fetched.

Error messages name the field, never the file name (names may carry patient data).
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Iterator
from typing import Any
from urllib.parse import quote

import aiohttp

from ..errors import FILE_SAVE_ERROR, ParseError
from ..files.names import check_upload_name
from ..rest.context import RequestContext
from .sources import DumpedFiles

PARSE_NAME_PREFIX = re.compile(r"^[0-9a-f]{32}_")  # Parse's stored names: `<32 hex>_<upload name>`
CHUNK = 64 * 1024
FALLBACK_NAME = "file"


def upload_name(stored_name: str) -> str:
    """The name the file was uploaded with (Parse's random prefix removed), if still valid."""
    name = PARSE_NAME_PREFIX.sub("", stored_name)
    try:
        check_upload_name(name)
    except ParseError:
        return FALLBACK_NAME
    return name


class FileMover:
    """Fetch + store, once per old name in one run."""

    def __init__(self, ctx: RequestContext, http: aiohttp.ClientSession, files_from: str | None,
                 dumped: DumpedFiles | None = None) -> None:
        self._ctx = ctx
        self._dumped = dumped
        self._http = http
        self._files_from = files_from.rstrip("/") if files_from else None
        self._moved: dict[str, str] = {}
        self.fetched = 0

    def source_url(self, name: str, url: str | None) -> str | None:
        if self._files_from:
            return f"{self._files_from}/{quote(name, safe='')}"
        return url

    async def move(self, field_name: str, name: str, url: str | None) -> str:
        """The new stored name of the file the old server stores as `name`."""
        if name in self._moved:
            return self._moved[name]
        service = self._ctx.state.services.files
        if service is None:
            raise ParseError(FILE_SAVE_ERROR, "the files feature is off on this server")
        if await service.store.stat(name) is not None:
            self._moved[name] = name
            return name
        if self._dumped is not None and name in self._dumped:
            stored = await service.upload(self._ctx, upload_name(name), None, _from_dump(self._dumped.read(name)),
                                          limit=None)
            self.fetched += 1
            self._moved[name] = stored["name"]
            return str(stored["name"])
        source = self.source_url(name, url)
        if source is None:
            raise ParseError(FILE_SAVE_ERROR, f"no URL for the File in {field_name} (give --filesFrom)")
        try:
            async with self._http.get(source) as response:
                if response.status != 200:
                    raise ParseError(FILE_SAVE_ERROR,
                                     f"the File in {field_name} could not be fetched (HTTP {response.status})")
                content_type = response.headers.get("Content-Type")
                stored = await service.upload(self._ctx, upload_name(name), content_type,
                                              _chunks(response), limit=None)
        except aiohttp.ClientError as exc:
            raise ParseError(FILE_SAVE_ERROR,
                             f"the File in {field_name} could not be fetched ({type(exc).__name__})") from exc
        self.fetched += 1
        self._moved[name] = stored["name"]
        return stored["name"]


async def _chunks(response: Any) -> AsyncIterator[bytes]:
    async for piece in response.content.iter_chunked(CHUNK):
        yield piece


async def _from_dump(chunks: Iterator[bytes]) -> AsyncIterator[bytes]:
    for piece in chunks:
        yield piece
