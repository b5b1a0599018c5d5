"""One `_PushStatus` row and its transitions, as Parse's `pushStatusHandler` writes them.

`create` stores `{pushTime, query, payload, source, expiry, expiration_interval, status:
"pending" (or "scheduled"), numSent: 0, pushHash, ACL: {}}`; `running(batches)` sets
`status: "running", count: batches`; `track(results)` adds to `numSent` / `numFailed` and
`sentPerType` / `failedPerType` and counts a batch down; the last batch makes it `succeeded`
(and drops `count`); `fail(message)` makes it `failed` with `errorMessage`. Writes go through the
writer as master (the pipeline every write takes); one task writes one row, in order.
"""

from __future__ import annotations

import hashlib
import json
import logging
from typing import Any

from ..errors import ParseError
from ..rest.context import RequestContext

log = logging.getLogger("parse_compat.push")
CLASS = "_PushStatus"
EMPTY_HASH = "d41d8cd98f00b204e9800998ecf8427e"  # Parse's hash of a push without an alert


def push_hash(data: dict[str, Any]) -> str:
    alert = data.get("alert")
    if isinstance(alert, str):
        return hashlib.md5(alert.encode("utf-8"), usedforsecurity=False).hexdigest()
    if isinstance(alert, dict):
        text = json.dumps(alert, separators=(",", ":"), ensure_ascii=False)
        return hashlib.md5(text.encode("utf-8"), usedforsecurity=False).hexdigest()
    return EMPTY_HASH


class PushStatus:
    def __init__(self, ctx: RequestContext, object_id: str) -> None:
        self.ctx = ctx  # master
        self.object_id = object_id
        self.sent = 0
        self.failed = 0
        self.sent_per_type: dict[str, int] = {}
        self.failed_per_type: dict[str, int] = {}
        self.batches_left = 0

    @classmethod
    async def create(cls, ctx: RequestContext, body: dict[str, Any], where: dict[str, Any], *,
                     push_time: str, scheduled: bool, source: str = "rest") -> PushStatus:
        data: dict[str, Any] = body["data"] if isinstance(body.get("data"), dict) else {}
        row: dict[str, Any] = {
            "pushTime": push_time, "query": json.dumps(where), "payload": json.dumps(data), "source": source,
            "status": "scheduled" if scheduled else "pending", "numSent": 0, "pushHash": push_hash(data),
            "ACL": {}}
        if body.get("expiration_time") is not None:
            row["expiry"] = body["expiration_time"]
        if body.get("expiration_interval") is not None:
            row["expiration_interval"] = body["expiration_interval"]
        created = await ctx.state.writer.create(ctx, CLASS, row)
        return cls(ctx, created.object_id)

    async def _set(self, values: dict[str, Any]) -> None:
        try:
            await self.ctx.state.writer.update(self.ctx, CLASS, self.object_id, values)
        except ParseError as exc:
            log.warning("cannot update _PushStatus %s: %s", self.object_id, exc.message)

    async def running(self, batches: int) -> None:
        self.batches_left = batches
        await self._set({"status": "running", "count": batches})

    async def track(self, results: list[dict[str, Any]]) -> None:
        for result in results:
            device = result.get("device") if isinstance(result, dict) else None
            kind = device.get("deviceType") if isinstance(device, dict) else None
            if not isinstance(kind, str):
                continue  # Parse skips results it cannot attribute
            if result.get("transmitted") is True:
                self.sent += 1
                self.sent_per_type[kind] = self.sent_per_type.get(kind, 0) + 1
            else:
                self.failed += 1
                self.failed_per_type[kind] = self.failed_per_type.get(kind, 0) + 1
        self.batches_left -= 1
        values: dict[str, Any] = {"status": "running", "count": self.batches_left}
        if self.sent:
            values.update(numSent=self.sent, sentPerType=dict(self.sent_per_type))
        if self.failed:
            values.update(numFailed=self.failed, failedPerType=dict(self.failed_per_type))
        await self._set(values)
        if self.batches_left <= 0:
            await self.complete()

    async def complete(self) -> None:
        await self._set({"status": "succeeded", "count": {"__op": "Delete"}})

    async def fail(self, message: str) -> None:
        await self._set({"status": "failed", "errorMessage": {"message": message}})
