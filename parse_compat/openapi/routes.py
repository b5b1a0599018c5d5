"""`GET <mount>/openapi.json`: the OpenAPI document for the caller, rebuilt when the schema changes.

The request goes through the REST edge like any other (application id, keys, session), so the
caller is known; `document.caller_view` applies the security policy to the live schema. Documents
are cached per view digest (`CallerView.key`): a new field, class, permission or cloud function
changes the digest, so the next request gets a new document without a restart.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Any

from .. import __version__
from ..http.api import ApiRequest, ApiResponse, Router
from ..security.policy import caller_of
from .document import build_document, caller_view

CACHED_DOCUMENTS = 16  # distinct views kept (master, anonymous, a few role sets)


class OpenApiDocuments:
    """The documents built so far, by view digest (least recently used dropped first)."""

    def __init__(self, size: int = CACHED_DOCUMENTS) -> None:
        self.size = size
        self._documents: OrderedDict[str, dict[str, Any]] = OrderedDict()
        self.builds = 0  # how many documents were built (tests check the cache is used)

    async def handle(self, request: ApiRequest) -> ApiResponse:
        state = request.ctx.state
        who = await caller_of(request.ctx.auth, state.roles)
        runtime = state.services.cloud
        functions = list(runtime.cloud.functions) if runtime is not None else []
        jobs = list(runtime.cloud.jobs) if runtime is not None else []
        view = caller_view(state.schemas.all(), who, functions, jobs, state.settings.field_protection)
        key = view.key()
        document = self._documents.get(key)
        if document is None:
            document = build_document(view, state.settings.mountPath, __version__)
            self.builds += 1
            self._documents[key] = document
            while len(self._documents) > self.size:
                self._documents.popitem(last=False)
        else:
            self._documents.move_to_end(key)
        return ApiResponse(document, headers={"Cache-Control": "no-store"})


def register(router: Router) -> OpenApiDocuments:
    documents = OpenApiDocuments()
    router.add("GET", "/openapi.json", documents.handle)
    return documents


__all__ = ["OpenApiDocuments", "register"]
