"""Parse Server's account options (issue 14, deliverable 6), through the REST API."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from aiosmtpd.controller import Controller

from parse_compat.codec.dates import date_value, format_iso, parse_iso

from .conftest import Client
from .test_account_mail import SMTP_PORT, Inbox, _link, _wait_for

pytestmark = pytest.mark.asyncio
MAIL = {"host": "127.0.0.1", "port": SMTP_PORT, "from": "clinic@example.com"}


@pytest.fixture
def mailbox() -> Iterator[Inbox]:
    handler = Inbox()
    controller = Controller(handler, hostname="127.0.0.1", port=SMTP_PORT)
    controller.start()
    yield handler
    controller.stop()


async def _stored(api: Client, object_id: str) -> dict:
    reply = await api.get(f"/users/{object_id}", master=True)
    assert reply.status == 200, reply.body
    return dict(reply.body)


@pytest.mark.settings(schema=None, convertEmailToLowercase=True, convertUsernameToLowercase=True)
async def test_lowercase_options_store_username_and_email_in_lower_case(api: Client) -> None:
    signup = await api.post("/users", {"username": "Dr.Ana", "password": "pw-ana", "email": "Ana@Clinic.EXAMPLE"})
    assert signup.status == 201, signup.body
    user_id, token = signup.body["objectId"], signup.body["sessionToken"]
    stored = await _stored(api, user_id)
    assert (stored["username"], stored["email"]) == ("dr.ana", "ana@clinic.example")
    found = await api.get("/users", master=True, params={"where": {"username": "dr.ana"}})
    assert [u["objectId"] for u in found.body["results"]] == [user_id]
    renamed = await api.put(f"/users/{user_id}", {"username": "Ana.B", "email": "ANA.B@Clinic.example"},
                            session_token=token)
    assert renamed.status == 200, renamed.body
    stored = await _stored(api, user_id)
    assert (stored["username"], stored["email"]) == ("ana.b", "ana.b@clinic.example")
    assert (await api.post("/login", {"username": "ana.b", "password": "pw-ana"})).status == 200
    # as Parse: queries and logins must use the stored (lower) case; the option does not fold them
    assert (await api.post("/login", {"username": "Ana.B", "password": "pw-ana"})).body["code"] == 101


@pytest.mark.settings(schema=None, convertEmailToLowercase=True)
async def test_email_lowercase_leaves_the_username_as_given(api: Client) -> None:
    signup = await api.post("/users", {"username": "Ben", "password": "pw-ben", "email": "Ben@Example.com"})
    stored = await _stored(api, signup.body["objectId"])
    assert (stored["username"], stored["email"]) == ("Ben", "ben@example.com")


@pytest.mark.settings(schema=None)
async def test_without_the_lowercase_options_case_is_kept(api: Client) -> None:
    signup = await api.post("/users", {"username": "Cleo", "password": "pw-cleo", "email": "Cleo@Example.com"})
    stored = await _stored(api, signup.body["objectId"])
    assert (stored["username"], stored["email"]) == ("Cleo", "Cleo@Example.com")


@pytest.mark.settings(schema=None, verifyUserEmails=True, preventLoginWithUnverifiedEmail=True,
                      preventSignupWithUnverifiedEmail=True)
async def test_prevent_signup_with_unverified_email_answers_205_and_keeps_the_account(api: Client) -> None:
    signup = await api.post("/users", {"username": "dora", "password": "pw-dora", "email": "dora@example.com"})
    assert signup.status == 400 and signup.body == {"code": 205, "error": "User email is not verified."}
    found = await api.get("/users", master=True, params={"where": {"username": "dora"}})
    assert len(found.body["results"]) == 1  # as Parse: the account waits for its verification
    assert (await api.post("/login", {"username": "dora", "password": "pw-dora"})).body["code"] == 205
    await api.put(f"/users/{found.body['results'][0]['objectId']}", {"emailVerified": True}, master=True)
    assert (await api.post("/login", {"username": "dora", "password": "pw-dora"})).status == 200
    by_admin = await api.post("/users", {"username": "eli", "password": "pw-eli", "email": "eli@example.com"},
                              master=True)
    assert by_admin.status == 201  # parse-compat: the master key (admin tooling) is not refused


@pytest.mark.settings(schema=None, verifyUserEmails=True, preventSignupWithUnverifiedEmail=True)
async def test_prevent_signup_needs_prevent_login_as_in_parse(api: Client) -> None:
    signup = await api.post("/users", {"username": "finn", "password": "pw-finn", "email": "finn@example.com"})
    assert signup.status == 201 and "sessionToken" in signup.body


@pytest.mark.settings(schema=None, verifyUserEmails=True, sendUserEmailVerification=False, emailAdapter=MAIL)
async def test_send_user_email_verification_false_sends_no_verification_mail(api: Client, mailbox: Inbox) -> None:
    signup = await api.post("/users", {"username": "gus", "password": "pw-gus", "email": "gus@example.com"})
    changed = await api.put(f"/users/{signup.body['objectId']}", {"email": "gus.new@example.com"},
                            session_token=signup.body["sessionToken"])
    assert changed.status == 200
    assert (await api.post("/verificationEmailRequest", {"email": "gus.new@example.com"})).body == {}
    # The outbox sends in queue order: once the later reset mail is out, the verification rows were handled.
    assert (await api.post("/requestPasswordReset", {"email": "gus.new@example.com"})).body == {}
    await _wait_for(mailbox, 1)
    assert [m["Subject"] for m in mailbox.messages] == ["Password reset"]
    stored = await _stored(api, signup.body["objectId"])
    assert stored.get("emailVerified") is False


WEEK = 7 * 86400


async def _age_session(api: Client, token: str, written_ago: timedelta, expires_in: timedelta) -> None:
    """Make the session look written `written_ago` and due in `expires_in` (instead of waiting)."""
    state = api.state
    now = datetime.now(UTC)
    await state.services.server_writes.update(state.schemas.get("_Session"), {"sessionToken": token}, {
        "updatedAt": format_iso(now - written_ago), "expiresAt": date_value(now + expires_in)})


async def _expires_in(api: Client, token: str) -> float:
    session = await api.get("/sessions/me", session_token=token)
    assert session.status == 200, session.body
    return (parse_iso(session.body["expiresAt"]["iso"]) - datetime.now(UTC)).total_seconds()


@pytest.mark.settings(schema=None, extendSessionOnUse=True, sessionLength=WEEK)
async def test_extend_session_on_use_renews_a_session_past_half_its_length(api: Client) -> None:
    old = await api.post("/users", {"username": "hana", "password": "pw-hana"})
    fresh = await api.post("/login", {"username": "hana", "password": "pw-hana"})
    await _age_session(api, old.body["sessionToken"], timedelta(days=4), timedelta(hours=1))
    await _age_session(api, fresh.body["sessionToken"], timedelta(days=1), timedelta(days=2))
    assert (await api.get("/users/me", session_token=old.body["sessionToken"])).status == 200
    assert (await api.get("/users/me", session_token=fresh.body["sessionToken"])).status == 200
    assert WEEK - 60 < await _expires_in(api, old.body["sessionToken"]) <= WEEK
    assert await _expires_in(api, fresh.body["sessionToken"]) < 2 * 86400  # used before half its length


@pytest.mark.settings(schema=None, sessionLength=WEEK)
async def test_sessions_are_not_extended_by_default(api: Client) -> None:
    user = await api.post("/users", {"username": "ivo", "password": "pw-ivo"})
    await _age_session(api, user.body["sessionToken"], timedelta(days=4), timedelta(hours=1))
    assert (await api.get("/users/me", session_token=user.body["sessionToken"])).status == 200
    assert await _expires_in(api, user.body["sessionToken"]) < 3600


@pytest.mark.settings(schema=None, allowCustomObjectId=True)
async def test_allow_custom_object_id_keeps_the_given_id(api: Client) -> None:
    made = await api.post("/classes/Visit", {"objectId": "visit-2026-001", "room": 3}, master=True)
    assert made.status == 201 and made.body["objectId"] == "visit-2026-001", made.body
    assert made.headers["Location"].endswith("/classes/Visit/visit-2026-001")
    assert (await api.get("/classes/Visit/visit-2026-001", master=True)).body["room"] == 3
    taken = await api.post("/classes/Visit", {"objectId": "visit-2026-001", "room": 4}, master=True)
    assert taken.status == 400 and taken.body["code"] == 137
    assert (await api.post("/classes/Visit", {"objectId": "", "room": 5}, master=True)).body["code"] == 104
    assert (await api.post("/classes/Visit", {"objectId": None, "room": 5}, master=True)).body["code"] == 104
    assert (await api.post("/classes/Visit", {"objectId": "a/b", "room": 5}, master=True)).body["code"] == 105
    generated = await api.post("/classes/Visit", {"room": 6}, master=True)
    assert generated.status == 201 and len(generated.body["objectId"]) == 10
    user = await api.post("/users", {"objectId": "staff-7", "username": "jo", "password": "pw-jo"})
    assert user.status == 201 and user.body["objectId"] == "staff-7"
    me = await api.get("/users/me", session_token=user.body["sessionToken"])
    assert me.body["objectId"] == "staff-7"
    found = await api.get("/classes/Visit", master=True, params={"where": {"room": {"$gte": 3}}})
    assert sorted(v["room"] for v in found.body["results"]) == [3, 6]  # the refused creates wrote nothing


@pytest.mark.settings(schema=None)
async def test_custom_object_ids_are_refused_by_default(api: Client) -> None:
    refused = await api.post("/classes/Visit", {"objectId": "visit-1", "room": 3}, master=True)
    assert refused.status == 400 and refused.body == {"code": 105, "error": "objectId is an invalid field name."}


def _verify_link(message: object) -> str:
    return re.search(r"https?://\S+", message.get_payload(decode=True).decode()).group(0)  # type: ignore[attr-defined]


async def _two_verification_mails(api: Client, mailbox: Inbox) -> list[str]:
    """The signup's verification mail, then the one verificationEmailRequest sends."""
    await api.post("/users", {"username": "kai", "password": "pw-kai", "email": "kai@example.com"})
    await _wait_for(mailbox, 1)
    assert (await api.post("/verificationEmailRequest", {"email": "kai@example.com"})).body == {}
    await _wait_for(mailbox, 2)
    return [_verify_link(message) for message in mailbox.messages]


@pytest.mark.settings(schema=None, verifyUserEmails=True, emailVerifyTokenReuseIfValid=True, accountMailInterval=0,
                      emailAdapter=MAIL)
async def test_email_verify_token_reuse_if_valid_mails_the_same_link(api: Client, mailbox: Inbox) -> None:
    first, second = await _two_verification_mails(api, mailbox)
    assert first == second
    path, token = urlsplit(first).path[len("/parse"):], parse_qs(urlsplit(first).query)["token"][0]
    assert (await api.request("GET", path, params={"token": token}, app_id=None)).status == 200
    found = await api.get("/users", master=True, params={"where": {"username": "kai"}})
    assert found.body["results"][0]["emailVerified"] is True


@pytest.mark.settings(schema=None, verifyUserEmails=True, accountMailInterval=0, emailAdapter=MAIL)
async def test_without_token_reuse_each_verification_mail_has_a_new_link(api: Client, mailbox: Inbox) -> None:
    first, second = await _two_verification_mails(api, mailbox)
    assert first != second
    stale = parse_qs(urlsplit(first).query)["token"][0]
    assert (await api.request("GET", urlsplit(first).path[len("/parse"):], params={"token": stale},
                              app_id=None)).status == 400



@pytest.mark.settings(schema=None, verifyUserEmails=True, emailAdapter=MAIL, accountMailInterval=0)
async def test_a_signup_with_an_email_starts_unverified_and_is_mailed_a_link(api: Client, mailbox: Inbox) -> None:
    reply = await api.post("/users", {"username": "nia", "password": "a long enough password", "email": "nia@x.test"})
    assert reply.status == 201, reply.body
    me = await api.get(f"/users/{reply.body['objectId']}", master=True)
    assert me.body["emailVerified"] is False  # as Parse's RestWrite: a new address starts unverified
    await _wait_for(mailbox, 1)
    assert mailbox.messages[0]["To"] == "nia@x.test" and "verify_email" in _link(mailbox.messages[0])
    # the master key may create an account already verified: no mail for it
    made = await api.post("/users", {"username": "oli", "password": "a long enough password",
                                     "email": "oli@x.test", "emailVerified": True}, master=True)
    assert made.status == 201, made.body
    assert (await api.get(f"/users/{made.body['objectId']}", master=True)).body["emailVerified"] is True
    await api.post("/users", {"username": "pia", "password": "a long enough password"})  # no email: no mail
    # a mail queued after them arrives next: nothing was queued for oli or pia in between
    assert (await api.post("/requestPasswordReset", {"email": "nia@x.test"})).status == 200
    await _wait_for(mailbox, 2)
    assert [message["To"] for message in mailbox.messages] == ["nia@x.test", "nia@x.test"]
    assert "request_password_reset" in _link(mailbox.messages[1]) or "reset" in _link(mailbox.messages[1])


@pytest.mark.settings(schema=None, accountMailInterval=0, emailAdapter=MAIL)
async def test_verification_email_request_sends_nothing_without_verify_user_emails(api: Client,
                                                                                  mailbox: Inbox) -> None:
    # Bug (issue 14): the mail went out although verifyUserEmails is off; Parse 9.10 answers {} and sends none.
    await api.post("/users", {"username": "lea", "password": "pw-lea", "email": "lea@example.com"})
    assert (await api.post("/verificationEmailRequest", {"email": "lea@example.com"})).body == {}
    assert (await api.post("/requestPasswordReset", {"email": "lea@example.com"})).body == {}
    await _wait_for(mailbox, 1)  # the outbox sends in order: the reset mail came after the request
    assert [m["Subject"] for m in mailbox.messages] == ["Password reset"]


@pytest.mark.settings(schema=None, enableCollationCaseComparison=True)
async def test_collation_option_keeps_usernames_and_emails_unique_ignoring_case(api: Client) -> None:
    # parse-compat: Parse 9 compares them case-sensitively with this option; here the option only
    # turns MongoDB collations off (tests/contract/test_mongo_collations.py).
    first = await api.post("/users", {"username": "Snoopy", "password": "pw-1", "email": "Snoopy@example.com"})
    assert first.status == 201, first.body
    again = await api.post("/users", {"username": "snoopy", "password": "pw-2"})
    assert again.status == 400 and again.body["code"] == 202
    email = await api.post("/users", {"username": "other", "password": "pw-3", "email": "snoopy@EXAMPLE.com"})
    assert email.status == 400 and email.body["code"] == 203
