"""The Files API's domain: upload rules, naming, hooks, URLs (signed when protected), delete.

HTTP-free: `routes.py` turns requests into these calls. Cloud-code file hooks are called only
when `state.services.triggers` has them, by these names (each `async`, `file` a plain dict):

- `before_save_file(ctx, file) -> dict | None` with file = {name, contentType, size, metadata,
  tags} (size = Content-Length or None while streaming). A returned dict may change `name`,
  `metadata` and `tags`; a returned dict with `url` and `name` is an already stored file and
  the upload is not stored. Raise ParseError to refuse.
- `after_save_file(ctx, file)` with {name, url, contentType, size, sha256, metadata, tags}.
- `before_delete_file(ctx, file)` / `after_delete_file(ctx, file)` with {name, url}.
- `before_find_file(ctx, file)` with {name} on a download; raise ParseError to refuse.

Without such methods, hooks registered with the cloud-code runtime (`cloud.before_save_file`…,
`state.services.cloud.run_hook(kind, "@File", {"file", "fileSize"}, ctx)`) are fired instead,
with the same dicts as `request.file` and the same use of the return value.
"""

from __future__ import annotations

from collections.abc import AsyncIterable
from typing import Any
from urllib.parse import quote, urlencode

from ..errors import FILE_SAVE_ERROR, SCRIPT_FAILED, ParseError, Unauthorized
from ..rest.context import RequestContext
from .access import uploader_key
from .adapter import StoredFile
from .names import TypeMap, check_upload_name
from .policy import UploadPolicy, strict_content_type
from .signing import UrlSigner
from .store import FileStore

FILE_DELETE_ERROR = 153
HOOK_KINDS = {"before_save_file": "beforeSave", "after_save_file": "afterSave", "before_delete_file": "beforeDelete",
              "after_delete_file": "afterDelete", "before_find_file": "beforeFind"}


class FilesService:
    def __init__(self, state: Any, store: FileStore, policy: UploadPolicy, signer: UrlSigner,
                 protected: bool) -> None:
        self.state = state
        self.store = store
        self.policy = policy
        self.signer = signer
        self.protected = protected
        self.types = TypeMap()

    # --- URLs ---------------------------------------------------------------------------------
    def plain_url(self, name: str) -> str:
        settings = self.state.settings
        base = (settings.publicServerURL or "").rstrip("/")
        origin = getattr(settings, "filesOrigin", None)
        if origin:  # files on their own origin: nothing they hold can reach the app's or the pages' origin
            base = origin.rstrip("/") + settings.mountPath
        return f"{base}/files/{settings.appId}/{quote(name, safe='')}"

    def file_url(self, name: str) -> str:
        """Parse's file URL; in protected mode it carries a short-lived signature."""
        if not self.protected:
            return self.plain_url(name)
        expires, signature = self.signer.sign(name)
        return f"{self.plain_url(name)}?{urlencode({'exp': expires, 'sig': signature})}"

    # --- hooks --------------------------------------------------------------------------------
    async def _hook(self, hook_name: str, ctx: RequestContext, file: dict[str, Any], default_code: int) -> Any:
        hook = getattr(self.state.services.triggers, hook_name, None)
        if hook is None:
            # the cloud-code runtime's seam for feature hooks: kind + "@File" (parse_compat/cloud/runtime.py)
            run_hook = getattr(self.state.services.cloud, "run_hook", None)
            if run_hook is None:
                return None
            kind = HOOK_KINDS[hook_name]

            async def hook(ctx: RequestContext, file: dict[str, Any]) -> Any:
                return await run_hook(kind, "@File", {"file": file, "fileSize": file.get("size")}, ctx)

        try:
            return await hook(ctx, file)
        except (ParseError, Unauthorized):
            raise
        except Exception as exc:  # noqa: BLE001 - a hook's failure is the client's error, like Parse
            raise ParseError(default_code, str(exc) or f"{hook_name} failed") from exc

    # --- upload -------------------------------------------------------------------------------
    def check_upload(self, ctx: RequestContext, name: str) -> None:
        """What Parse checks before reading the body: read-only key, caller policy, file name."""
        if ctx.auth.is_read_only:
            raise Unauthorized("Permission denied")
        self.policy.check_caller(ctx.auth)
        check_upload_name(name)

    async def upload(self, ctx: RequestContext, name: str, declared_type: str | None, source: AsyncIterable[bytes],
                     *, limit: int | None, transport_type: bool = False, size_hint: int | None = None,
                     metadata: dict[str, Any] | None = None, tags: dict[str, Any] | None = None) -> dict[str, str]:
        """Store one upload; returns Parse's `{"url", "name"}`. `transport_type` marks a declared
        type that only describes the request (the envelope's text/plain), not the file."""
        self.check_upload(ctx, name)
        declared_type = strict_content_type(declared_type)
        stored_type = self.types.effective_type(name, declared_type, generic_given=transport_type)
        self.policy.check_type(ctx.auth, name, declared_type, stored_type)
        file = {"name": name, "contentType": stored_type, "size": size_hint, "metadata": metadata or {},
                "tags": tags or {}}
        changed = await self._hook("before_save_file", ctx, file, SCRIPT_FAILED)
        if isinstance(changed, dict):
            if changed.get("url") and changed.get("name"):
                return {"url": str(changed["url"]), "name": str(changed["name"])}
            if changed.get("name") != name and isinstance(changed.get("name"), str):
                name = changed["name"]
                check_upload_name(name)
            metadata, tags = changed.get("metadata", metadata), changed.get("tags", tags)
        preserve = bool(self.state.settings.preserveFileName)
        stored_name = self.types.stored_name(name, declared_type, preserve=preserve)
        if preserve and not ctx.auth.is_master and await self.store.stat(stored_name) is not None:
            # parse-compat: Parse overwrites a file of the same name; here only the master key may, so
            # no uploader can replace a file another caller stored (an x-ray a record points at).
            raise ParseError(FILE_SAVE_ERROR, "A file with this name already exists.")
        record = await self.store.save(stored_name, stored_type, source, limit=limit,
                                       metadata=metadata, tags=tags, owner=uploader_key(ctx.auth))
        result = {"url": self.file_url(stored_name), "name": stored_name}
        await self._hook("after_save_file", ctx, {**result, **self.describe(record)}, SCRIPT_FAILED)
        return result

    @staticmethod
    def describe(record: StoredFile) -> dict[str, Any]:
        return {"contentType": record.content_type, "size": record.size, "sha256": record.sha256,
                "metadata": record.metadata, "tags": record.tags}

    # --- download and delete ------------------------------------------------------------------
    def content_type(self, record: StoredFile) -> str:
        """The stored type; files stored by Parse Server carry none, so their extension says."""
        return record.content_type or self.types.guess_type(record.name) or "application/octet-stream"

    async def before_find(self, ctx: RequestContext, name: str) -> None:
        await self._hook("before_find_file", ctx, {"name": name}, SCRIPT_FAILED)

    async def delete(self, ctx: RequestContext, name: str) -> None:
        if not ctx.auth.has_master_power:
            raise Unauthorized("Permission denied")
        if ctx.auth.is_read_only:
            raise Unauthorized("Permission denied")
        file = {"name": name, "url": self.plain_url(name)}
        await self._hook("before_delete_file", ctx, file, FILE_DELETE_ERROR)
        if not await self.store.delete(name):
            raise ParseError(FILE_DELETE_ERROR, "Could not delete file.")
        await self._hook("after_delete_file", ctx, file, FILE_DELETE_ERROR)


def too_large_error(limit: int, streaming: bool) -> Exception:
    """Parse's two answers: the body parser's bare 413, or the streaming upload's 130."""
    if streaming:
        return ParseError(FILE_SAVE_ERROR, f"File size exceeds maximum allowed: {limit} bytes.")
    return BodyTooLarge()


class BodyTooLarge(Exception):
    """413 `{"error": "request entity too large"}` (express's body parser, no Parse code)."""
