"""File uploads through GraphQL (the GraphQL multipart request spec, as Parse Server accepts
them): the `Upload` values a multipart request carries, the `createFile` mutation and the
`FileInput.upload` of object mutations. Files are stored by the files service exactly as
`POST /files/<name>` stores them (upload policy, file triggers, read-only key refused, rate
limits of that path)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import quote

from graphql import GraphQLField, GraphQLNonNull, GraphQLResolveInfo

from ..errors import FILE_SAVE_ERROR, ParseError
from .accounts import relay_mutation
from .base_types import BaseTypes, UploadedFile
from .context import GraphQLContext


def upload_value(value: Any) -> UploadedFile:
    if isinstance(value, UploadedFile):
        return value
    raise ParseError(FILE_SAVE_ERROR, "Upload values come from the files of a multipart request.")


async def _chunks(data: bytes) -> AsyncIterator[bytes]:
    yield data


async def store_upload(context: GraphQLContext, upload: Any) -> dict[str, Any]:
    """Store one upload as the caller; returns the REST File value."""
    file = upload_value(upload)
    ctx = context.ctx
    files = ctx.state.services.files
    if files is None:
        raise ParseError(FILE_SAVE_ERROR, "File uploads are not enabled on this server.")
    limiter = ctx.state.services.rate_limits
    if limiter is not None:
        await limiter.check(method="POST", path=f"/files/{quote(file.filename)}", ip=ctx.ip, auth=ctx.auth,
                            session_token=ctx.auth.session_token)
    stored = await files.upload(ctx, file.filename, file.content_type, _chunks(file.data),
                                limit=int(ctx.state.settings.maxUploadSize), size_hint=len(file.data))
    return {"__type": "File", "name": stored["name"], "url": stored["url"]}


def create_file_mutation(base: BaseTypes) -> dict[str, GraphQLField]:
    async def create(_root: Any, info: GraphQLResolveInfo, input: dict[str, Any]) -> Any:  # noqa: A002
        context = info.context
        assert isinstance(context, GraphQLContext)
        stored = await store_upload(context, input["upload"])
        return {"fileInfo": {"name": stored["name"], "url": stored["url"]}}

    return {"createFile": relay_mutation(
        "CreateFile", {"upload": GraphQLNonNull(base.scalars["Upload"])},
        {"fileInfo": GraphQLField(GraphQLNonNull(base.types["FileInfo"]),
                                  description="This is the created file info.")},
        create, "The createFile mutation can be used to create and upload a new file.")}
