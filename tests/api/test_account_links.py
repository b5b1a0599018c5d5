"""Account links and mail (issue 18, findings 1-3), through a real SMTP server (aiosmtpd):
reset and verification links are single-use, expire, are stored hashed and die with a password or
email change; a verify link only verifies the address it was sent to; requests for known and
unknown addresses answer alike, also with the SMTP server down; a batch of requests sends one mail.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import statistics
import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from parse_compat.storage.base import FindOptions
from tests.cloud.smtp_server import SmtpServer, free_port

from .conftest import Client

pytestmark = pytest.mark.asyncio
FORM = {"Content-Type": "application/x-www-form-urlencoded", "X-Requested-With": "XMLHttpRequest"}


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    with SmtpServer() as server:
        yield server


@pytest.fixture
def settings_overrides(smtp: SmtpServer) -> dict[str, Any]:
    return {"schema": None, "emailAdapter": smtp.adapter_options}


async def _links(smtp: SmtpServer, address: str, count: int = 1) -> list[str]:
    for _ in range(200):
        found = [d.message for d in list(smtp.handler.delivered) if address in d.recipients]
        if len(found) >= count:
            texts = [m.get_payload(decode=True).decode() for m in found]
            return [next(w for w in t.split() if w.startswith("http")) for t in texts]
        await asyncio.sleep(0.05)
    raise AssertionError(f"expected {count} mails to {address}")


def _token(link: str) -> str:
    return parse_qs(urlsplit(link).query)["token"][0]


async def _reset(api: Client, link: str, password: str) -> Any:
    path = urlsplit(link).path[len("/parse"):]
    return await api.request("POST", path, raw=f"token={_token(link)}&new_password={password}", app_id=None,
                             headers=FORM)


async def _open(api: Client, link: str) -> Any:
    parts = urlsplit(link)
    query = {k: v[0] for k, v in parse_qs(parts.query).items()}
    return await api.request("GET", parts.path[len("/parse"):], params=query, app_id=None)


async def _signup(api: Client, name: str) -> dict[str, Any]:
    reply = await api.post("/users", {"username": name, "password": f"pw-{name}-1", "email": f"{name}@example.com"})
    assert reply.status == 201, reply.body
    return dict(reply.body)


async def _reset_link(api: Client, smtp: SmtpServer, address: str, count: int = 1) -> str:
    assert (await api.post("/requestPasswordReset", {"email": address})).body == {}
    return (await _links(smtp, address, count))[-1]


async def test_a_batch_of_reset_requests_sends_one_mail(api: Client, smtp: SmtpServer) -> None:
    # Finding 1: 50 /requestPasswordReset items in one batch sent the victim 50 mails.
    await _signup(api, "victim")
    items = [{"method": "POST", "path": "/parse/requestPasswordReset", "body": {"email": "victim@example.com"}}] * 50
    reply = await api.post("/batch", {"requests": items})
    assert reply.body == [{"success": {}}] * 50
    await _links(smtp, "victim@example.com")
    await api.state.services.outbox.drain_once()
    assert smtp.handler.recipients() == ["victim@example.com"]


async def test_reset_link_is_single_use_hashed_and_expires(api: Client, smtp: SmtpServer) -> None:
    user = await _signup(api, "nina")
    link = await _reset_link(api, smtp, "nina@example.com")
    stored = await api.state.storage.find(api.state.schemas.get("_User"), {"objectId": user["objectId"]},
                                          FindOptions(limit=1))
    assert stored[0]["_perishable_token"] == hashlib.sha256(_token(link).encode()).hexdigest()
    assert _token(link) not in str(stored[0])
    expires = stored[0]["_perishable_token_expires_at"]["iso"]  # finite by default (an hour)
    assert expires < time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(time.time() + 3700))
    assert (await _reset(api, link, "new-pw-nina")).status == 200
    assert (await _reset(api, link, "other-pw-nina")).body["code"] == -1
    assert (await api.post("/login", {"username": "nina", "password": "new-pw-nina"})).status == 200


@pytest.mark.settings(accountMailInterval=0)
async def test_reset_link_fails_after_its_lifetime_and_after_a_new_link(api: Client, smtp: SmtpServer) -> None:
    user = await _signup(api, "omar")
    first = await _reset_link(api, smtp, "omar@example.com")
    second = await _reset_link(api, smtp, "omar@example.com", 2)
    assert (await _reset(api, first, "new-pw-omar")).body["code"] == -1  # a new link replaces the old one
    await api.state.storage.update(api.state.schemas.get("_User"), {"objectId": user["objectId"]},
                                   {"_perishable_token_expires_at": {"__type": "Date",
                                                                     "iso": "2001-01-01T00:00:00.000Z"}})
    assert (await _reset(api, second, "new-pw-omar")).body["code"] == -1
    assert (await api.post("/login", {"username": "omar", "password": "pw-omar-1"})).status == 200


async def test_old_reset_link_fails_after_a_password_change(api: Client, smtp: SmtpServer) -> None:
    # Finding 2: a link mailed before the user changed their password still reset it afterwards.
    user = await _signup(api, "pia")
    link = await _reset_link(api, smtp, "pia@example.com")
    changed = await api.put(f"/users/{user['objectId']}", {"password": "changed-pw-pia"},
                            session_token=user["sessionToken"])
    assert changed.status == 200
    assert (await _reset(api, link, "attacker-pw")).body["code"] == -1
    assert (await api.post("/login", {"username": "pia", "password": "changed-pw-pia"})).status == 200


async def test_old_reset_link_fails_after_an_email_change(api: Client, smtp: SmtpServer) -> None:
    user = await _signup(api, "quin")
    link = await _reset_link(api, smtp, "quin@example.com")
    changed = await api.put(f"/users/{user['objectId']}", {"email": "quin.new@example.com"},
                            session_token=user["sessionToken"])
    assert changed.status == 200
    assert (await _reset(api, link, "attacker-pw")).body["code"] == -1
    assert (await api.post("/login", {"username": "quin", "password": "pw-quin-1"})).status == 200


@pytest.mark.settings(verifyUserEmails=True)
async def test_verify_link_of_an_old_address_does_not_verify_a_new_one(api: Client, smtp: SmtpServer) -> None:
    # Finding 2: a verify link requested for the old address marked the new one verified.
    user = await _signup(api, "rosa")
    assert (await api.post("/verificationEmailRequest", {"email": "rosa@example.com"})).body == {}
    old_link = (await _links(smtp, "rosa@example.com"))[0]
    changed = await api.put(f"/users/{user['objectId']}", {"email": "rosa.new@example.com"},
                            session_token=user["sessionToken"])
    assert changed.status == 200
    assert (await _open(api, old_link)).status == 400
    me = await api.get("/users/me", session_token=user["sessionToken"])
    assert me.body["email"] == "rosa.new@example.com" and me.body["emailVerified"] is False
    # Even when the address changes behind the server's back, the old token names the old address.
    await api.post("/verificationEmailRequest", {"email": "rosa.new@example.com"})
    new_link = (await _links(smtp, "rosa.new@example.com", 1))[0]
    await api.state.storage.update(api.state.schemas.get("_User"), {"objectId": user["objectId"]},
                                   {"email": "rosa.other@example.com"})
    assert (await _open(api, new_link)).status == 400
    await api.state.storage.update(api.state.schemas.get("_User"), {"objectId": user["objectId"]},
                                   {"email": "rosa.new@example.com"})
    assert (await _open(api, new_link)).status == 200
    assert (await api.get("/users/me", session_token=user["sessionToken"])).body["emailVerified"] is True


@pytest.mark.settings(verifyUserEmails=True)
async def test_an_email_change_clears_verification(api: Client, smtp: SmtpServer) -> None:
    user = await _signup(api, "sami")
    await api.put(f"/users/{user['objectId']}", {"emailVerified": True}, master=True)
    await api.put(f"/users/{user['objectId']}", {"email": "sami.new@example.com"}, session_token=user["sessionToken"])
    me = await api.get("/users/me", session_token=user["sessionToken"])
    assert me.body["emailVerified"] is False
    link = (await _links(smtp, "sami.new@example.com"))[0]  # verifyUserEmails: the new address gets a link
    assert (await _open(api, link)).status == 200


@pytest.mark.settings(revokeSessionOnPasswordReset=False)
async def test_revoke_session_on_password_reset_can_be_turned_off(api: Client, smtp: SmtpServer) -> None:
    user = await _signup(api, "tess")
    link = await _reset_link(api, smtp, "tess@example.com")
    assert (await _reset(api, link, "new-pw-tess")).status == 200
    assert (await api.get("/users/me", session_token=user["sessionToken"])).status == 200


async def test_reset_revokes_sessions_by_default(api: Client, smtp: SmtpServer) -> None:
    user = await _signup(api, "uma")
    link = await _reset_link(api, smtp, "uma@example.com")
    assert (await _reset(api, link, "new-pw-uma")).status == 200
    assert (await api.get("/users/me", session_token=user["sessionToken"])).body["code"] == 209


@pytest.mark.settings(emailVerifySuccessOnInvalidEmail=False, resetPasswordSuccessOnInvalidEmail=False)
async def test_unknown_addresses_can_be_reported_when_asked(api: Client, smtp: SmtpServer) -> None:
    reply = await api.post("/verificationEmailRequest", {"email": "nobody@example.com"})
    assert reply.status == 400 and reply.body["code"] == 205
    assert (await api.post("/requestPasswordReset", {"email": "nobody@example.com"})).body["code"] == 205


class TestSmtpDown:
    @pytest.fixture
    def settings_overrides(self) -> dict[str, Any]:
        closed = {"host": "127.0.0.1", "port": free_port(), "from": "clinic@example.com", "timeout": 2}
        return {"schema": None, "emailAdapter": closed}

    async def test_known_and_unknown_addresses_answer_alike(self, api: Client,
                                                            caplog: pytest.LogCaptureFixture) -> None:
        # Finding 3: with SMTP down a known address answered 500, an unknown one 200, and the
        # known one took 4x as long (the mail was sent inline).
        await _signup(api, "vic")
        caplog.set_level(logging.INFO)
        times: dict[str, list[float]] = {"known": [], "unknown": []}
        for round_ in range(15):
            for kind, address in (("known", "vic@example.com"), ("unknown", f"nobody{round_}@example.com")):
                for path in ("/requestPasswordReset", "/verificationEmailRequest"):
                    started = time.perf_counter()
                    reply = await api.post(path, {"email": address})
                    times[kind].append(time.perf_counter() - started)
                    assert (reply.status, reply.body) == (200, {}), (kind, path)
        known, unknown = statistics.median(times["known"]), statistics.median(times["unknown"])
        assert known < unknown * 2 + 0.01 and unknown < known * 2 + 0.01, (known, unknown)
        outbox = api.state.services.outbox
        await outbox.drain_once()
        failures = [r for r in caplog.records if r.name == "parse_compat.outbox"]
        assert failures and "will retry" in failures[0].getMessage()
        assert not any("example.com" in r.getMessage() for r in caplog.records)

    async def test_queued_mail_is_sent_once_smtp_is_back(self, api: Client) -> None:
        await _signup(api, "wes")
        outbox = api.state.services.outbox
        outbox.base_delay = 0.01
        assert (await api.post("/requestPasswordReset", {"email": "wes@example.com"})).body == {}
        await outbox.drain_once()  # refused: nothing listens yet
        with SmtpServer() as smtp:
            api.state.settings.emailAdapter = smtp.adapter_options
            api.state.services.mail = None  # the next send builds the adapter from the new option
            for _ in range(100):
                await outbox.drain_once()
                if smtp.handler.delivered:
                    break
                await asyncio.sleep(0.02)
            assert smtp.handler.recipients() == ["wes@example.com"]
