"""`CloudRuntime`: one app's loaded cloud code — hook table, triggers seam, jobs, scheduler.

`install_cloud(state)` (called from `features.py`) loads the module named by the `cloud`
setting, installs `state.services.cloud` (this runtime) and `state.services.triggers` (the
seam the REST pipeline calls), stores declared schedules, starts the scheduler and registers
its shutdown on `state.services.on_close`. With `cloud=None` nothing is installed.

Other features fire their hooks through `run_hook(kind, target, data, ctx)`: files use target
`"@File"` and kinds `beforeSave`…`afterFind`; Live Query uses `beforeConnect` on
`"@Connect"`, `beforeSubscribe` / `afterLiveQueryEvent` on a class, `onLiveQueryEvent` on
`"@Global"`.
"""

from __future__ import annotations

import inspect
from typing import Any

from ..auth.identity import Auth
from ..errors import SCRIPT_FAILED, ParseError
from ..logevents import caller_for_log, log_event
from ..rest.context import RequestContext
from ..state import AppState
from .hooks import Cloud
from .jobs import JobRunner
from .loader import CloudCodeError, load_cloud
from .objects import encode_result
from .pipeline import CloudTriggers
from .requests import FunctionRequest, HookRequest, JobRequest, user_object
from .runner import SKIPPED, invoke
from .scheduler import Scheduler


class CloudRuntime:
    def __init__(self, state: AppState, cloud: Cloud) -> None:
        self.state = state
        self.cloud = cloud
        self.triggers = CloudTriggers(self)
        self.jobs = JobRunner(self)
        self.scheduler = Scheduler(self)

    def system_auth(self) -> Auth:
        return Auth(is_master=True, installation_id="cloud")

    def system_context(self) -> RequestContext:
        return RequestContext(self.state, self.system_auth())

    async def run_function(self, ctx: RequestContext, name: str, params: dict[str, Any]) -> Any:
        """Run a cloud function; returns its result encoded as Parse sends it."""
        hook = self.cloud.functions.get(name)
        if hook is None:
            raise ParseError(SCRIPT_FAILED, f'Invalid function: "{name}"')
        request = FunctionRequest(ctx=ctx, user=user_object(ctx), function_name=name, params=params)
        levels, caller = ctx.state.settings.logLevels, caller_for_log(ctx.auth.user_id)
        try:
            result = await invoke(hook, request, fallback_code=SCRIPT_FAILED, timeout=self.cloud.timeout)
        except ParseError as exc:
            log_event(levels, "cloudFunctionError", "Failed running cloud function %s for user %s: code %s",
                      name, caller, exc.code)
            raise
        log_event(levels, "cloudFunctionSuccess", "Ran cloud function %s for user %s", name, caller)
        return None if result is SKIPPED else encode_result(result)

    def has_hook(self, kind: str, target: str) -> bool:
        return self.cloud.has(kind, target)

    async def run_hook(self, kind: str, target: str, data: dict[str, Any], ctx: RequestContext | None = None) -> Any:
        """Fire a file / Live Query hook; `data` becomes request attributes. Returns the
        handler's value (None when no hook, or skipped)."""
        hook = self.cloud.hook(kind, target)
        if hook is None:
            return None
        ctx = ctx or self.system_context()
        request = HookRequest(ctx=ctx, user=user_object(ctx), trigger_name=kind, data=data)
        # Parse reports a failing file or Live Query hook as 141 (SCRIPT_FAILED)
        result = await invoke(hook, request, fallback_code=SCRIPT_FAILED, timeout=self.cloud.timeout)
        return None if result is SKIPPED else result

    async def boot(self) -> None:
        """The cloud code's `on_boot` handlers, as master (called once the schema file is loaded)."""
        for handler in self.cloud.boot_hooks:
            request = JobRequest(ctx=self.system_context(), job_name="boot")
            outcome = handler(request)
            if inspect.isawaitable(outcome):
                await outcome

    async def start(self) -> None:
        if self.cloud.schedules:
            await self.scheduler.declare()
        self.scheduler.start()

    async def close(self) -> None:
        await self.scheduler.close()
        await self.jobs.close()


SCHEDULE_KEYS = {"jobName": "job_name", "repeatMinutes": "repeat_minutes", "timeOfDay": "time_of_day",
                 "daysOfWeek": "days_of_week", "startAfter": "start_after", "params": "params",
                 "description": "description"}


def add_configured_schedules(cloud: Cloud, entries: Any) -> None:
    """Schedules declared in configuration (`jobSchedules`), for jobs the cloud code defines."""
    if not entries:
        return
    if not isinstance(entries, list):
        raise CloudCodeError("jobSchedules must be a JSON array of schedules")
    for entry in entries:
        if not isinstance(entry, dict) or set(entry) - set(SCHEDULE_KEYS) or "jobName" not in entry:
            raise CloudCodeError(f"jobSchedules: bad entry {entry!r}; keys: {', '.join(SCHEDULE_KEYS)}")
        if entry["jobName"] not in cloud.jobs:
            raise CloudCodeError(f"jobSchedules: no job named {entry['jobName']!r} in cloud code")
        kwargs = {SCHEDULE_KEYS[key]: value for key, value in entry.items() if key != "jobName"}
        cloud.schedule(entry["jobName"], **kwargs)


def apply_option_defaults(state: AppState, defaults: dict[str, Any]) -> None:
    """The cloud code's `defaults(...)`: fill the options the operator left unset (None)."""
    for name, value in defaults.items():
        if not hasattr(state.settings, name):
            raise CloudCodeError(f"cloud.defaults: unknown option {name!r}")
        if getattr(state.settings, name) is None:
            setattr(state.settings, name, value)


def runtime_of(state: AppState) -> CloudRuntime | None:
    return state.services.cloud


async def install_cloud(state: AppState, cloud: Cloud | None = None) -> CloudRuntime | None:
    """Load the app's cloud code (or use `cloud`, already filled) and wire it into the app."""
    if cloud is None:
        cloud = Cloud()
        if not await load_cloud(state.settings.cloud, cloud):
            return None
    add_configured_schedules(cloud, state.settings.jobSchedules)
    apply_option_defaults(state, cloud.option_defaults)
    runtime = CloudRuntime(state, cloud)
    state.services.cloud = runtime
    state.services.triggers = runtime.triggers
    state.services.on_close.append(runtime.close)
    await runtime.start()
    return runtime
