"""Cloud code used by the tests (`--cloud tests.cloud.fixtures_module`): one hook of each kind.

Hooks record what they saw in a `HookLog` class (through the master SDK), never in module
state, so two apps loading this module stay independent.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

from parse_compat.cloud import (
    Cloud,
    FindRequest,
    FunctionRequest,
    JobRequest,
    ParseError,
    ParseObject,
    TriggerRequest,
)


async def log_event(request: Any, event: str, **extra: Any) -> None:
    await request.sdk.as_master().create("HookLog", {"event": event, **extra})


def register(cloud: Cloud) -> None:
    # --- functions -------------------------------------------------------------------------
    @cloud.define("hello")
    async def hello(request: FunctionRequest) -> str:
        who = request.user.get("username") if request.user else "anonymous"
        return f"Hello {request.params.get('name', who)}"

    @cloud.define("echo")
    def echo(request: FunctionRequest) -> dict[str, Any]:  # a sync handler
        return {"params": request.params, "master": request.master, "installationId": request.installation_id,
                "context": request.context, "hasUser": request.user is not None}

    @cloud.define("makeThing")
    async def make_thing(request: FunctionRequest) -> ParseObject:
        return await request.sdk.create("Thing", {"name": request.params.get("name", "made"), "n": 1})

    @cloud.define("countThings")
    async def count_things(request: FunctionRequest) -> dict[str, int]:
        mine = await request.sdk.query("Thing").count()
        every = await request.sdk.as_master().query("Thing").count()
        return {"visible": mine, "all": every}

    @cloud.define("customError")
    async def custom_error(request: FunctionRequest) -> None:
        raise ParseError(1234, "custom failure")

    @cloud.define("crash")
    async def crash(request: FunctionRequest) -> None:
        raise ValueError("something broke")

    @cloud.define("slow", timeout=0.3)
    async def slow(request: FunctionRequest) -> str:
        await asyncio.sleep(30)
        return "never"

    @cloud.define("slowSync", timeout=0.3)
    def slow_sync(request: FunctionRequest) -> str:
        time.sleep(1.5)
        return "never"

    @cloud.define("nothing")
    async def nothing(request: FunctionRequest) -> None:
        return None

    @cloud.define("needsUser", require_user=True)
    async def needs_user(request: FunctionRequest) -> str:
        return "ok"

    @cloud.define("needsMaster", require_master=True)
    async def needs_master(request: FunctionRequest) -> str:
        return "ok"

    @cloud.define("typed", fields={"amount": {"type": int, "required": True},
                                   "kind": {"options": ["a", "b"], "default": "a"}})
    async def typed(request: FunctionRequest) -> dict[str, Any]:
        return dict(request.params)

    @cloud.define("callHello")
    async def call_hello(request: FunctionRequest) -> Any:
        return await request.sdk.run("hello", {"name": "nested"})

    # --- jobs ------------------------------------------------------------------------------
    @cloud.job("okJob")
    async def ok_job(request: JobRequest) -> str:
        await request.message("halfway")
        await log_event(request, "okJob", value=request.params.get("value"))
        return f"done {request.params.get('value')}"

    @cloud.job("failJob")
    async def fail_job(request: JobRequest) -> None:
        await request.message("about to fail")
        raise RuntimeError("job exploded")

    @cloud.job("slowJob")
    async def slow_job(request: JobRequest) -> str:
        await asyncio.sleep(float(request.params.get("seconds", 0.3)))
        await log_event(request, "slowJob")
        return "slept"

    # --- triggers on Thing ------------------------------------------------------------------
    @cloud.before_save("Thing")
    async def before_save_thing(request: TriggerRequest) -> None:
        obj = request.object
        if obj.get("name") == "forbidden":
            raise ParseError(9001, "forbidden name")
        if obj.get("name") == "boom":
            raise RuntimeError("before save exploded")
        if obj.get("name") == "hang":
            await asyncio.sleep(30)
        if obj.dirty("name") and isinstance(obj.get("name"), str):
            obj.set("upper", obj.get("name").upper())
        if request.original is not None and obj.dirty("n"):
            obj.set("previousN", request.original.get("n"))
        request.context["seen_by_before"] = True

    @cloud.after_save("Thing")
    async def after_save_thing(request: TriggerRequest) -> Any:
        await log_event(request, "afterSave", thingId=request.object.id,
                        isUpdate=request.original is not None, context=dict(request.context))
        if request.object.get("name") == "replace":
            return {"replaced": True}
        if request.object.get("name") == "afterboom":
            raise RuntimeError("after save exploded")
        return None

    @cloud.before_delete("Thing")
    async def before_delete_thing(request: TriggerRequest) -> None:
        if request.object.get("locked"):
            raise ParseError(119, "this thing is locked")

    @cloud.after_delete("Thing")
    async def after_delete_thing(request: TriggerRequest) -> None:
        await log_event(request, "afterDelete", thingId=request.object.id)

    @cloud.before_find("Thing")
    async def before_find_thing(request: FindRequest) -> None:
        assert request.query is not None
        request.query.not_equal_to("hidden", True)

    @cloud.after_find("Thing")
    async def after_find_thing(request: FindRequest) -> list[ParseObject]:
        for obj in request.objects:
            obj.set("decorated", True)
        return request.objects

    # the hook-level timeout cuts a hanging trigger
    cloud.before_save("Slow", timeout=0.3)(before_save_thing)

    # --- users ---------------------------------------------------------------------------------
    @cloud.before_login
    async def before_login(request: TriggerRequest) -> None:
        if request.object.get("username") == "banned":
            raise ParseError(101, "this account is banned")

    @cloud.after_login()
    async def after_login(request: TriggerRequest) -> None:
        await log_event(request, "afterLogin", username=request.user.get("username") if request.user else None)

    @cloud.after_logout
    async def after_logout(request: TriggerRequest) -> None:
        await log_event(request, "afterLogout", user=request.object.get("user"))

    @cloud.before_password_reset_request
    async def before_password_reset_request(request: TriggerRequest) -> None:
        if request.object.get("username") == "banned":
            raise ParseError(205, "User is banned.")
        await log_event(request, "beforePasswordResetRequest", username=request.object.get("username"))
