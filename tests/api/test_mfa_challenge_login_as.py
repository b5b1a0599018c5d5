"""MFA (TOTP) as Parse 9's `mfa` adapter, a custom "additional" adapter with POST /challenge, and
POST /loginAs (master-key impersonation) — issue 14."""

from __future__ import annotations

import time
from typing import Any

import pyotp
import pytest

from .conftest import Client

pytestmark = [pytest.mark.asyncio, pytest.mark.settings(
    schema=None, readOnlyMasterKey="read-only-key",
    auth={"mfa": {"enabled": True, "options": ["TOTP"]},
          "otp": {"module": "tests.auth_fakes.custom_otp", "code": "424242"}})]


async def signup(api: Client, name: str) -> tuple[str, str]:
    reply = await api.post("/users", {"username": name, "password": f"pw-{name}-123"})
    assert reply.status == 201, reply.body
    return reply.body["objectId"], reply.body["sessionToken"]


def wrong_code(totp: pyotp.TOTP) -> str:
    now = time.time()
    valid = {totp.at(now + offset) for offset in (-60, -30, 0, 30, 60)}
    return next(code for code in ("000000", "111111", "222222", "333333") if code not in valid)


async def enable_mfa(api: Client, user_id: str, token: str) -> tuple[pyotp.TOTP, list[str]]:
    secret = pyotp.random_base32()
    totp = pyotp.TOTP(secret)
    reply = await api.put(f"/users/{user_id}", {"authData": {"mfa": {"secret": secret, "token": totp.now()}}},
                          session_token=token)
    assert reply.status == 200, reply.body
    recovery = reply.body["authDataResponse"]["mfa"]["recovery"].split(", ")
    assert len(recovery) == 2 and all(len(code) == 30 for code in recovery)
    return totp, recovery


async def test_mfa_setup_hides_the_secret_and_guards_every_login(api: Client) -> None:
    user_id, token = await signup(api, "ann")
    totp, recovery = await enable_mfa(api, user_id, token)
    me = await api.get("/users/me", session_token=token)
    assert me.body["authData"] == {"mfa": {"status": "enabled"}}
    assert (await api.get(f"/users/{user_id}", master=True)).body["authData"]["mfa"]["secret"] == totp.secret
    credentials = {"username": "ann", "password": "pw-ann-123"}
    missing = await api.post("/login", credentials)
    assert missing.status == 400 and missing.body == {"code": -1, "error": "Missing additional authData mfa"}
    wrong = await api.post("/login", {**credentials, "authData": {"mfa": {"token": wrong_code(totp)}}})
    assert wrong.status == 400 and wrong.body == {"code": 141, "error": "Invalid MFA token"}
    ok = await api.post("/login", {**credentials, "authData": {"mfa": {"token": totp.now()}}})
    assert ok.status == 200 and ok.body["sessionToken"], ok.body
    assert ok.body["authData"] == {"mfa": {"status": "enabled"}}
    # a recovery code works once
    first = await api.post("/login", {**credentials, "authData": {"mfa": {"token": recovery[0]}}})
    assert first.status == 200, first.body
    again = await api.post("/login", {**credentials, "authData": {"mfa": {"token": recovery[0]}}})
    assert again.body["code"] == 141
    second = await api.post("/login", {**credentials, "authData": {"mfa": {"token": recovery[1]}}})
    assert second.status == 200


async def test_mfa_setup_and_change_need_valid_codes(api: Client) -> None:
    user_id, token = await signup(api, "bo")
    secret = pyotp.random_base32()
    totp = pyotp.TOTP(secret)
    bad = await api.put(f"/users/{user_id}", {"authData": {"mfa": {"secret": secret, "token": wrong_code(totp)}}},
                        session_token=token)
    assert bad.body == {"code": 141, "error": "Invalid MFA token"}
    short = await api.put(f"/users/{user_id}", {"authData": {"mfa": {"secret": "ABC", "token": "123456"}}},
                          session_token=token)
    assert short.body == {"code": 141, "error": "Invalid MFA data"}
    assert "authData" not in (await api.get(f"/users/{user_id}", master=True)).body
    totp, _ = await enable_mfa(api, user_id, token)
    new_secret = pyotp.random_base32()
    new_totp = pyotp.TOTP(new_secret)
    without_old = await api.put(f"/users/{user_id}", {"authData": {"mfa": {"secret": new_secret,
                                                                           "token": new_totp.now()}}},
                                session_token=token)
    assert without_old.body["code"] == 141
    changed = await api.put(f"/users/{user_id}", {"authData": {"mfa": {"secret": new_secret, "token": new_totp.now(),
                                                                       "old": totp.now()}}}, session_token=token)
    assert changed.status == 200, changed.body
    stored = await api.get(f"/users/{user_id}", master=True)
    assert stored.body["authData"]["mfa"]["secret"] == new_secret
    # the master key may turn it off (a user who lost the device)
    off = await api.put(f"/users/{user_id}", {"authData": {"mfa": None}}, master=True)
    assert off.status == 200
    assert (await api.post("/login", {"username": "bo", "password": "pw-bo-123"})).status == 200


async def test_challenge_then_login_with_a_custom_additional_factor(api: Client) -> None:
    user_id, token = await signup(api, "cy")
    linked = await api.put(f"/users/{user_id}", {"authData": {"otp": {"phone": "+100"}}}, session_token=token)
    assert linked.status == 200 and linked.body["authDataResponse"] == {"otp": {"enabled": True}}, linked.body
    challenge = await api.post("/challenge", {"username": "cy", "password": "pw-cy-123", "challengeData": {"otp": {}}})
    assert challenge.status == 200, challenge.body
    assert challenge.body == {"challengeData": {"otp": {"sentTo": "cy", "hint": "check your phone"}}}
    bad_password = await api.post("/challenge", {"username": "cy", "password": "nope", "challengeData": {"otp": {}}})
    assert bad_password.body["code"] == 101
    nothing = await api.post("/challenge", {"username": "cy", "password": "pw-cy-123"})
    assert nothing.body == {"code": -1, "error": "Nothing to challenge."}
    credentials = {"username": "cy", "password": "pw-cy-123"}
    assert (await api.post("/login", credentials)).body["code"] == -1
    wrong = await api.post("/login", {**credentials, "authData": {"otp": {"code": "000000"}}})
    assert wrong.body == {"code": 141, "error": "Invalid code"}
    ok = await api.post("/login", {**credentials, "authData": {"otp": {"code": "424242"}}})
    assert ok.status == 200, ok.body


async def test_login_as_gives_a_masterkey_session(api: Client) -> None:
    user_id, _ = await signup(api, "dee")
    reply = await api.post("/loginAs", {"userId": user_id}, master=True)
    assert reply.status == 200, reply.body
    assert reply.body["objectId"] == user_id and reply.body["username"] == "dee"
    assert reply.body["sessionToken"].startswith("r:")
    session = await api.get("/sessions/me", session_token=reply.body["sessionToken"])
    assert session.body["createdWith"] == {"action": "login", "authProvider": "masterkey"}
    assert (await api.get("/users/me", session_token=reply.body["sessionToken"])).body["objectId"] == user_id


@pytest.mark.parametrize("how, body, status, code", [
    ("client", {"userId": "x"}, 400, 119),
    ("session", {"userId": "x"}, 400, 119),
    ("read-only", {"userId": "x"}, 400, 119),
    ("master", {}, 400, 162),
    ("master", {"userId": "nobody-here"}, 404, 101),
])
async def test_login_as_refusals(api: Client, how: str, body: dict[str, Any], status: int, code: int) -> None:
    user_id, token = await signup(api, "eve")
    body = {**body, "userId": user_id} if body.get("userId") == "x" else body
    kwargs: dict[str, Any] = {"master": how == "master"}
    if how == "session":
        kwargs["session_token"] = token
    if how == "read-only":
        kwargs["headers"] = {"X-Parse-Master-Key": "read-only-key"}
    reply = await api.post("/loginAs", body, **kwargs)
    assert reply.status == status and reply.body["code"] == code, reply.body
    sessions = await api.get("/sessions", master=True)
    assert len(sessions.body["results"]) == 1  # only eve's signup session
