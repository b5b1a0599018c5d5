"""Scheduled jobs that actually run: `_JobSchedule` rows, polled in-process.

Parse Server stores schedules and never runs them; we do. Each server process ticks every
`cloud.scheduler_interval` seconds, reads `_JobSchedule` and, for every row that is due,
*claims* the run with one atomic conditional update on the row (`lastRun` must still hold the
value this process read). Only the process whose update matched starts the job, so a due
run executes once however many processes share the database.

Row fields (Parse's): `jobName`, `params` (JSON text), `startAfter` (ISO date), `repeatMinutes`,
`timeOfDay` ("HH:MM[:SS]" UTC), `daysOfWeek` (0 = Sunday … 6), `lastRun` (ms since the epoch).
Due: never before `startAfter`; with `repeatMinutes`, when that long has passed since
`lastRun`; with `timeOfDay`, when the latest daily slot (on `daysOfWeek`) is after `lastRun`;
otherwise once. Schedules declared in cloud code become rows with a stable id at boot.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from ..codec.dates import format_iso, now_iso, parse_iso
from ..errors import DuplicateValue, ParseError
from ..rest.context import RequestContext
from ..storage.base import ClassSchema, Document, FindOptions
from ..supervisor import supervisor_of
from .hooks import ScheduleSpec
from .sdk import master_context

if TYPE_CHECKING:
    from .runtime import CloudRuntime

log = logging.getLogger("parse_compat.cloud.scheduler")
SUPERVISED_NAME = "cloud.scheduler"


def _ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


def _js_weekday(moment: datetime) -> int:
    return (moment.weekday() + 1) % 7  # Python: Monday = 0; JS/Parse: Sunday = 0


def _daily_slot(now: datetime, time_of_day: str, days: list[int] | None) -> datetime | None:
    """The latest slot at or before `now`, within the last 8 days."""
    parts = [int(float(p)) for p in time_of_day.rstrip("Z").split(":")[:3]]
    hour, minute, second = (parts + [0, 0, 0])[:3]
    for back in range(8):
        day = now - timedelta(days=back)
        slot = day.replace(hour=hour, minute=minute, second=second, microsecond=0)
        if slot <= now and (not days or _js_weekday(slot) in days):
            return slot
    return None


def is_due(row: Document, now: datetime) -> bool:
    last = row.get("lastRun")
    start = row.get("startAfter")
    try:
        if isinstance(start, str) and start and parse_iso(start) > now:
            return False
        repeat = row.get("repeatMinutes")
        if isinstance(repeat, (int, float)) and repeat > 0:
            return last is None or _ms(now) - float(last) >= repeat * 60_000
        time_of_day = row.get("timeOfDay")
        if isinstance(time_of_day, str) and time_of_day:
            slot = _daily_slot(now, time_of_day, row.get("daysOfWeek") or None)
            return slot is not None and (last is None or _ms(slot) > float(last))
    except (ValueError, ParseError) as exc:
        log.warning("_JobSchedule %s is malformed: %s", row.get("objectId"), exc)
        return False
    return last is None


def declared_id(spec: ScheduleSpec) -> str:
    """A stable objectId for a schedule declared in code, the same in every process."""
    key = json.dumps([spec.job_name, spec.repeat_minutes, spec.time_of_day, spec.days_of_week, spec.start_after,
                      spec.params], sort_keys=True)
    return "cc" + hashlib.sha256(key.encode()).hexdigest()[:14]


class Scheduler:
    def __init__(self, runtime: CloudRuntime) -> None:
        self.runtime = runtime
        self._task: asyncio.Task[None] | None = None

    async def _schema(self) -> ClassSchema:
        return await self.runtime.state.schemas.ensure_class("_JobSchedule")

    async def declare(self) -> None:
        """Store the schedules declared in cloud code (once; other processes find them)."""
        schema = await self._schema()
        storage = self.runtime.state.storage
        for spec in self.runtime.cloud.schedules:
            object_id = declared_id(spec)
            if await storage.find(schema, {"objectId": object_id}, FindOptions(limit=1)):
                continue
            now = now_iso()
            doc: Document = {"objectId": object_id, "createdAt": now, "updatedAt": now, "jobName": spec.job_name,
                             "description": spec.description, "params": json.dumps(spec.params),
                             "_rperm": [], "_wperm": []}
            for key, value in (("repeatMinutes", spec.repeat_minutes), ("timeOfDay", spec.time_of_day),
                               ("daysOfWeek", spec.days_of_week), ("startAfter", spec.start_after)):
                if value is not None:
                    doc[key] = value
            try:
                await self.runtime.state.services.server_writes.insert(schema, doc)
            except DuplicateValue:
                continue  # another process stored it first
            except Exception as exc:  # noqa: BLE001 - a primary-key clash surfaces differently per adapter
                if not await storage.find(schema, {"objectId": object_id}, FindOptions(limit=1)):
                    raise
                log.debug("schedule %s already stored: %s", object_id, exc)

    async def claim(self, schema: ClassSchema, row: Document, now: datetime) -> bool:
        """Atomically move `lastRun` from what we read to now; False if another process did."""
        old = row.get("lastRun")
        condition: dict[str, Any] = {"objectId": row["objectId"]}
        condition["lastRun"] = old if old is not None else {"$exists": False}
        writes = self.runtime.state.services.server_writes
        updated = await writes.update(schema, condition, {"lastRun": _ms(now), "updatedAt": format_iso(now)})
        return updated is not None

    async def tick(self, now: datetime | None = None) -> list[str]:
        """Start every due job this process wins; returns the `_JobStatus` ids started."""
        now = now or datetime.now(UTC)
        schema = await self._schema()
        rows = await self.runtime.state.storage.find(schema, {}, FindOptions(limit=1000))
        started: list[str] = []
        ctx = master_context(RequestContext(self.runtime.state, self.runtime.system_auth()))
        for row in rows:
            try:
                job_id = await self._start_if_due(schema, row, now, ctx)
            except Exception as exc:  # noqa: BLE001 - one bad schedule row must not stop the others
                log.warning("_JobSchedule %s skipped (%s)", row.get("objectId"), type(exc).__name__, exc_info=exc)
                continue
            if job_id is not None:
                started.append(job_id)
        return started

    async def _start_if_due(self, schema: ClassSchema, row: Document, now: datetime,
                            ctx: RequestContext) -> str | None:
        name = row.get("jobName")
        if not isinstance(name, str) or not self.runtime.jobs.known(name) or not is_due(row, now):
            return None
        if not await self.claim(schema, row, now):
            return None
        try:
            params = json.loads(row.get("params") or "{}") if isinstance(row.get("params"), str) else {}
        except ValueError:
            params = {}
        return await self.runtime.jobs.start(ctx, name, params if isinstance(params, dict) else {}, source="schedule")

    async def _loop(self) -> None:
        interval = self.runtime.cloud.scheduler_interval
        while True:
            await asyncio.sleep(interval)
            try:
                await self.tick()
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # noqa: BLE001 - a bad tick must not stop the scheduler
                log.warning("scheduler tick failed (%s); the next tick tries again", type(exc).__name__,
                            exc_info=exc)

    def start(self) -> None:
        """Run the loop under the app's supervisor: restarted with back-off should it die."""
        if self._task is None and self.runtime.cloud.jobs and self.runtime.cloud.scheduler_interval > 0:
            self._task = supervisor_of(self.runtime.state).start(SUPERVISED_NAME, self._loop)

    async def close(self) -> None:
        if self._task is not None:
            await supervisor_of(self.runtime.state).stop(SUPERVISED_NAME)
            self._task = None
