"""How GraphQL resolvers reach the REST operations: every read and write is replayed as the
REST request it stands for (`GET /classes/<Class>`, `POST /classes/<Class>`, `POST /login`,
`POST /functions/<name>`, …) through the app's router, with the caller's `RequestContext` —
the same route code, policy, write pipeline and hooks a REST client gets (as `/batch` does).
Each replayed request counts against the rate limits of its REST path, and its body is
checked for prohibited keywords like an HTTP body.

`PointerLoader` batches pointer loads (DataLoader style): every pointer a GraphQL level asks
for is collected, then loaded in one REST include per class (`rest/include.py`: the class gate,
CLP `get`, ACL, protected fields), so a list of 100 plans with their patients costs one query
for the patients, not 100.
"""

from __future__ import annotations

import asyncio
from typing import Any
from urllib.parse import quote

from ..codec.keywords import check_keywords
from ..http.api import ApiRequest, Router
from ..rest.context import RequestContext
from ..rest.include import apply_includes


class RestBridge:
    """Replays REST requests in-process as one caller."""

    def __init__(self, ctx: RequestContext, router: Router) -> None:
        self.ctx = ctx
        self.router = router

    def as_caller(self, ctx: RequestContext) -> RestBridge:
        return RestBridge(ctx, self.router)

    async def call(self, method: str, path: str, body: Any = None, query: dict[str, Any] | None = None) -> Any:
        denylist = self.ctx.state.settings.denied_keywords  # requestKeywordDenylist
        check_keywords(body, denylist)
        check_keywords(query, denylist)
        limiter = self.ctx.state.services.rate_limits
        if limiter is not None:
            await limiter.check(method=method, path=path, ip=self.ctx.ip, auth=self.ctx.auth,
                                session_token=self.ctx.auth.session_token)
        response = await self.router.dispatch(ApiRequest(self.ctx, method, path, body, dict(query or {})))
        return response.body

    async def find(self, class_name: str, query: dict[str, Any]) -> dict[str, Any]:
        result = await self.call("GET", f"/classes/{quote(class_name)}", query=query)
        return dict(result)

    async def get(self, class_name: str, object_id: str) -> dict[str, Any]:
        return dict(await self.call("GET", f"/classes/{quote(class_name)}/{quote(object_id, safe='')}"))

    async def create(self, class_name: str, body: dict[str, Any]) -> dict[str, Any]:
        return dict(await self.call("POST", f"/classes/{quote(class_name)}", body))

    async def update(self, class_name: str, object_id: str, body: dict[str, Any]) -> dict[str, Any]:
        return dict(await self.call("PUT", f"/classes/{quote(class_name)}/{quote(object_id, safe='')}", body))

    async def delete(self, class_name: str, object_id: str) -> None:
        await self.call("DELETE", f"/classes/{quote(class_name)}/{quote(object_id, safe='')}")


Key = tuple[str, str]


class PointerLoader:
    """Loads pointed-to objects for one GraphQL request, batched per event-loop turn."""

    def __init__(self, ctx: RequestContext, *, remember: bool = True) -> None:
        self.ctx = ctx
        self.remember = remember  # False for subscriptions: each event reads current objects
        self._cache: dict[Key, asyncio.Future[dict[str, Any] | None]] = {}
        self._pending: list[Key] = []
        self._tasks: set[asyncio.Task[None]] = set()
        self.batches = 0

    def load(self, class_name: str, object_id: str) -> asyncio.Future[dict[str, Any] | None]:
        """The object (REST JSON), or the bare pointer when the caller may not read it."""
        key = (class_name, object_id)
        if key in self._cache:
            return self._cache[key]
        loop = asyncio.get_running_loop()
        future: asyncio.Future[dict[str, Any] | None] = loop.create_future()
        self._cache[key] = future
        if not self._pending:
            loop.call_soon(self._start_batch)
        self._pending.append(key)
        return future

    def _start_batch(self) -> None:
        keys, self._pending = self._pending, []
        task = asyncio.get_running_loop().create_task(self._run_batch(keys))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _run_batch(self, keys: list[Key]) -> None:
        self.batches += 1
        holders = [{"target": {"__type": "Pointer", "className": cls, "objectId": oid}} for cls, oid in keys]
        try:
            await apply_includes(self.ctx, None, holders, ["target"], False, None)
        except Exception as exc:  # noqa: BLE001 - every waiting resolver gets the REST error
            for key in keys:
                future = self._cache.pop(key)
                if not future.done():
                    future.set_exception(exc)
            return
        for key, holder in zip(keys, holders, strict=True):
            future = self._cache[key] if self.remember else self._cache.pop(key)
            if not future.done():
                # parse-compat: an object the caller may not read stays the bare pointer REST shows
                # (its objectId, every other field null), as in Parse Server
                future.set_result(holder.get("target") or {"__type": "Pointer", "className": key[0],
                                                          "objectId": key[1]})
