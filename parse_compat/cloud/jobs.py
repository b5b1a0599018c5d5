"""Background jobs: `_JobStatus` bookkeeping and the tasks that run them.

`start()` writes `_JobStatus {jobName, source, status: "running", params, ACL: {}}` through the
writer (master), starts the handler as a task on the app's loop and returns the status id at
once. The task then sets `status` to `succeeded` or `failed`, `message` (a string result, the
last `request.message(...)`, or the error) and `finishedAt`. Tasks are tracked per app and
cancelled when the app closes.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from ..codec.dates import date_value
from ..errors import OPERATION_FORBIDDEN, SCRIPT_FAILED, ParseError
from ..rest.context import RequestContext
from .requests import JobRequest
from .runner import SKIPPED, invoke
from .sdk import master_context

if TYPE_CHECKING:
    from .runtime import CloudRuntime

log = logging.getLogger("parse_compat.cloud.jobs")
READ_ONLY_JOB = "read-only masterKey isn't allowed to run a job."


class JobRunner:
    def __init__(self, runtime: CloudRuntime) -> None:
        self.runtime = runtime
        self._tasks: set[asyncio.Task[None]] = set()

    def known(self, name: str) -> bool:
        return name in self.runtime.cloud.jobs

    async def start(self, ctx: RequestContext, name: str, params: dict[str, Any], source: str = "api") -> str:
        """Record and launch a run; returns the `_JobStatus` objectId."""
        if ctx.auth.is_read_only:
            raise ParseError(OPERATION_FORBIDDEN, READ_ONLY_JOB)
        if not self.known(name):
            raise ParseError(SCRIPT_FAILED, "Invalid job.")
        master = master_context(ctx)
        status = await ctx.state.writer.create(master, "_JobStatus", {
            "jobName": name, "source": source, "status": "running", "params": params, "ACL": {}})
        job_id = status.object_id
        task = asyncio.get_running_loop().create_task(self._run(master, name, job_id, params),
                                                      name=f"job {name} {job_id}")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return job_id

    async def _set(self, ctx: RequestContext, job_id: str, values: dict[str, Any]) -> None:
        try:
            await ctx.state.writer.update(ctx, "_JobStatus", job_id, values)
        except ParseError as exc:
            log.warning("cannot update _JobStatus %s: %s", job_id, exc.message)

    async def _run(self, ctx: RequestContext, name: str, job_id: str, params: dict[str, Any]) -> None:
        hook = self.runtime.cloud.jobs[name]

        async def on_message(text: str) -> None:
            await self._set(ctx, job_id, {"message": text})

        request = JobRequest(ctx=ctx, job_name=name, job_id=job_id, params=dict(params), on_message=on_message)
        values: dict[str, Any]
        try:
            result = await invoke(hook, request, fallback_code=SCRIPT_FAILED, timeout=self.runtime.cloud.job_timeout)
        except asyncio.CancelledError:
            await asyncio.shield(self._set(ctx, job_id, {
                "status": "failed", "message": "The server stopped during the job.",
                "finishedAt": date_value(datetime.now(UTC))}))
            raise
        except ParseError as exc:
            values = {"status": "failed", "message": exc.message}
        else:
            message = result if isinstance(result, str) else request.last_message
            values = {"status": "succeeded"}
            if message is not None and result is not SKIPPED:
                values["message"] = message
        values["finishedAt"] = date_value(datetime.now(UTC))
        await self._set(ctx, job_id, values)
        log.info("job %s (%s) %s", name, job_id, values["status"])

    async def wait_idle(self) -> None:
        """Wait for every running job (tests, graceful shutdown)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    async def close(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*list(self._tasks), return_exceptions=True)
