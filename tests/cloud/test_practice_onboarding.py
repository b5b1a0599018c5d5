"""Issue 12, staff onboarding on the dental template: nobody signs up; administrators invite
staff (one-time, expiring, hashed link) or create them; removing a staff member ends their
sessions at once; the first administrator comes from `parse-compat admin create`."""

from __future__ import annotations

import asyncio
import io
import json
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from parse_compat.admin_cli import main as admin_main
from parse_compat.auth.invites import token_hash
from parse_compat.codec.dates import date_value
from parse_compat.storage.base import FindOptions

from .conftest import APP_ID, MASTER_KEY, Client, Outbox, Running, start
from .dental_support import PASSWORD, SIGNUP_OFF, Practice, member, practice


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return {"cloud": "cloud_code"}


async def user_count(api: Client) -> int:
    return int((await api.get("/users", master=True, params={"count": 1, "limit": 0})).body["count"])


async def stored_user(running: Running, user_id: str) -> dict[str, Any]:
    schema = running.state.schemas.get("_User")
    assert schema is not None
    return (await running.state.storage.find(schema, {"objectId": user_id}, FindOptions(limit=1)))[0]


async def test_a_stranger_cannot_sign_up_on_the_template(api: Client) -> None:
    before = await user_count(api)
    plain = await api.post("/users", {"username": "stranger", "password": PASSWORD, "email": "s@example.com"})
    assert plain.body == SIGNUP_OFF
    anonymous = await api.post("/users", {"authData": {"anonymous": {"id": "6f1a8b7c-0000-4000-8000-000000000001"}}})
    assert anonymous.body == SIGNUP_OFF
    by_class = await api.post("/classes/_User", {"username": "side", "password": PASSWORD, "email": "x@example.com"})
    assert by_class.body == SIGNUP_OFF
    batch = await api.post("/batch", {"requests": [{"method": "POST", "path": "/parse/users",
                                                    "body": {"username": "b", "password": PASSWORD}}]})
    assert batch.body[0]["error"] == SIGNUP_OFF
    assert await user_count(api) == before


@pytest.mark.parametrize("settings_overrides", [{"cloud": "cloud_code", "allowPublicSignup": True}])
async def test_the_operator_can_turn_signup_back_on(api: Client) -> None:
    walk_in = await api.post("/users", {"username": "walkin", "password": PASSWORD, "email": "w@example.com"})
    assert walk_in.status == 201, walk_in.body


async def test_administrators_create_staff_and_staff_cannot(api: Client) -> None:
    clinic = await practice(api)
    made = await clinic.as_(clinic.admin, "POST", "/functions/createStaff",
                            {"username": "hygienist", "email": "hy@clinic.example", "password": PASSWORD})
    assert made.status == 200, made.body
    login = await api.post("/login", {"username": "hygienist", "password": PASSWORD})
    assert login.status == 200 and login.body["objectId"] == made.body["result"]["userId"]
    refused = await clinic.as_(clinic.staff1, "POST", "/functions/createStaff",
                               {"username": "friend", "email": "f@clinic.example", "password": PASSWORD})
    assert refused.body == {"code": 142, "error": "Validation failed. User does not match the required roles."}
    weak = await clinic.as_(clinic.admin, "POST", "/functions/createStaff",
                            {"username": "weak", "email": "w@clinic.example", "password": "short"})
    assert weak.body["code"] == 142


async def test_an_invitation_is_one_time_hashed_and_expires(running: Running, outbox: Outbox) -> None:
    api = running.client
    clinic = await practice(api)
    invited = await clinic.as_(clinic.admin, "POST", "/functions/inviteStaff", {"email": "new@clinic.example"})
    assert invited.status == 200, invited.body
    user_id = invited.body["result"]["userId"]
    assert outbox.sent[-1].to == "new@clinic.example"
    link = outbox.link()
    assert link.startswith(f"{api.base}/apps/{APP_ID}/accept_invite?token=")
    token = link.split("token=", 1)[1]
    doc = await stored_user(running, user_id)
    assert doc["_invite_token_hash"] == token_hash(token) and token not in json.dumps(doc)
    # the invited person cannot log in before choosing a password
    assert (await api.post("/login", {"username": "new@clinic.example", "password": token})).status == 404
    async with api.session.get(link) as page:
        html = await page.text()
        assert page.status == 200 and "new@clinic.example" in html
        assert "default-src 'none'" in page.headers["Content-Security-Policy"]
        assert page.headers["Referrer-Policy"] == "no-referrer"
    form = {"token": token, "new_password": "new@clinic.example-2"}  # holds the username
    async with api.session.post(link.split("?")[0], data=form) as weak:
        assert weak.status == 400 and 'role="alert"' in await weak.text()
    form["new_password"] = PASSWORD
    async with api.session.post(link.split("?")[0], data=form) as done:
        assert done.status == 200 and "Password set" in await done.text()
    assert (await api.post("/login", {"username": "new@clinic.example", "password": PASSWORD})).status == 200
    async with api.session.post(link.split("?")[0], data={"token": token, "new_password": PASSWORD + "x"}) as again:
        assert again.status == 400  # used once
    # an expired invitation
    second = await clinic.as_(clinic.admin, "POST", "/functions/inviteStaff",
                              {"email": "late@clinic.example", "username": "late"})
    late_token = outbox.link().split("token=", 1)[1]
    schema = running.state.schemas.get("_User")
    await running.state.storage.update(schema, {"objectId": second.body["result"]["userId"]},
                                       {"_invite_expires_at": date_value(datetime.now(UTC) - timedelta(seconds=1))})
    async with api.session.post(link.split("?")[0], data={"token": late_token, "new_password": PASSWORD}) as expired:
        assert expired.status == 400 and "expired" in await expired.text()
    refused = await clinic.as_(clinic.staff1, "POST", "/functions/inviteStaff", {"email": "x@clinic.example"})
    assert refused.body["code"] == 142
    # removing someone invited revokes the link they have not used yet
    third = await clinic.as_(clinic.admin, "POST", "/functions/inviteStaff", {"email": "gone@clinic.example"})
    gone_token = outbox.link().split("token=", 1)[1]
    removed = await clinic.as_(clinic.admin, "POST", "/functions/removeStaff",
                               {"userId": third.body["result"]["userId"]})
    assert removed.status == 200, removed.body
    async with api.session.post(link.split("?")[0], data={"token": gone_token, "new_password": PASSWORD}) as revoked:
        assert revoked.status == 400


async def test_a_removed_staff_member_is_logged_out_at_once(api: Client) -> None:
    clinic = await practice(api)
    second_device = await api.post("/login", {"username": "staff2", "password": PASSWORD})
    assert (await clinic.as_(clinic.staff2, "GET", "/users/me")).status == 200  # cached as a valid session
    refused = await clinic.as_(clinic.staff1, "POST", "/functions/removeStaff", {"userId": clinic.staff2.id})
    assert refused.body["code"] == 142
    removed = await clinic.as_(clinic.admin, "POST", "/functions/removeStaff", {"userId": clinic.staff2.id})
    assert removed.status == 200, removed.body
    for token in (clinic.staff2.token, second_device.body["sessionToken"]):
        after = await api.get("/classes/Patient", session_token=token)
        assert after.body == {"code": 209, "error": "Invalid session token"}, after.body
    assert (await api.post("/login", {"username": "staff2", "password": PASSWORD})).status == 404
    assert (await clinic.as_(clinic.staff1, "GET", "/users/me")).status == 200  # nobody else


async def test_plain_staff_practice_helpers_still_work(api: Client) -> None:
    clinic: Practice = await practice(api)
    assert clinic.admin.token.startswith("r:")


@pytest.mark.parametrize("adapter_name", ["sqlite"])
async def test_the_first_administrator_comes_from_the_command_line(tmp_path: Path, adapter_name: str,
                                                                    capsys: pytest.CaptureFixture[str]) -> None:
    database = f"sqlite:///{tmp_path / 'test.db'}"
    argv = ["create", "--username", "boss", "--email", "boss@clinic.example", "--appId", APP_ID,
            "--masterKey", MASTER_KEY, "--databaseURI", database, "--dataDir", str(tmp_path)]
    assert await asyncio.to_thread(admin_main, argv, io.StringIO("short\n")) == 1  # the password policy
    assert "refused (142)" in capsys.readouterr().err
    assert await asyncio.to_thread(admin_main, argv, io.StringIO(PASSWORD + "\n")) == 0
    assert re.search(r"created administrator boss \(objectId \w+\)", capsys.readouterr().out)
    server, api, session = await start(tmp_path, adapter_name, {"cloud": "cloud_code", "databaseURI": database})
    try:
        login = await api.post("/login", {"username": "boss", "password": PASSWORD})
        assert login.status == 200, login.body
        made = await api.post("/functions/createStaff", {"username": "first", "email": "first@clinic.example",
                                                         "password": PASSWORD},
                              session_token=login.body["sessionToken"])
        assert made.status == 200, made.body
        assert (await member(api, "second")).id
    finally:
        await session.close()
        await server.close()
