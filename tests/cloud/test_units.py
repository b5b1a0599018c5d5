"""Pure units: ParseObject semantics, validators against request objects, the runner's error
mapping and timeout, and the scheduler's due rule."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from parse_compat.auth.identity import Auth
from parse_compat.cloud import FunctionRequest, ParseError, ParseObject, TriggerRequest
from parse_compat.cloud.hooks import Hook
from parse_compat.cloud.objects import encode_result
from parse_compat.cloud.runner import SKIPPED, invoke
from parse_compat.cloud.scheduler import is_due
from parse_compat.cloud.validators import make_validator, validate
from parse_compat.rest.context import RequestContext
from parse_compat.settings import Settings
from parse_compat.state import Services


def test_parse_object_merges_pending_changes() -> None:
    obj = ParseObject("Thing", {"objectId": "abc", "n": 1, "tags": ["a"], "gone": 1},
                      changes={"n": {"__op": "Increment", "amount": 2}, "gone": {"__op": "Delete"}})
    assert obj.id == "abc" and obj.existed()
    assert obj.get("n") == 3 and obj.get("gone") is None and obj.get("tags") == ["a"]
    obj.add_unique("tags", "a", "b").set("when", datetime(2030, 1, 2, tzinfo=UTC))
    assert obj.get("tags") == ["a", "b"]
    assert obj.changes()["when"] == {"__type": "Date", "iso": "2030-01-02T00:00:00.000Z"}
    assert obj.get_date("when") == datetime(2030, 1, 2, tzinfo=UTC)
    assert obj.dirty("n") and not obj.dirty("tags2") and set(obj.dirty_keys()) == {"n", "gone", "tags", "when"}
    obj.revert("n")
    assert obj.get("n") == 1 and "gone" not in obj.to_json()
    obj.increment("k").increment("k", 2)
    assert obj.changes()["k"] == {"__op": "Increment", "amount": 3}
    with pytest.raises(ValueError):
        obj.set("objectId", "x")
    assert ParseObject("Patient", {"objectId": "p1"}).pointer() == {"__type": "Pointer", "className": "Patient",
                                                                    "objectId": "p1"}


def test_function_results_are_encoded_like_parse() -> None:
    obj = ParseObject("Thing", {"objectId": "abc", "name": "x"})
    assert encode_result({"o": obj, "d": datetime(2020, 1, 1, tzinfo=UTC), "l": [1]}) == {
        "o": {"objectId": "abc", "name": "x", "__type": "Object", "className": "Thing"},
        "d": {"__type": "Date", "iso": "2020-01-01T00:00:00.000Z"}, "l": [1]}


class FakeState:
    def __init__(self) -> None:
        self.settings = Settings(appId="a", masterKey="m", dataDir=str(Path("/tmp")))
        self.services = Services()


def ctx(*, master: bool = False, user: dict[str, Any] | None = None, roles: list[str] | None = None) -> RequestContext:
    auth = Auth(is_master=master, user=user, roles=roles)
    return RequestContext(FakeState(), auth)  # type: ignore[arg-type]


def function_request(params: dict[str, Any], **kw: Any) -> FunctionRequest:
    context = ctx(**kw)
    user = ParseObject("_User", context.auth.user) if context.auth.user else None
    return FunctionRequest(ctx=context, user=user, function_name="f", params=params)


async def expect_failure(validator: Any, request: Any, message: str) -> None:
    with pytest.raises(ParseError) as caught:
        await validate(make_validator(validator), request)
    assert caught.value.code == 142 and caught.value.message == message


async def test_validators_user_master_and_roles() -> None:
    anonymous = function_request({})
    await expect_failure({"requireUser": True}, anonymous, "Validation failed. Please login to continue.")
    await expect_failure({"require_master": True}, anonymous,
                         "Validation failed. Master key is required to complete this request.")
    staff = function_request({}, user={"objectId": "u1", "username": "s", "team": ""}, roles=["*", "u1", "role:staff"])
    await expect_failure({"require_any_user_roles": ["administrator"]}, staff,
                         "Validation failed. User does not match the required roles.")
    assert await validate(make_validator(None, require_any_user_roles=["staff", "administrator"]), staff)
    await expect_failure({"require_all_user_roles": ["staff", "administrator"]}, staff,
                         "Validation failed. User does not match all the required roles.")
    await expect_failure({"require_user_keys": ["team"]}, staff,
                         "Validation failed. Please set data for team on your account.")
    await expect_failure({"require_user_keys": {"username": {"options": ["x"]}}}, staff,
                         "Validation failed. Invalid option for username. Expected: x")


async def test_master_skips_validation_unless_asked() -> None:
    master = function_request({}, master=True)
    assert await validate(make_validator({"requireUser": True}), master) is True
    await expect_failure({"requireUser": True, "validateMasterKey": True}, master,
                         "Validation failed. Please login to continue.")
    assert await validate(make_validator({"skipWithMasterKey": True}), master) is False


async def test_field_rules_on_objects_default_constant_options_function() -> None:
    created = TriggerRequest(ctx=ctx(user={"objectId": "u"}), object=ParseObject("Plan", changes={"x": 1}))
    rules = {"status": {"default": "planned", "options": ["planned", "done"]}, "locked": {"constant": True,
                                                                                         "default": False}}
    await validate(make_validator(None, fields=rules), created)
    assert created.object.get("status") == "planned" and created.object.get("locked") is False
    original = ParseObject("Plan", {"objectId": "p", "locked": False, "status": "planned"})
    updated = TriggerRequest(ctx=ctx(user={"objectId": "u"}), original=original,
                             object=ParseObject("Plan", {"objectId": "p", "locked": False, "status": "planned"},
                                                changes={"locked": True}))
    await validate(make_validator(None, fields=rules), updated)
    assert updated.object.get("locked") is False and not updated.object.dirty("locked")  # constant reverted
    odd = TriggerRequest(ctx=ctx(user={"objectId": "u"}), object=ParseObject("Plan", changes={"n": 3}))
    await expect_failure({"fields": {"n": {"options": lambda v: v % 2 == 0, "error": "n must be even"}}}, odd,
                         "n must be even")
    await expect_failure({"fields": {"n": {"type": "String"}}}, odd,
                         "Validation failed. Invalid type for n. Expected: string")
    await expect_failure({"fields": ["missing"]}, odd, "Validation failed. Please specify data for missing.")
    await expect_failure(lambda request: False, odd, "Validation failed.")


async def test_runner_maps_errors_and_cuts_off_hangs() -> None:
    request = function_request({})

    async def parse_error(r: Any) -> None:
        raise ParseError(555, "kept")

    def value_error(r: Any) -> None:
        raise ValueError("plain")

    async def hang(r: Any) -> None:
        await asyncio.sleep(10)

    with pytest.raises(ParseError) as caught:
        await invoke(Hook("f", parse_error), request, fallback_code=141, timeout=1)
    assert (caught.value.code, caught.value.message) == (555, "kept")
    with pytest.raises(ParseError) as caught:
        await invoke(Hook("f", value_error), request, fallback_code=142, timeout=1)
    assert (caught.value.code, caught.value.message) == (142, "plain")
    with pytest.raises(ParseError) as caught:
        await invoke(Hook("f", hang), request, fallback_code=141, timeout=0.05)
    assert caught.value.code == 124
    skipped = Hook("f", hang, make_validator({"skipWithMasterKey": True}))
    assert await invoke(skipped, function_request({}, master=True), fallback_code=141, timeout=0.05) is SKIPPED


def ms(text: str) -> int:
    return int(datetime.fromisoformat(text).timestamp() * 1000)


def test_schedule_due_rules() -> None:
    now = datetime(2030, 6, 5, 12, 0, tzinfo=UTC)  # a Wednesday
    assert is_due({"jobName": "j"}, now)  # one-off, never run
    assert not is_due({"jobName": "j", "lastRun": ms("2030-06-05T11:00:00+00:00")}, now)
    assert not is_due({"startAfter": "2030-06-06T00:00:00.000Z"}, now)
    assert is_due({"repeatMinutes": 15, "lastRun": ms("2030-06-05T11:45:00+00:00")}, now)
    assert not is_due({"repeatMinutes": 15, "lastRun": ms("2030-06-05T11:50:00+00:00")}, now)
    assert is_due({"timeOfDay": "11:30", "lastRun": ms("2030-06-04T11:30:00+00:00")}, now)
    assert not is_due({"timeOfDay": "11:30", "lastRun": ms("2030-06-05T11:30:00+00:00")}, now)
    assert not is_due({"timeOfDay": "12:30:00.000Z", "lastRun": ms("2030-06-04T12:30:00+00:00")}, now)
    # Wednesday = 3: a Monday-only daily job last ran on Monday the 3rd
    assert not is_due({"timeOfDay": "08:00", "daysOfWeek": [1], "lastRun": ms("2030-06-03T08:00:00+00:00")}, now)
    assert is_due({"timeOfDay": "08:00", "daysOfWeek": [3], "lastRun": ms("2030-06-03T08:00:00+00:00")}, now)
    assert not is_due({"timeOfDay": "nonsense"}, now)


def test_schedule_time_of_day_with_repeat_minutes_and_day_flags() -> None:
    now = datetime(2030, 6, 5, 12, 10, tzinfo=UTC)  # a Wednesday
    # Dashboard's "each day, every 60 minutes, after 09:30": slots 09:30, 10:30, 11:30 today
    hourly = {"timeOfDay": "09:30:00.000Z", "repeatMinutes": 60}
    assert is_due({**hourly, "lastRun": ms("2030-06-05T10:30:00+00:00")}, now)
    assert not is_due({**hourly, "lastRun": ms("2030-06-05T11:30:00+00:00")}, now)
    assert not is_due({**hourly, "lastRun": ms("2030-06-05T11:30:00+00:00")},
                      datetime(2030, 6, 5, 12, 29, tzinfo=UTC))
    # "every day after 14:00" (1440 minutes) has not come yet today; yesterday's run counts
    daily = {"timeOfDay": "14:00:00.000Z", "repeatMinutes": 1440}
    assert not is_due({**daily, "lastRun": ms("2030-06-04T14:00:00+00:00")}, now)
    assert is_due({**daily, "lastRun": ms("2030-06-03T14:00:00+00:00")}, now)
    # never before startAfter, and not for a slot earlier than startAfter
    assert not is_due({**hourly, "startAfter": "2030-06-05T11:45:00.000Z"}, now)
    assert is_due({**hourly, "startAfter": "2030-06-05T11:15:00.000Z"}, now)
    # Parse's seven flags, Sunday first: Wednesday is index 3
    flags = [0, 0, 0, 1, 0, 0, 0]
    assert is_due({"timeOfDay": "08:00", "daysOfWeek": flags, "lastRun": ms("2030-05-29T08:00:00+00:00")}, now)
    off_today = [1, 1, 1, 0, 1, 1, 1]
    assert not is_due({"timeOfDay": "08:00", "daysOfWeek": off_today, "lastRun": ms("2030-06-04T08:00:00+00:00")},
                      now)
    assert is_due({"timeOfDay": "08:00", "daysOfWeek": [1, 1, 1, 1, 1, 1, 1],
                   "lastRun": ms("2030-06-04T08:00:00+00:00")}, now)
    assert not is_due({"timeOfDay": "08:00", "daysOfWeek": [0] * 7}, now)
    assert not is_due({"timeOfDay": "25:00"}, now)
