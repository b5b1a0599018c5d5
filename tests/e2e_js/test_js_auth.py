"""Third-party login through the official Parse JS SDK (issue 14): `Parse.User.logInWith` for
Apple, Google, Facebook, GitHub, LDAP and a custom Python adapter, `linkWith` / `_unlinkFrom`, 208,
and MFA with `logInWithAdditionalAuth` — against local fakes of the providers (tests/auth_fakes) and
a real OpenLDAP slapd, on SQLite and mongomock."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import Iterator
from typing import Any

import pyotp
import pytest

from tests.auth_fakes.ldap_directory import SUFFIX, LdapDirectory
from tests.auth_fakes.providers import FakeProviders

from .test_js_sdk import ServerHandle, run_scenario, start_server, stop_server


class FakesThread:
    """The provider fakes on their own event loop in a thread (the server under test is a subprocess)."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self.fakes: FakeProviders = asyncio.run_coroutine_threadsafe(FakeProviders().start(), self.loop).result(30)

    def stop(self) -> None:
        asyncio.run_coroutine_threadsafe(self.fakes.stop(), self.loop).result(30)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(timeout=10)
        self.loop.close()


@pytest.fixture(scope="module")
def fakes() -> Iterator[FakeProviders]:
    runner = FakesThread()
    try:
        yield runner.fakes
    finally:
        runner.stop()


@pytest.fixture(scope="module")
def directory(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LdapDirectory]:
    ldap = LdapDirectory(tmp_path_factory.mktemp("e2e-slapd")).start()
    try:
        yield ldap
    finally:
        ldap.stop()


@pytest.fixture(scope="module", params=["sqlite", "mongomock"])
def auth_server(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory,
                fakes: FakeProviders, directory: LdapDirectory) -> Iterator[ServerHandle]:
    auth = fakes.auth_options(sso={"module": "tests.auth_fakes.custom_adapters", "secret": "s3cret",
                                   "appIds": ["app-1"]},
                              mfa={"enabled": True, "options": ["TOTP"]},
                              ldap={"url": directory.url, "suffix": f"ou=users,{SUFFIX}"})
    handle = start_server(str(request.param), tmp_path_factory.mktemp(f"e2e-auth-{request.param}"),
                          extra=["--auth", json.dumps(auth), "--schema", "", "--cloud", ""])
    try:
        yield handle
    finally:
        stop_server(handle)


def fixtures_for(fakes: FakeProviders, storage: str) -> dict[str, Any]:
    tag = f"{storage}-{time.time_ns()}"
    fakes.facebook_tokens[f"fb-{tag}"] = f"fbuser-{tag}"
    fakes.github_codes[f"code-{tag}"] = int(time.time_ns() % 10**9)
    secret = pyotp.random_base32()
    totp = pyotp.TOTP(secret)
    now = time.time()
    valid = {totp.at(now + offset) for offset in (-60, -30, 0, 30, 60)}
    return {
        "apple": [{"id": f"apple-{tag}", "token": fakes.id_token("apple", f"apple-{tag}")} for _ in range(3)],
        "appleExpired": {"id": f"apple-{tag}", "token": fakes.id_token("apple", f"apple-{tag}", exp=int(now) - 600)},
        "google": {"id": f"google-{tag}", "id_token": fakes.id_token("google", f"google-{tag}")},
        "googleForged": {"id": f"google-{tag}",
                         "id_token": fakes.id_token("google", f"google-{tag}", key=fakes.other_key)},
        "googleLink": [{"id": f"glink-{tag}", "id_token": fakes.id_token("google", f"glink-{tag}")} for _ in range(2)],
        "facebook": {"id": f"fbuser-{tag}", "access_token": f"fb-{tag}"},
        "github": {"code": f"code-{tag}"},
        "sso": {"id": f"emp-{tag}", "token": f"s3cret:emp-{tag}", "app": "app-1"},
        "ssoForged": {"id": f"emp-{tag}", "token": "guess", "app": "app-1"},
        "ldap": {"id": "alice", "password": "alice-pw"},
        "ldapWrong": {"id": "bob", "password": "alice-pw"},
        "mfa": {"secret": secret, "token": totp.now(),
                "wrong": next(c for c in ("000000", "111111", "222222", "333333") if c not in valid)},
    }


def test_third_party_login_link_unlink_and_mfa_through_the_sdk(auth_server: ServerHandle, fakes: FakeProviders,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AUTH_FIXTURES", json.dumps(fixtures_for(fakes, auth_server.storage)))
    result = run_scenario(auth_server, "third_party_login", master_key=True)
    assert result["apple"] == {"sameUser": True, "linked": True}
    assert result["providers"]["distinctUsers"] == 4
    assert result["refused"] == [101, 101, 141, 252]
    assert result["link"] == {"loggedInAsLinker": True, "storedAfterUnlink": []}
    assert result["taken"] == 208
    assert result["ldap"] == {"sameUser": True, "stored": {"id": "alice"}, "wrong": 101}
    assert result["mfa"] == {"status": {"status": "enabled"}, "missing": "Missing additional authData mfa",
                             "wrong": 141, "loggedIn": True}
