"""`Cloud`: the hook table of one app, and the registration API cloud code calls.

Each app builds its own `Cloud` and hands it to the user's `register(cloud)`; nothing is
module-level, so two apps in one process never share hooks. Every registration method works
as a decorator (`@cloud.before_save("Patient")`) or as a call (`cloud.define("f", handler)`),
and takes validator options as keywords (`require_user=True`, `fields={...}`) or as
`validator=` (a `Validator`, Parse's camelCase dict, or a function), plus `timeout=` seconds.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .validators import Validator, make_validator

Handler = Callable[..., Any]

CLASS_ALIASES = {"User": "_User", "Role": "_Role", "Session": "_Session", "Installation": "_Installation"}
FILE = "@File"
CONFIG = "@Config"
CONNECT = "@Connect"
GLOBAL = "@Global"
OBJECT_TRIGGERS = ("beforeSave", "afterSave", "beforeDelete", "afterDelete", "beforeFind", "afterFind")
NO_TRIGGER_CLASSES = ("_PushStatus", "_JobStatus", "_JobSchedule", "_Idempotency")
KIND_ALIASES = {"afterEvent": "afterLiveQueryEvent"}  # the Live Query feature's short name


@dataclass
class Hook:
    name: str
    handler: Handler
    validator: Validator | None = None
    timeout: float | None = None


@dataclass
class ScheduleSpec:
    """A schedule declared in cloud code (stored as a `_JobSchedule` row at boot).

    `repeat_minutes`: run every N minutes. Otherwise `time_of_day` ("HH:MM" UTC) runs daily,
    on `days_of_week` (0 = Sunday … 6; stored as Parse's seven flags) when given; with both,
    every `repeat_minutes` from `time_of_day` each day. Neither: run once. Never before `start_after`.
    """

    job_name: str
    repeat_minutes: float | None = None
    time_of_day: str | None = None
    days_of_week: list[int] | None = None
    start_after: str | None = None
    params: dict[str, Any] = field(default_factory=dict)
    description: str = ""


def class_key(target: Any) -> str:
    name = target if isinstance(target, str) else getattr(target, "class_name", None) or getattr(target, "__name__", "")
    key = str(name)
    return CLASS_ALIASES.get(key, key)


class Cloud:
    """Functions, jobs, triggers and schedules of one app."""

    def __init__(self, *, timeout: float = 30.0, job_timeout: float | None = 3600.0,
                 scheduler_interval: float = 30.0) -> None:
        self.timeout = timeout  # seconds a function or trigger may run
        self.job_timeout = job_timeout  # seconds a job may run (None: no limit)
        self.scheduler_interval = scheduler_interval  # seconds between scheduler ticks
        self.functions: dict[str, Hook] = {}
        self.jobs: dict[str, Hook] = {}
        self.triggers: dict[tuple[str, str], Hook] = {}
        self.schedules: list[ScheduleSpec] = []
        self.option_defaults: dict[str, Any] = {}  # `defaults(...)`: options the app leaves unset
        self.boot_hooks: list[Handler] = []  # `on_boot(...)`: run once at startup, as master

    # --- generic -----------------------------------------------------------------------
    def _register(self, table: dict[Any, Hook], key: Any, name: str, handler: Handler | None,
                  validator: Any, timeout: float | None, options: dict[str, Any]) -> Any:
        checked = make_validator(validator, **options)

        def add(fn: Handler) -> Handler:
            if not callable(fn):
                raise TypeError(f"{name}: the handler must be callable")
            table[key] = Hook(name, fn, checked, timeout)
            return fn

        return add(handler) if handler is not None else add

    def trigger(self, kind: str, class_name: Any, handler: Handler | None = None, *, validator: Any = None,
                timeout: float | None = None, **options: Any) -> Any:
        """Register any trigger by Parse's name (`beforeSave`, `afterLiveQueryEvent`, …)."""
        target = class_key(class_name)
        kind = KIND_ALIASES.get(kind, kind)
        if target in NO_TRIGGER_CLASSES:
            raise ValueError(f"Triggers are not supported for the {target} class.")
        if target == "_Session" and kind != "afterLogout":
            raise ValueError("Only the afterLogout trigger is allowed for the _Session class.")
        if kind in ("beforeLogin", "afterLogin", "beforePasswordResetRequest") and target != "_User":
            raise ValueError(f"{kind} is only allowed on _User")
        return self._register(self.triggers, (kind, target), f"{kind} {target}", handler, validator,
                              timeout, options)

    def has(self, kind: str, class_name: str) -> bool:
        return (KIND_ALIASES.get(kind, kind), class_name) in self.triggers

    def hook(self, kind: str, class_name: str) -> Hook | None:
        return self.triggers.get((KIND_ALIASES.get(kind, kind), class_name))

    # --- functions and jobs ------------------------------------------------------------
    def define(self, name: str, handler: Handler | None = None, *, validator: Any = None,
               timeout: float | None = None, **options: Any) -> Any:
        """A cloud function, called with `POST /functions/<name>`; its return value is `result`."""
        return self._register(self.functions, name, name, handler, validator, timeout, options)

    def job(self, name: str, handler: Handler | None = None, *, timeout: float | None = None) -> Any:
        """A background job (`POST /jobs/<name>` with the master key, or a schedule)."""
        return self._register(self.jobs, name, name, handler, None, timeout, {})

    def schedule(self, job_name: str, *, repeat_minutes: float | None = None, time_of_day: str | None = None,
                 days_of_week: list[int] | None = None, start_after: str | None = None,
                 params: dict[str, Any] | None = None, description: str = "") -> ScheduleSpec:
        """Run a job on a schedule, in-process, once per due time across every server process."""
        spec = ScheduleSpec(job_name, repeat_minutes, time_of_day, days_of_week, start_after,
                            dict(params or {}), description or f"declared in cloud code: {job_name}")
        self.schedules.append(spec)
        return spec

    # --- app defaults and startup ----------------------------------------------------------
    def defaults(self, **options: Any) -> None:
        """Defaults for server options (Parse names) that this app's operator left unset; an
        option given on the command line, in the environment or the config file wins."""
        self.option_defaults.update(options)

    def on_boot(self, handler: Handler) -> Handler:
        """Run `handler(request)` once at startup, after the schema file is loaded and before
        the server answers requests; `request.sdk` is master. A failure stops startup."""
        if not callable(handler):
            raise TypeError("on_boot: the handler must be callable")
        self.boot_hooks.append(handler)
        return handler

    # --- object triggers ------------------------------------------------------------------
    def before_save(self, class_name: Any, handler: Handler | None = None, **kw: Any) -> Any:
        return self.trigger("beforeSave", class_name, handler, **kw)

    def after_save(self, class_name: Any, handler: Handler | None = None, **kw: Any) -> Any:
        return self.trigger("afterSave", class_name, handler, **kw)

    def before_delete(self, class_name: Any, handler: Handler | None = None, **kw: Any) -> Any:
        return self.trigger("beforeDelete", class_name, handler, **kw)

    def after_delete(self, class_name: Any, handler: Handler | None = None, **kw: Any) -> Any:
        return self.trigger("afterDelete", class_name, handler, **kw)

    def before_find(self, class_name: Any, handler: Handler | None = None, **kw: Any) -> Any:
        return self.trigger("beforeFind", class_name, handler, **kw)

    def after_find(self, class_name: Any, handler: Handler | None = None, **kw: Any) -> Any:
        return self.trigger("afterFind", class_name, handler, **kw)

    # --- users and sessions -----------------------------------------------------------------
    def before_login(self, handler: Handler | None = None, **kw: Any) -> Any:
        return self.trigger("beforeLogin", "_User", handler, **kw)

    def after_login(self, handler: Handler | None = None, **kw: Any) -> Any:
        return self.trigger("afterLogin", "_User", handler, **kw)

    def after_logout(self, handler: Handler | None = None, **kw: Any) -> Any:
        return self.trigger("afterLogout", "_Session", handler, **kw)

    def before_password_reset_request(self, handler: Handler | None = None, **kw: Any) -> Any:
        """Parse 8.5+: runs once `/requestPasswordReset` has found the account (`request.object`),
        before a reset mail is queued; raising refuses the request with the error."""
        return self.trigger("beforePasswordResetRequest", "_User", handler, **kw)

    # --- files, config and Live Query (fired by those features via CloudRuntime.run_hook) ----
    def before_save_file(self, handler: Handler | None = None, **kw: Any) -> Any:
        return self.trigger("beforeSave", FILE, handler, **kw)

    def after_save_file(self, handler: Handler | None = None, **kw: Any) -> Any:
        return self.trigger("afterSave", FILE, handler, **kw)

    def before_delete_file(self, handler: Handler | None = None, **kw: Any) -> Any:
        return self.trigger("beforeDelete", FILE, handler, **kw)

    def after_delete_file(self, handler: Handler | None = None, **kw: Any) -> Any:
        return self.trigger("afterDelete", FILE, handler, **kw)

    def before_find_file(self, handler: Handler | None = None, **kw: Any) -> Any:
        return self.trigger("beforeFind", FILE, handler, **kw)

    def after_find_file(self, handler: Handler | None = None, **kw: Any) -> Any:
        return self.trigger("afterFind", FILE, handler, **kw)

    def before_connect(self, handler: Handler | None = None, **kw: Any) -> Any:
        return self.trigger("beforeConnect", CONNECT, handler, **kw)

    def before_subscribe(self, class_name: Any, handler: Handler | None = None, **kw: Any) -> Any:
        return self.trigger("beforeSubscribe", class_name, handler, **kw)

    def after_event(self, class_name: Any, handler: Handler | None = None, **kw: Any) -> Any:
        """Parse's `afterLiveQueryEvent`."""
        return self.trigger("afterLiveQueryEvent", class_name, handler, **kw)

    def on_live_query_event(self, handler: Handler | None = None, **kw: Any) -> Any:
        return self.trigger("onLiveQueryEvent", GLOBAL, handler, **kw)
