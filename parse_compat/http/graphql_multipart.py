"""The GraphQL multipart request spec on the HTTP edge: `operations` (the JSON request), `map`
(file part → variable paths), then the file parts, which become `Upload` values at those paths.
Everything read is bounded by maxUploadSize; at most MAX_FILES files."""

from __future__ import annotations

from typing import Any

from aiohttp import BodyPartReader, web

from ..codec.jsontext import parse_json
from ..errors import INVALID_JSON, ParseError
from ..graphql.base_types import UploadedFile

MAX_FILES = 10


def _json(text: str, what: str) -> Any:
    try:
        return parse_json(text)
    except (ValueError, RecursionError) as exc:
        raise ParseError(INVALID_JSON, f"Invalid JSON in the multipart `{what}` field") from exc


def _place(operations: Any, path: str, value: UploadedFile) -> None:
    parts = path.split(".")
    if len(parts) < 2 or parts[0] != "variables" or not isinstance(operations, dict):
        raise ParseError(INVALID_JSON, "Multipart `map` paths must point into `variables`")
    node: Any = operations.setdefault("variables", {})
    for index, part in enumerate(parts[1:], start=1):
        last = index == len(parts) - 1
        if isinstance(node, list) and part.isdigit() and int(part) < len(node):
            if last:
                node[int(part)] = value
            else:
                node = node[int(part)]
        elif isinstance(node, dict) and (last or part in node):
            if last:
                node[part] = value
            else:
                node = node[part]
        else:
            raise ParseError(INVALID_JSON, "A multipart `map` path does not exist in `variables`")


async def read_multipart(request: web.Request, limit: int) -> Any:
    reader = await request.multipart()
    budget = limit
    operations: Any = None
    mapping: dict[str, Any] | None = None
    files = 0
    while True:
        part = await reader.next()
        if part is None:
            break
        if not isinstance(part, BodyPartReader):
            raise ParseError(INVALID_JSON, "Nested multipart bodies are not accepted")
        chunks: list[bytes] = []
        while True:
            chunk = await part.read_chunk(65536)
            if not chunk:
                break
            budget -= len(chunk)
            if budget < 0:
                raise ParseError(130, "request entity too large", status=413)
            chunks.append(chunk)
        data = b"".join(chunks)
        name = part.name or ""
        if operations is None:
            if name != "operations":
                raise ParseError(INVALID_JSON, "The first multipart field must be `operations`")
            operations = _json(data.decode("utf-8", errors="replace"), "operations")
        elif mapping is None:
            if name != "map":
                raise ParseError(INVALID_JSON, "The second multipart field must be `map`")
            found = _json(data.decode("utf-8", errors="replace"), "map")
            if not isinstance(found, dict):
                raise ParseError(INVALID_JSON, "The multipart `map` must be an object")
            mapping = found
        else:
            files += 1
            if files > MAX_FILES or name not in mapping:
                raise ParseError(INVALID_JSON, "Unexpected multipart file part")
            upload = UploadedFile(part.filename or name, part.headers.get("Content-Type"), data)
            paths = mapping[name]
            if not isinstance(paths, list) or not all(isinstance(p, str) for p in paths):
                raise ParseError(INVALID_JSON, "Multipart `map` values must be lists of paths")
            for path in paths:
                _place(operations, path, upload)
    if operations is None or mapping is None:
        raise ParseError(INVALID_JSON, "A multipart GraphQL request needs `operations` and `map`")
    return operations
