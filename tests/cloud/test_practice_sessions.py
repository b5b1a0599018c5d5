"""Issue 12, secure session defaults of the dental template: a working-day session length, a
30-minute idle timeout, account lockout after 5 failures, and a password policy (12+ characters,
not the username, not a common password). Options the operator sets win."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from parse_compat.codec.dates import date_value, parse_iso
from parse_compat.errors import ParseError
from parse_compat.storage.base import FindOptions

from .conftest import Client, Running
from .dental_support import PASSWORD, member, practice

LOCKED = "Your account is locked due to multiple failed login attempts. Please try again after 15 minute(s)"


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return {"cloud": "cloud_code"}


async def session_doc(running: Running, token: str) -> dict[str, Any]:
    schema = running.state.schemas.get("_Session")
    assert schema is not None
    return (await running.state.storage.find(schema, {"sessionToken": token}, FindOptions(limit=1)))[0]


async def set_last_used(running: Running, token: str, ago: timedelta) -> None:
    schema = running.state.schemas.get("_Session")
    await running.state.storage.update(schema, {"sessionToken": token},
                                       {"_last_used_at": date_value(datetime.now(UTC) - ago)})


async def test_sessions_last_a_working_day(running: Running) -> None:
    settings = running.state.settings
    assert (settings.allowPublicSignup, settings.sessionLength, settings.sessionIdleTimeout) == (False, 28800, 1800)
    staff = await member(running.client, "ana")
    expires = parse_iso((await session_doc(running, staff.token))["expiresAt"]["iso"])
    assert abs((expires - datetime.now(UTC)) - timedelta(hours=8)) < timedelta(minutes=1)


async def test_an_idle_session_ends_and_a_used_one_stays(running: Running) -> None:
    api = running.client
    idle = await member(api, "idle")
    busy = await api.post("/login", {"username": "idle", "password": PASSWORD})
    await set_last_used(running, idle.token, timedelta(minutes=31))
    await set_last_used(running, busy.body["sessionToken"], timedelta(minutes=29))
    ended = await api.get("/users/me", session_token=idle.token)
    assert ended.body == {"code": 209, "error": "Session token is expired."}
    assert (await api.get("/users/me", session_token=idle.token)).body["code"] == 209  # and it is gone
    alive = await api.get("/users/me", session_token=busy.body["sessionToken"])
    assert alive.status == 200
    touched = parse_iso((await session_doc(running, busy.body["sessionToken"]))["_last_used_at"]["iso"])
    assert datetime.now(UTC) - touched < timedelta(minutes=1)  # the request counted as activity


async def test_five_failed_logins_lock_the_account(api: Client) -> None:
    await member(api, "guessme")
    for _ in range(4):
        assert (await api.post("/login", {"username": "guessme", "password": "wrong-guess-123"})).body == {
            "code": 101, "error": "Invalid username/password."}
    fifth = await api.post("/login", {"username": "guessme", "password": "wrong-guess-123"})
    assert fifth.body == {"code": 101, "error": LOCKED}
    right = await api.post("/login", {"username": "guessme", "password": PASSWORD})
    assert right.body == {"code": 101, "error": LOCKED}


async def test_the_password_policy(api: Client) -> None:
    clinic = await practice(api)

    async def create(username: str, password: str) -> Any:
        return await clinic.as_(clinic.admin, "POST", "/functions/createStaff",
                                {"username": username, "email": f"{username}@clinic.example", "password": password})

    short = await create("kim", "elevenchars")
    assert short.body["code"] == 142 and "12 characters" in short.body["error"]
    named = await create("kimberley", "kimberley-is-here")
    assert named.body == {"code": 142, "error": "Password cannot contain your username."}
    for common in ("password1234", "Password1234", "dentalclinic"):
        refused = await create("kim", common)
        assert refused.body["code"] == 142 and "common password" in refused.body["error"], common
    assert (await create("kim", "plum-orchard-lantern")).status == 200
    change = await clinic.as_(clinic.staff1, "PUT", f"/users/{clinic.staff1.id}", {"password": "qwerty123456"})
    assert change.body["code"] == 142


@pytest.mark.parametrize("settings_overrides", [{"cloud": "cloud_code", "sessionLength": 3600,
                                                 "sessionIdleTimeout": 0, "passwordPolicy": {}}])
async def test_options_the_operator_sets_win(running: Running) -> None:
    settings = running.state.settings
    assert (settings.sessionLength, settings.sessionIdleTimeout, settings.passwordPolicy) == (3600, 0, {})
    staff = await member(running.client, "opal", password="short")
    expires = parse_iso((await session_doc(running, staff.token))["expiresAt"]["iso"])
    assert abs((expires - datetime.now(UTC)) - timedelta(hours=1)) < timedelta(minutes=1)
    await set_last_used(running, staff.token, timedelta(days=1))
    assert (await running.client.get("/users/me", session_token=staff.token)).status == 200


async def test_a_live_query_recheck_is_not_activity(running: Running) -> None:
    staff = await member(running.client, "watcher")
    store = running.state.services.sessions
    await set_last_used(running, staff.token, timedelta(minutes=10))
    before = (await session_doc(running, staff.token))["_last_used_at"]
    await store.user_for_token(staff.token, touch=False)  # what the Live Query session watch does
    assert (await session_doc(running, staff.token))["_last_used_at"] == before
    store.clear()
    await set_last_used(running, staff.token, timedelta(minutes=31))
    with pytest.raises(ParseError) as ended:
        await store.user_for_token(staff.token, touch=False)
    assert ended.value.code == 209
