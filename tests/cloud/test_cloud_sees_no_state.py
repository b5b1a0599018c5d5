"""Cloud code gets the caller's facts and the SDK, never the app state or storage: from a request
object no public attribute leads to `AppState`, its services (`server_writes`), the request
context, the schema registry or the storage adapter — so cloud code cannot write around the
pipeline. (Found while finishing issue 10: `request.ctx.state.services.server_writes` was one
attribute away.)"""

from __future__ import annotations

from typing import Any

import pytest

from parse_compat.auth.identity import MASTER, Auth
from parse_compat.cloud import FunctionRequest, JobRequest, ParseError, ParseObject, TriggerRequest
from parse_compat.cloud.requests import FindRequest, HookRequest
from parse_compat.rest.context import RequestContext
from parse_compat.rest.write.server_owned import ServerOwnedWrites
from parse_compat.rest.write.store import StorageWrites
from parse_compat.schema.registry import SchemaRegistry
from parse_compat.state import AppState, Services
from tests.cloud.conftest import Running

FORBIDDEN = (AppState, Services, RequestContext, SchemaRegistry, StorageWrites, ServerOwnedWrites)


def leaks(root: Any, state: AppState, depth: int = 4) -> list[str]:
    """Paths of public attributes (properties evaluated, methods not called) reaching server internals."""
    found: list[str] = []
    seen: set[int] = set()

    def walk(value: Any, path: str, left: int) -> None:
        if isinstance(value, FORBIDDEN) or value is state.storage:
            found.append(path)
            return
        if left == 0 or id(value) in seen or isinstance(value, str | bytes | int | float | bool | type(None)):
            return
        seen.add(id(value))
        if isinstance(value, dict):
            for key, item in value.items():
                walk(item, f"{path}[{key!r}]", left - 1)
            return
        if isinstance(value, list | tuple):
            for index, item in enumerate(value):
                walk(item, f"{path}[{index}]", left - 1)
            return
        for name in dir(value):
            if name.startswith("_"):
                continue
            try:
                item = getattr(value, name)
            except (AttributeError, ParseError):
                continue
            if callable(item) and not isinstance(item, FORBIDDEN):
                continue
            walk(item, f"{path}.{name}", left - 1)

    walk(root, "request", depth)
    return found


def requests_of(state: AppState) -> list[Any]:
    user = {"objectId": "u1", "username": "u"}
    caller = RequestContext(state, Auth(user=user))
    master = RequestContext(state, MASTER)
    return [
        FunctionRequest(ctx=caller, user=ParseObject("_User", user), function_name="f", params={"a": 1}),
        TriggerRequest(ctx=caller, trigger_name="beforeSave", object=ParseObject("Thing", {"objectId": "t"})),
        FindRequest(ctx=caller, trigger_name="beforeFind"),
        JobRequest(ctx=master, job_name="j", job_id="1"),
        HookRequest(ctx=caller, trigger_name="beforeSave", data={"file": {"name": "x"}}),
    ]


async def test_no_public_path_from_a_cloud_request_to_the_app_state(running: Running) -> None:
    state = running.state
    for request in requests_of(state):
        assert not hasattr(request, "ctx") and not hasattr(request, "state")
        assert not hasattr(request.sdk, "ctx") and not hasattr(request.sdk.as_master(), "ctx")
        assert leaks(request, state) == [], type(request).__name__
        assert leaks(request.sdk.as_master(), state) == []
        assert leaks(request.sdk.query("Thing"), state) == []


async def test_the_scan_sees_a_leak(running: Running) -> None:
    class Leaky:
        def __init__(self, state: AppState) -> None:
            self.inner = {"writes": [state.services.server_writes]}

    assert leaks(Leaky(running.state), running.state) == ["request.inner['writes'][0]"]


async def test_what_the_template_needed_the_state_for_is_on_the_sdk_and_checks_the_caller(running: Running) -> None:
    state = running.state
    caller = FunctionRequest(ctx=RequestContext(state, Auth(user={"objectId": "u1"})), function_name="f")
    with pytest.raises(ParseError) as refused:
        await caller.sdk.issue_invite("u1")
    assert refused.value.code == 119
    with pytest.raises(ParseError):
        await caller.sdk.read_file("anything.txt")
    read_only = FunctionRequest(ctx=RequestContext(state, Auth(is_master=True, is_read_only=True)), function_name="f")
    with pytest.raises(ParseError) as refused:
        await read_only.sdk.as_master().revoke_invite("u1")
    assert refused.value.code == 119
    master = FunctionRequest(ctx=RequestContext(state, MASTER), function_name="f").sdk
    assert await master.config() == {}
    async with master.transaction():
        made = await master.create("Thing", {"n": 1})
    assert (await master.get("Thing", made.id or "")).get("n") == 1
