"""Third-party login through authData (issue 14): Apple, Google, Facebook, GitHub, Microsoft and
OAuth2 against local fakes of the providers (tests/auth_fakes), a custom Python adapter, linking
and unlinking, 208/252, the login policy of additional providers, and JWKS caching."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from typing import Any

import pyotp
import pytest

from tests.auth_fakes.providers import FakeProviders

from .conftest import Client

pytestmark = pytest.mark.asyncio


@pytest.fixture
async def fakes() -> AsyncIterator[FakeProviders]:
    providers = await FakeProviders().start()
    yield providers
    await providers.stop()


@pytest.fixture
def settings_overrides(fakes: FakeProviders) -> dict[str, Any]:
    return {"schema": None, "auth": fakes.auth_options(
        sso={"module": "tests.auth_fakes.custom_adapters", "secret": "s3cret", "appIds": ["app-1"]},
        mfa={"enabled": True, "options": ["TOTP"]},
        corp={"oauth2": True, "tokenIntrospectionEndpointUrl": f"{fakes.base}/oauth2/introspect",
              "useridField": "sub", "appidField": "client_id", "appIds": ["corp-app"]})}


async def user_count(api: Client) -> int:
    reply = await api.get("/users", master=True, params={"count": 1, "limit": 0})
    return int(reply.body["count"])


async def session_of(api: Client, token: str) -> dict[str, Any]:
    reply = await api.get("/sessions/me", session_token=token)
    assert reply.status == 200, reply.body
    return dict(reply.body)


async def test_apple_signs_up_then_logs_in_the_same_account(api: Client, fakes: FakeProviders) -> None:
    auth = {"apple": {"id": "001.apple", "token": fakes.id_token("apple", "001.apple")}}
    signup = await api.post("/users", {"authData": auth})
    assert signup.status == 201, signup.body
    assert signup.body["authDataResponse"] == {} and len(signup.body["username"]) == 25
    assert (await session_of(api, signup.body["sessionToken"]))["createdWith"] == \
        {"action": "login", "authProvider": "apple"}
    again = await api.post("/users", {"authData": {"apple": {"id": "001.apple",
                                                             "token": fakes.id_token("apple", "001.apple")}}})
    assert again.status == 200 and again.body["objectId"] == signup.body["objectId"], again.body
    assert again.body["sessionToken"] != signup.body["sessionToken"]
    assert again.body["authData"]["apple"]["id"] == "001.apple"
    assert await user_count(api) == 1


@pytest.mark.parametrize("case", ["bad signature", "wrong audience", "expired", "wrong issuer", "other sub",
                                  "unknown key id", "not a jwt", "missing token"])
async def test_google_refuses_tokens_it_cannot_trust(api: Client, fakes: FakeProviders, case: str) -> None:
    sub = "google-1"
    tokens = {
        "bad signature": lambda: fakes.id_token("google", sub, key=fakes.other_key),
        "wrong audience": lambda: fakes.id_token("google", sub, aud="someone-elses-client"),
        "expired": lambda: fakes.id_token("google", sub, exp=int(time.time()) - 3600),
        "wrong issuer": lambda: fakes.id_token("google", sub, iss="https://evil.example"),
        "other sub": lambda: fakes.id_token("google", "google-2"),
        "unknown key id": lambda: fakes.id_token("google", sub, kid="k9"),
        "not a jwt": lambda: "abc.def",
        "missing token": lambda: None,
    }
    data: dict[str, Any] = {"id": sub}
    if tokens[case]() is not None:
        data["id_token"] = tokens[case]()
    reply = await api.post("/users", {"authData": {"google": data}})
    assert reply.status == 404 and reply.body["code"] == 101, (case, reply.body)
    assert await user_count(api) == 0


async def test_google_keys_are_fetched_once_and_cached(api: Client, fakes: FakeProviders) -> None:
    for _ in range(3):
        token = fakes.id_token("google", "google-cached")
        reply = await api.post("/users", {"authData": {"google": {"id": "google-cached", "id_token": token}}})
        assert reply.status in (200, 201), reply.body
    assert fakes.hits["/google/oauth2/v3/certs"] == 1


async def test_facebook_asks_graph_and_checks_the_app(api: Client, fakes: FakeProviders) -> None:
    fakes.facebook_tokens["fb-token-1"] = "fb-user-1"
    ok = await api.post("/users", {"authData": {"facebook": {"id": "fb-user-1", "access_token": "fb-token-1"}}})
    assert ok.status == 201, ok.body
    wrong_user = await api.post("/users", {"authData": {"facebook": {"id": "fb-user-2",
                                                                     "access_token": "fb-token-1"}}})
    assert wrong_user.status == 404 and wrong_user.body["code"] == 101
    unknown_token = await api.post("/users", {"authData": {"facebook": {"id": "fb-user-1", "access_token": "x"}}})
    assert unknown_token.body["code"] == 101
    fakes.facebook_app_id = "another-app"  # a token issued to another Facebook app
    other_app = await api.post("/users", {"authData": {"facebook": {"id": "fb-user-1",
                                                                    "access_token": "fb-token-1"}}})
    assert other_app.status == 404 and other_app.body["code"] == 101
    assert await user_count(api) == 1


async def test_facebook_limited_login_token_is_verified_with_jwks(api: Client, fakes: FakeProviders) -> None:
    token = fakes.id_token("facebook", "fb-limited")
    reply = await api.post("/users", {"authData": {"facebook": {"id": "fb-limited", "token": token}}})
    assert reply.status == 201, reply.body
    forged = fakes.id_token("facebook", "fb-limited", key=fakes.other_key)
    refused = await api.post("/users", {"authData": {"facebook": {"id": "fb-limited", "token": forged}}})
    assert refused.body["code"] == 101


async def test_github_code_flow_signs_up_and_logs_in(api: Client, fakes: FakeProviders) -> None:
    fakes.github_codes["code-1"] = 4242
    first = await api.post("/users", {"authData": {"github": {"code": "code-1"}}})
    assert first.status == 201, first.body
    stored = await api.get(f"/users/{first.body['objectId']}", master=True)
    assert stored.body["authData"]["github"]["id"] == "4242" and "code" not in stored.body["authData"]["github"]
    fakes.github_codes["code-2"] = 4242
    second = await api.post("/users", {"authData": {"github": {"code": "code-2"}}})
    assert second.status == 200 and second.body["objectId"] == first.body["objectId"]
    reused = await api.post("/users", {"authData": {"github": {"code": "code-2"}}})
    assert reused.body["code"] == 101
    # without enableInsecureAuth a client-held access token is not enough (Parse 8+)
    token_only = await api.post("/users", {"authData": {"github": {"id": "4242", "access_token": "gho_x"}}})
    assert token_only.status == 400 and token_only.body["code"] == 142


async def test_microsoft_and_generic_oauth2(api: Client, fakes: FakeProviders) -> None:
    fakes.microsoft_tokens["ms-token"] = "ms-user"
    ms = await api.post("/users", {"authData": {"microsoft": {"id": "ms-user", "access_token": "ms-token"}}})
    assert ms.status == 201, ms.body
    bad_ms = await api.post("/users", {"authData": {"microsoft": {"id": "ms-user", "access_token": "nope"}}})
    assert bad_ms.body["code"] == 101
    fakes.oauth2_tokens["corp-1"] = {"active": True, "sub": "emp-7", "client_id": "corp-app"}
    fakes.oauth2_tokens["corp-other-app"] = {"active": True, "sub": "emp-7", "client_id": "rogue"}
    corp = await api.post("/users", {"authData": {"corp": {"id": "emp-7", "access_token": "corp-1"}}})
    assert corp.status == 201, corp.body
    rogue = await api.post("/users", {"authData": {"corp": {"id": "emp-7", "access_token": "corp-other-app"}}})
    assert rogue.body["code"] == 101
    inactive = await api.post("/users", {"authData": {"corp": {"id": "emp-7", "access_token": "revoked"}}})
    assert inactive.body["code"] == 101


async def test_play_games_and_keycloak(api: Client, fakes: FakeProviders) -> None:
    fakes.play_tokens["play-token"] = "player-1"
    play = await api.post("/users", {"authData": {"gpgames": {"id": "player-1", "access_token": "play-token"}}})
    assert play.status == 201, play.body
    other = await api.post("/users", {"authData": {"gpgames": {"id": "player-2", "access_token": "play-token"}}})
    assert other.body["code"] == 101
    fakes.keycloak_tokens["kc-token"] = {"sub": "kc-1", "roles": ["dentist"], "groups": ["north"]}
    keycloak = {"id": "kc-1", "access_token": "kc-token", "roles": ["dentist"], "groups": ["north"]}
    assert (await api.post("/users", {"authData": {"keycloak": keycloak}})).status == 201
    escalated = {**keycloak, "roles": ["dentist", "admin"]}  # roles the token does not carry
    assert (await api.post("/users", {"authData": {"keycloak": escalated}})).body["code"] == 101


async def test_twitter_oauth1_with_two_configured_apps(api: Client, fakes: FakeProviders) -> None:
    fakes.twitter_tokens["tw-token"] = ("tw-token-secret", "1234")
    data = {"id": "1234", "auth_token": "tw-token", "auth_token_secret": "tw-token-secret", "consumer_key": "tw-key-2"}
    created = await api.post("/users", {"authData": {"twitter": data}})
    assert created.status == 201, created.body
    wrong_secret = await api.post("/users", {"authData": {"twitter": {**data, "auth_token_secret": "guess"}}})
    assert wrong_secret.body["code"] == 101
    unknown_app = await api.post("/users", {"authData": {"twitter": {**data, "consumer_key": "tw-key-9"}}})
    assert unknown_app.body["code"] == 101
    other_user = await api.post("/users", {"authData": {"twitter": {**data, "id": "999"}}})
    assert other_user.body["code"] == 101
    login = await api.post("/users", {"authData": {"twitter": data}})
    assert login.status == 200 and login.body["objectId"] == created.body["objectId"]


async def test_game_center_signature_and_certificate_issuer(api: Client, fakes: FakeProviders) -> None:
    created = await api.post("/users", {"authData": {"gcenter": fakes.game_center("G:1")}})
    assert created.status == 201, created.body
    login = await api.post("/users", {"authData": {"gcenter": fakes.game_center("G:1")}})
    assert login.status == 200 and login.body["objectId"] == created.body["objectId"]
    assert fakes.hits["/gc/leaf.cer"] == 1  # the certificate is cached
    forged = {**fakes.game_center("G:1"), "id": "G:2"}  # signed for another player
    assert (await api.post("/users", {"authData": {"gcenter": forged}})).body["code"] == 101
    rogue = fakes.game_center("G:3", rogue=True)  # a certificate the root did not issue
    assert (await api.post("/users", {"authData": {"gcenter": rogue}})).body["code"] == 101
    elsewhere = fakes.game_center("G:4", url="https://evil.example/cert.cer")
    refused = await api.post("/users", {"authData": {"gcenter": elsewhere}})
    assert refused.body == {"code": 101, "error": "Apple Game Center - invalid publicKeyUrl: https://evil.example/cert.cer"}
    assert await user_count(api) == 1


async def test_a_custom_python_adapter(api: Client) -> None:
    good = {"sso": {"id": "emp-1", "token": "s3cret:emp-1", "app": "app-1"}}
    created = await api.post("/users", {"authData": good})
    assert created.status == 201, created.body
    forged = await api.post("/users", {"authData": {"sso": {"id": "emp-2", "token": "s3cret:emp-1", "app": "app-1"}}})
    assert forged.status == 400 and forged.body == {"code": 141, "error": "SSO token is not valid for this user"}
    other_app = await api.post("/users", {"authData": {"sso": {**good["sso"], "app": "app-2"}}})
    assert other_app.body["code"] == 141 and "another app" in other_app.body["error"]
    login = await api.post("/users", {"authData": good})
    assert login.status == 200 and login.body["objectId"] == created.body["objectId"]


async def test_link_then_unlink_a_provider(api: Client, fakes: FakeProviders) -> None:
    user = await api.post("/users", {"username": "ann", "password": "pw-ann-123"})
    token, user_id = user.body["sessionToken"], user.body["objectId"]
    google = {"id": "g-ann", "id_token": fakes.id_token("google", "g-ann")}
    linked = await api.put(f"/users/{user_id}", {"authData": {"google": google}}, session_token=token)
    assert linked.status == 200 and linked.body["authDataResponse"] == {}, linked.body
    login = await api.post("/users", {"authData": {"google": {"id": "g-ann",
                                                              "id_token": fakes.id_token("google", "g-ann")}}})
    assert login.status == 200 and login.body["objectId"] == user_id
    # a forged token cannot be linked
    forged = {"id": "g-forged", "id_token": fakes.id_token("google", "g-forged", key=fakes.other_key)}
    refused = await api.put(f"/users/{user_id}", {"authData": {"google": forged}}, session_token=token)
    assert refused.body["code"] == 101
    unlinked = await api.put(f"/users/{user_id}", {"authData": {"google": None}}, session_token=token)
    assert unlinked.status == 200, unlinked.body
    me = await api.get("/users/me", session_token=token)
    assert "google" not in (me.body.get("authData") or {})
    fresh = await api.post("/users", {"authData": {"google": {"id": "g-ann",
                                                              "id_token": fakes.id_token("google", "g-ann")}}})
    assert fresh.status == 201 and fresh.body["objectId"] != user_id


async def test_another_accounts_provider_id_answers_208(api: Client, fakes: FakeProviders) -> None:
    holder = await api.post("/users", {"authData": {"apple": {"id": "a-1", "token": fakes.id_token("apple", "a-1")}}})
    assert holder.status == 201
    other = await api.post("/users", {"username": "bob", "password": "pw-bob-123"})
    apple = {"id": "a-1", "token": fakes.id_token("apple", "a-1")}
    linked = await api.put(f"/users/{other.body['objectId']}", {"authData": {"apple": apple}},
                           session_token=other.body["sessionToken"])
    assert linked.status == 400 and linked.body == {"code": 208, "error": "this auth is already used"}
    # logged in as bob, a signup/login with the holder's apple id is refused too
    as_bob = await api.post("/users", {"authData": {"apple": apple}}, session_token=other.body["sessionToken"])
    assert as_bob.body["code"] == 208
    # and a forged token for that id does not even reach the 208 (validation first)
    forged = {"id": "a-1", "token": fakes.id_token("apple", "a-1", key=fakes.other_key)}
    probe = await api.put(f"/users/{other.body['objectId']}", {"authData": {"apple": forged}},
                          session_token=other.body["sessionToken"])
    assert probe.body["code"] == 101
    stored = await api.get(f"/users/{other.body['objectId']}", master=True)
    assert "authData" not in stored.body


@pytest.mark.parametrize("body", [{"authData": {"myspace": {"id": "1"}}}, {"authData": {"spotify": {"id": "1"}}},
                                  {"authData": "google"}, {"authData": {"google": "x"}}])
async def test_unknown_or_unconfigured_providers_answer_252(api: Client, body: dict[str, Any]) -> None:
    reply = await api.post("/users", body)
    assert reply.status == 400 and reply.body["code"] == 252, reply.body
    assert await user_count(api) == 0


async def test_a_client_cannot_write_provider_data_around_the_adapters(api: Client, fakes: FakeProviders) -> None:
    user = await api.post("/users", {"username": "cy", "password": "pw-cy-1234"})
    token, user_id = user.body["sessionToken"], user.body["objectId"]
    for body in ({"authData.google": {"id": "g-x"}}, {"authData.google.id": "g-x"},
                 {"authData": {"google": {"id": "g-x"}}}, {"authData.sso": {"id": "emp-9"}}):
        reply = await api.put(f"/users/{user_id}", body, session_token=token)
        assert reply.status >= 400 and reply.body["code"] in (101, 141, 252), (body, reply.body)
    stored = await api.get(f"/users/{user_id}", master=True)
    assert "authData" not in stored.body
    # nor read another user's
    other = await api.post("/users", {"authData": {"apple": {"id": "a-2", "token": fakes.id_token("apple", "a-2")}}})
    seen = await api.get(f"/users/{other.body['objectId']}", session_token=token)
    assert "authData" not in (seen.body or {})


@pytest.mark.settings(enableAnonymousUsers=False)
async def test_anonymous_users_can_be_turned_off(api: Client) -> None:
    reply = await api.post("/users", {"authData": {"anonymous": {"id": "c0ffee00-0000-4000-8000-00000000abcd"}}})
    assert reply.status == 400 and reply.body["code"] == 252


async def test_a_boot_with_a_bad_auth_option_fails(tmp_path: Any) -> None:
    from parse_compat.auth.adapters import AuthAdapters
    for options, words in (({"google": {}}, "clientId"), ({"nope": {"x": 1}}, "not a built-in"),
                           ({"mine": {"module": "no.such.module"}}, "cannot import"),
                           ({"otp": {"module": "tests.auth_fakes.custom_otp"}}, "code is required"),
                           ({"mfa": {"options": ["SMS"]}}, "TOTP")):
        with pytest.raises(ValueError, match=words):
            AuthAdapters(options)


async def test_rotated_keys_are_fetched_again(api: Client, fakes: FakeProviders) -> None:
    first = await api.post("/users", {"authData": {"apple": {"id": "rot", "token": fakes.id_token("apple", "rot")}}})
    assert first.status == 201
    fakes.rotate()
    rotated = {"apple": {"id": "rot", "token": fakes.id_token("apple", "rot", kid="k2")}}
    throttled = await api.post("/users", {"authData": rotated})
    assert throttled.body["code"] == 101  # an unknown key id right after a fetch does not refetch
    assert fakes.hits["/apple/auth/keys"] == 1
    assert api.state is not None
    api.state.services.auth_adapters.tools.jwks.refetch_interval = 0
    again = await api.post("/users", {"authData": rotated})
    assert again.status == 200 and again.body["objectId"] == first.body["objectId"], again.body
    assert fakes.hits["/apple/auth/keys"] == 2


async def test_a_slow_provider_is_cut_off(api: Client) -> None:
    started = time.monotonic()
    reply = await api.post("/users", {"authData": {"linkedin": {"id": "li-1", "access_token": "t"}}})
    assert reply.status == 404 and reply.body["code"] == 101
    assert time.monotonic() - started < 2.5  # the provider would answer after 3 s; the option says 0.5 s


async def test_an_account_with_mfa_needs_the_code_with_its_provider_too(api: Client, fakes: FakeProviders) -> None:
    apple = {"id": "a-mfa", "token": fakes.id_token("apple", "a-mfa")}
    user = await api.post("/users", {"authData": {"apple": apple}})
    totp = pyotp.TOTP(pyotp.random_base32())
    setup = await api.put(f"/users/{user.body['objectId']}", {"authData": {"mfa": {"secret": totp.secret,
                                                                                   "token": totp.now()}}},
                          session_token=user.body["sessionToken"])
    assert setup.status == 200, setup.body
    fresh = {"id": "a-mfa", "token": fakes.id_token("apple", "a-mfa")}
    alone = await api.post("/users", {"authData": {"apple": fresh}})
    assert alone.status == 400 and alone.body == {"code": -1, "error": "Missing additional authData mfa"}
    both = await api.post("/users", {"authData": {"apple": fresh, "mfa": {"token": totp.now()}}})
    assert both.status == 200 and both.body["objectId"] == user.body["objectId"], both.body
    assert both.body["authData"]["mfa"] == {"status": "enabled"}
