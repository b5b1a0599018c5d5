"""`PushService`: what `POST /push` does after the master-key check (Parse's PushController,
PushQueue and PushWorker in one process).

The request path only validates, records the `_PushStatus` row and starts a task; the task
counts the target installations (`where`, or `channels` → `{"channels": {"$in": …}}`, plus
`deviceToken` must exist unless `where` says otherwise), then pages through them in batches of
`push.queueOptions.batchSize` (default 100) through the ordinary query path as master and hands
each batch to the adapter. With `scheduledPush`, a push with a future `push_time` is stored
`scheduled` and sent when its time comes by whichever process claims it first (`send_due`).
At most `MAX_RUNNING` pushes send at once and at most `MAX_WAITING` wait; past that `POST /push`
is refused (155) instead of queueing without bound.
"""

from __future__ import annotations

import asyncio
import copy
import json
import logging
from datetime import UTC, datetime
from typing import Any

from ..auth.identity import Auth
from ..codec.dates import date_value, format_iso, parse_iso
from ..errors import INVALID_JSON, ParseError
from ..rest import find as reads
from ..rest.context import RequestContext
from ..rest.params import QueryParams
from ..state import AppState
from ..storage.base import FindOptions
from . import timing
from .adapter import PushAdapter, build_push_adapter
from .locales import split_by_locale
from .status import PushStatus

log = logging.getLogger("parse_compat.push")
PUSH_MISCONFIGURED = 115
REQUEST_LIMIT_EXCEEDED = 155
DEFAULT_BATCH = 100
MAX_BATCH = 1000
MAX_RUNNING = 2
MAX_WAITING = 64
SCHEDULE_SECONDS = 30.0


def due_at(push_time: str) -> datetime:
    """When a stored `pushTime` is due. parse-compat: a time without a zone (Parse: each device's
    local time) is read as UTC."""
    return parse_iso(push_time)


def target_where(body: dict[str, Any]) -> dict[str, Any]:
    """Parse's `getQueryCondition`."""
    has_where, has_channels = "where" in body, "channels" in body
    if has_where and has_channels:
        raise ParseError(PUSH_MISCONFIGURED, "Channels and query can not be set at the same time.")
    if has_where:
        where = body["where"]
        if not isinstance(where, dict):
            raise ParseError(INVALID_JSON, "where must be an object")
        return where
    if has_channels:
        channels = body["channels"]
        if not isinstance(channels, list) or not all(isinstance(c, str) for c in channels):
            raise ParseError(INVALID_JSON, "channels must be an array of strings")
        return {"channels": {"$in": channels}}
    raise ParseError(PUSH_MISCONFIGURED, 'Sending a push requires either "channels" or a "where" query.')


def with_device_token(where: dict[str, Any]) -> dict[str, Any]:
    """Parse's `applyDeviceTokenExists`: only installations that can receive a push."""
    if "deviceToken" in where:
        return where
    return {**where, "deviceToken": {"$exists": True}}


Batch = list[dict[str, Any]]


def _badge_groups(body: dict[str, Any], installations: Batch) -> list[tuple[dict[str, Any], Batch]]:
    """Parse's PushWorker: an incrementing badge is sent per badge value."""
    data = body.get("data") or {}
    badge = data.get("badge")
    if not (isinstance(badge, str) and badge.lower() == "increment"):
        return [(body, installations)]
    groups: dict[int, list[dict[str, Any]]] = {}
    for installation in installations:
        current = installation.get("badge")
        value = (current if isinstance(current, int) and not isinstance(current, bool) else 0)
        groups.setdefault(value + 1 if installation.get("deviceType") == "ios" else value, []).append(installation)
    out = []
    for value, members in groups.items():
        payload = copy.deepcopy(body)
        payload["data"]["badge"] = value
        out.append((payload, members))
    return out


class PushService:
    def __init__(self, state: AppState, adapter: PushAdapter, batch_size: int, scheduled_push: bool) -> None:
        self.state = state
        self.adapter = adapter
        self.batch_size = batch_size
        self.scheduled_push = scheduled_push
        self._slots = asyncio.Semaphore(MAX_RUNNING)
        self._tasks: set[asyncio.Task[None]] = set()
        self._due_task: asyncio.Task[None] | None = None

    async def send(self, ctx: RequestContext, body: Any) -> str:
        """Validate and record the push; returns the `_PushStatus` id (sending continues in a task)."""
        if not isinstance(body, dict):
            raise ParseError(INVALID_JSON, "request body must be a JSON object")
        where = target_where(body)
        push = dict(body)
        push["expiration_time"] = timing.expiration_time(body)
        push["expiration_interval"] = timing.expiration_interval(body)
        if push["expiration_time"] is not None and push["expiration_interval"] is not None:
            raise ParseError(PUSH_MISCONFIGURED, "Both expiration_time and expiration_interval cannot be set")
        if push["expiration_interval"] is not None and "push_time" not in body:
            now_ms = int(datetime.now(UTC).timestamp() * 1000)
            push["expiration_time"] = now_ms + int(push["expiration_interval"] * 1000)
        for key in ("expiration_time", "expiration_interval"):
            if push[key] is None:
                del push[key]
        at = timing.push_time(body)
        if at is not None:
            push["push_time"] = at
        if "data" in push and not isinstance(push["data"], dict):
            raise ParseError(INVALID_JSON, "data must be an object")
        push.setdefault("data", {})
        if len(self._tasks) >= MAX_RUNNING + MAX_WAITING:
            raise ParseError(REQUEST_LIMIT_EXCEEDED, "Too many pushes are waiting to be sent; try again later.")
        scheduled = at is not None and self.scheduled_push and due_at(at) > datetime.now(UTC)
        if at is not None and not self.scheduled_push:
            log.warning("push_time given but scheduledPush is off: the push is sent now")
        status = await PushStatus.create(ctx, push, where, push_time=at if scheduled and at else format_iso(
            datetime.now(UTC)), scheduled=scheduled)
        await self._audience_used(ctx, body.get("audience_id"))
        # parse-compat: Parse leaves a scheduled push to an outside sender; here `send_due` sends it
        if not scheduled:
            self._start(ctx, push, where, status)
        return status.object_id

    def _start(self, ctx: RequestContext, push: dict[str, Any], where: dict[str, Any], status: PushStatus) -> None:
        task = asyncio.get_running_loop().create_task(self._run(ctx, push, where, status),
                                                      name=f"push {status.object_id}")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def send_due(self, now: datetime | None = None) -> list[str]:
        """Start the scheduled pushes whose `pushTime` has come; each is claimed once across
        processes (status `scheduled` → `pending`). Returns the ids started here."""
        now = now or datetime.now(UTC)
        schema = await self.state.schemas.find_class("_PushStatus")
        if schema is None:
            return []
        ctx = RequestContext(self.state, Auth(is_master=True, installation_id="push"))
        rows = await self.state.storage.find(schema, {"status": "scheduled"}, FindOptions(limit=MAX_WAITING))
        started: list[str] = []
        for row in rows:
            if len(self._tasks) >= MAX_RUNNING + MAX_WAITING:
                break
            try:
                if due_at(str(row.get("pushTime"))) > now:
                    continue
                where, data = json.loads(row.get("query") or "{}"), json.loads(row.get("payload") or "{}")
            except (ValueError, ParseError):
                log.warning("scheduled push %s is malformed; skipped", row.get("objectId"))
                continue
            if not await self.state.writer.update_if(ctx, "_PushStatus", row["objectId"], {"status": "scheduled"},
                                                     {"status": "pending"}):
                continue  # another process claimed it
            push: dict[str, Any] = {"data": data if isinstance(data, dict) else {}}
            if isinstance(row.get("expiry"), int | float):
                push["expiration_time"] = row["expiry"]
            self._start(ctx, push, where if isinstance(where, dict) else {}, PushStatus(ctx, row["objectId"]))
            started.append(row["objectId"])
        return started

    async def _due_loop(self) -> None:
        while True:
            await asyncio.sleep(SCHEDULE_SECONDS)
            try:
                await self.send_due()
            except Exception as exc:  # noqa: BLE001 - the next round tries again
                log.warning("scheduled push round failed (%s)", type(exc).__name__)

    def start_schedule(self) -> None:
        if self.scheduled_push and self._due_task is None:
            self._due_task = asyncio.get_running_loop().create_task(self._due_loop(), name="scheduled pushes")

    async def _audience_used(self, ctx: RequestContext, audience_id: Any) -> None:
        if not isinstance(audience_id, str) or not audience_id:
            return
        try:
            await ctx.state.writer.update(ctx, "_Audience", audience_id, {
                "lastUsed": date_value(datetime.now(UTC)), "timesUsed": {"__op": "Increment", "amount": 1}})
        except ParseError as exc:
            log.info("push audience not updated: %s", exc.message)

    async def _run(self, ctx: RequestContext, body: dict[str, Any], where: dict[str, Any],
                   status: PushStatus) -> None:
        async with self._slots:
            try:
                await self._send_all(ctx, body, with_device_token(where), status)
            except asyncio.CancelledError:
                await asyncio.shield(status.fail("The server stopped while the push was sent."))
                raise
            except ParseError as exc:
                await status.fail(exc.message)
            except Exception as exc:  # noqa: BLE001 - an adapter may raise anything; the status says failed
                log.warning("push %s failed (%s)", status.object_id, type(exc).__name__)
                await status.fail(f"The push adapter failed ({type(exc).__name__}).")

    async def _send_all(self, ctx: RequestContext, body: dict[str, Any], where: dict[str, Any],
                        status: PushStatus) -> None:
        counted = await reads.find(ctx, "_Installation", QueryParams(where=where, limit=0, count=True))
        total = int(counted.get("count", 0))
        if total == 0:
            await status.complete()
            return
        batches = -(-total // self.batch_size)
        await status.running(batches)
        for number in range(batches):
            page = await reads.find(ctx, "_Installation", QueryParams(
                where=where, order=[("objectId", True)], limit=self.batch_size, skip=number * self.batch_size))
            results: list[dict[str, Any]] = []
            for localized, speakers in split_by_locale(body, page["results"]):
                for payload, members in _badge_groups(localized, speakers):
                    await self._store_badges(ctx, payload, members)
                    results.extend(await self.adapter.send(payload, members, status.object_id) or [])
            await status.track(results)

    async def _store_badges(self, ctx: RequestContext, payload: dict[str, Any], members: list[dict[str, Any]]) -> None:
        """Parse keeps an iOS installation's badge in step with the badge it was sent."""
        badge = (payload.get("data") or {}).get("badge")
        if not isinstance(badge, int) or isinstance(badge, bool):
            return
        for installation in members:
            if installation.get("deviceType") == "ios" and installation.get("badge") != badge:
                await ctx.state.writer.update(ctx, "_Installation", installation["objectId"], {"badge": badge})

    async def wait_idle(self) -> None:
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    async def close(self) -> None:
        if self._due_task is not None:
            self._due_task.cancel()
            await asyncio.gather(self._due_task, return_exceptions=True)
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*list(self._tasks), return_exceptions=True)
        closer = getattr(self.adapter, "close", None)
        if closer is not None:
            await closer()


def install_push(state: AppState) -> PushService:
    option = getattr(state.settings, "push", None)
    queue = option.get("queueOptions") if isinstance(option, dict) else None
    batch = queue.get("batchSize") if isinstance(queue, dict) else None
    batch_size = batch if isinstance(batch, int) and not isinstance(batch, bool) and 0 < batch <= MAX_BATCH \
        else DEFAULT_BATCH
    adapter_spec = {k: v for k, v in option.items() if k != "queueOptions"} if isinstance(option, dict) else option
    service = PushService(state, build_push_adapter(adapter_spec), batch_size,
                          bool(getattr(state.settings, "scheduledPush", False)))
    state.services.push = service
    state.services.on_close.append(service.close)
    service.start_schedule()  # with scheduledPush: due pushes are looked for every 30 s
    return service
