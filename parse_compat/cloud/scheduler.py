"""Scheduled jobs that actually run: `_JobSchedule` rows, polled in-process.

Parse Server stores schedules and never runs them; we do. Each server process ticks every
`cloud.scheduler_interval` seconds, reads `_JobSchedule` and, for every row that is due,
*claims* the run with one atomic conditional update on the row (`lastRun` must still hold the
value this process read). Only the process whose update matched starts the job, so a due
run executes once however many processes share the database.

Row fields (Parse's): `jobName`, `params` (JSON text), `startAfter` (ISO date), `repeatMinutes`,
`timeOfDay` ("HH:MM[:SS.mmmZ]" UTC), `daysOfWeek` (seven flags, Sunday first), `lastRun` (ms since
the epoch). Due: never before `startAfter`; with `timeOfDay`, when the latest slot — each allowed
day at `timeOfDay`, then every `repeatMinutes` that day — is after `lastRun`; with `repeatMinutes`
alone, when that long has passed since `lastRun`; otherwise once. Schedules declared in cloud code
become rows with a stable id at boot, with a `startAfter` and (repeating) a `timeOfDay` as
Dashboard shows them.
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


def _clock(time_of_day: str) -> tuple[int, int, int]:
    """"HH:MM[:SS[.mmm]][Z]" → (hour, minute, second), UTC."""
    parts = [int(float(p)) for p in time_of_day.rstrip("Z").split(":")[:3]]
    hour, minute, second = (parts + [0, 0, 0])[:3]
    if not (0 <= hour < 24 and 0 <= minute < 60 and 0 <= second < 60):
        raise ValueError(f"bad timeOfDay {time_of_day[:20]!r}")
    return hour, minute, second


def run_days(value: Any) -> set[int] | None:
    """The weekdays (0 = Sunday … 6) a schedule runs on; None = every day.

    Parse's `daysOfWeek` is seven flags, Sunday first (Dashboard sends `[1, 1, 1, 1, 1, 1, 1]`).
    parse-compat: a list of day numbers (`[1, 3]`, rows stored before) is read as such."""
    if not isinstance(value, list) or not value:
        return None
    if len(value) == 7 and all(v in (0, 1) for v in value):
        return {day for day, flag in enumerate(value) if flag}
    return {v for v in value if isinstance(v, int) and not isinstance(v, bool) and 0 <= v <= 6}


def day_flags(days: list[int] | None) -> list[int] | None:
    """Day numbers (0 = Sunday) → Parse's seven flags."""
    if days is None:
        return None
    return [1 if day in days else 0 for day in range(7)]


def latest_slot(now: datetime, time_of_day: str, repeat_minutes: float | None,
                days: set[int] | None) -> datetime | None:
    """The latest run time at or before `now`: each allowed day at `timeOfDay`, then every
    `repeatMinutes` until the next day's `timeOfDay` (Dashboard's "each day, every N minutes,
    after HH:MM"); within the last 8 days."""
    hour, minute, second = _clock(time_of_day)
    day = timedelta(days=1)
    for back in range(8):
        anchor = (now - back * day).replace(hour=hour, minute=minute, second=second, microsecond=0)
        if anchor > now or (days is not None and _js_weekday(anchor) not in days):
            continue
        if not repeat_minutes or repeat_minutes <= 0 or repeat_minutes >= 1440:
            return anchor
        step = timedelta(minutes=repeat_minutes)
        last_in_window = anchor + step * (-(-day // step) - 1)
        return min(anchor + step * ((now - anchor) // step), last_in_window)
    return None


def is_due(row: Document, now: datetime) -> bool:
    last = row.get("lastRun")
    start = row.get("startAfter")
    try:
        start_at = parse_iso(start) if isinstance(start, str) and start else None
        if start_at is not None and start_at > now:
            return False
        repeat = row.get("repeatMinutes")
        repeat = repeat if isinstance(repeat, int | float) and not isinstance(repeat, bool) and repeat > 0 else None
        time_of_day = row.get("timeOfDay")
        if isinstance(time_of_day, str) and time_of_day:
            slot = latest_slot(now, time_of_day, repeat, run_days(row.get("daysOfWeek")))
            return (slot is not None and (last is None or _ms(slot) > float(last))
                    and (start_at is None or slot >= start_at))
        if repeat is not None:
            return last is None or _ms(now) - float(last) >= repeat * 60_000
    except (ValueError, TypeError, ParseError) as exc:
        log.warning("_JobSchedule %s is malformed (%s)", row.get("objectId"), type(exc).__name__)
        return False
    return last is None


def schedule_defaults(values: dict[str, Any], now: datetime) -> dict[str, Any]:
    """What Dashboard needs of every schedule row: a `startAfter` (now, to the minute, when none is
    given) and, for a repeating one, a `timeOfDay` (the start's time of day)."""
    out = dict(values)
    if not isinstance(out.get("startAfter"), str) or not out["startAfter"]:
        out["startAfter"] = format_iso(now.replace(second=0, microsecond=0))
    if out.get("repeatMinutes") and not out.get("timeOfDay"):
        start = parse_iso(out["startAfter"])
        out["timeOfDay"] = f"{start.hour:02d}:{start.minute:02d}:00.000Z"
    return out


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
                               ("daysOfWeek", day_flags(spec.days_of_week)), ("startAfter", spec.start_after)):
                if value is not None:
                    doc[key] = value
            doc = schedule_defaults(doc, datetime.now(UTC))
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
