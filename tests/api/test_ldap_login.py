"""The `ldap` auth adapter (issue 14) against a real OpenLDAP `slapd` (tests/auth_fakes/ldap_directory.py):
signup and login by binding with the directory password (never stored), Parse's answers for a wrong
password or a user outside the group, the id escaped in the DN and in the group filter, `ldaps://`
with the certificate given in `tlsOptions.ca` (and refused without it), and boot-time option checks."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from parse_compat.auth.adapters import AuthAdapters, AuthRequest
from parse_compat.errors import ParseError
from parse_compat.storage.base import FindOptions
from tests.auth_fakes.ldap_directory import SUFFIX, LdapDirectory

from .conftest import Client

GROUP = {"groupCn": "staff", "groupFilter": "(&(objectClass=posixGroup)(memberUid={{id}}))"}


@pytest.fixture
def directory(tmp_path: Path) -> Iterator[LdapDirectory]:
    ldap = LdapDirectory(tmp_path / "slapd").start()
    yield ldap
    ldap.stop()


@pytest.fixture
def settings_overrides(directory: LdapDirectory) -> dict[str, Any]:
    return {"schema": None, "auth": {"ldap": {"url": directory.url, "suffix": SUFFIX,
                                              "dn": f"uid={{{{id}}}},ou=users,{SUFFIX}", **GROUP}}}


async def stored_auth_data(api: Client, object_id: str) -> Any:
    schema = api.state.schemas.get("_User")
    rows = await api.state.storage.find(schema, {"objectId": object_id}, FindOptions(limit=1))
    return rows[0].get("authData")


async def test_a_directory_user_signs_up_and_logs_in_and_the_password_is_not_kept(api: Client) -> None:
    signup = await api.post("/users", {"authData": {"ldap": {"id": "alice", "password": "alice-pw"}}})
    assert signup.status == 201, signup.body
    user_id = signup.body["objectId"]
    assert await stored_auth_data(api, user_id) == {"ldap": {"id": "alice"}}
    shown = await api.get(f"/users/{user_id}", master=True)
    assert shown.body["authData"] == {"ldap": {"id": "alice"}}

    again = await api.post("/users", {"authData": {"ldap": {"id": "alice", "password": "alice-pw"}}})
    assert again.status == 200 and again.body["objectId"] == user_id, again.body
    assert (await api.get("/users/me", session_token=again.body["sessionToken"])).body["objectId"] == user_id
    assert await stored_auth_data(api, user_id) == {"ldap": {"id": "alice"}}

    for data in ({"id": "alice", "password": "wrong"}, {"id": "alice"}, {"id": "alice", "password": ""},
                 {"id": "nobody", "password": "x"}):
        refused = await api.post("/users", {"authData": {"ldap": data}})
        assert refused.status == 404 and refused.body == {"code": 101, "error": "LDAP: Wrong username or password"}, \
            (data, refused.body)
    count = await api.get("/users", master=True, params={"count": 1, "limit": 0})
    assert count.body["count"] == 1


async def test_a_user_outside_the_group_is_refused(api: Client) -> None:
    refused = await api.post("/users", {"authData": {"ldap": {"id": "bob", "password": "bob-pw"}}})
    assert refused.body == {"code": 1, "error": "LDAP: User not in group"}
    assert (await api.get("/users", master=True)).body["results"] == []


async def test_an_id_with_dn_and_filter_characters_is_escaped(api: Client) -> None:
    special = await api.post("/users", {"authData": {"ldap": {"id": "o'neil,jr", "password": "o'neil,jr-pw"}}})
    assert special.status == 201, special.body  # bound as uid=o'neil\,jr and found by memberUid=o'neil,jr
    # a filter wildcard is a literal: "*" is nobody (and binds as nobody)
    wildcard = await api.post("/users", {"authData": {"ldap": {"id": "*", "password": "alice-pw"}}})
    assert wildcard.body["code"] == 101


def _adapters(options: dict[str, Any]) -> AuthAdapters:
    return AuthAdapters({"ldap": options})


async def _validate(adapters: AuthAdapters, data: dict[str, Any]) -> dict[str, Any]:
    stored, _ = await adapters.validate({"ldap": data}, AuthRequest(), None, False)
    return stored


async def test_without_a_group_a_bind_is_enough_and_the_default_dn_uses_the_suffix(directory: LdapDirectory) -> None:
    adapter = _adapters({"url": directory.url, "suffix": f"ou=users,{SUFFIX}"})
    assert await _validate(adapter, {"id": "bob", "password": "bob-pw"}) == {"ldap": {"id": "bob"}}
    hooks = adapter.require("ldap").hooks
    assert hooks["validate_auth_data"].__self__.bind_dn("a,b=c") == f"uid=a\\,b\\=c,ou=users,{SUFFIX}"


async def test_ldaps_trusts_the_certificate_given_in_tls_options_only(directory: LdapDirectory) -> None:
    trusted = _adapters({"url": directory.tls_url, "suffix": SUFFIX, "dn": f"uid={{{{id}}}},ou=users,{SUFFIX}",
                         "tlsOptions": {"ca": directory.cert_pem.decode()}, **GROUP})
    assert await _validate(trusted, {"id": "alice", "password": "alice-pw"}) == {"ldap": {"id": "alice"}}
    with pytest.raises(ParseError) as wrong:
        await _validate(trusted, {"id": "alice", "password": "nope"})
    assert (wrong.value.code, wrong.value.message) == (101, "LDAP: Wrong username or password")

    ca = directory.cert_pem.decode()
    localhost = directory.tls_url.replace("127.0.0.1", "localhost")  # the certificate names 127.0.0.1 only
    for url, tls_options in ((directory.tls_url, {}), (localhost, {"ca": [ca]})):
        untrusted = _adapters({"url": url, "suffix": f"ou=users,{SUFFIX}", "tlsOptions": tls_options})
        with pytest.raises(ParseError) as mismatch:
            await _validate(untrusted, {"id": "alice", "password": "alice-pw"})
        assert (mismatch.value.code, mismatch.value.message) == (101, "LDAPS: Certificate mismatch"), tls_options
    unchecked = _adapters({"url": directory.tls_url, "suffix": f"ou=users,{SUFFIX}",
                           "tlsOptions": {"rejectUnauthorized": False}})  # Node's switch, as in Parse
    assert await _validate(unchecked, {"id": "alice", "password": "alice-pw"}) == {"ldap": {"id": "alice"}}


async def test_an_unreachable_directory_fails_within_its_timeout(directory: LdapDirectory) -> None:
    directory.stop()
    adapter = _adapters({"url": directory.url, "suffix": SUFFIX, "timeout": 2})
    started = time.monotonic()
    with pytest.raises(ParseError) as failed:
        await _validate(adapter, {"id": "alice", "password": "alice-pw"})
    assert failed.value.code == 101 and failed.value.message.startswith("LDAP: Somthing went wrong (")
    assert time.monotonic() - started < 7


@pytest.mark.parametrize("options", [
    {"url": "ldap://127.0.0.1:1"},  # no suffix
    {"suffix": SUFFIX},  # no url
    {"url": "http://127.0.0.1:1", "suffix": SUFFIX},
    {"url": "ldaps://127.0.0.1:1", "suffix": SUFFIX},  # ldaps without tlsOptions (Parse's rule)
    {"url": "ldaps://127.0.0.1:1", "suffix": SUFFIX, "tlsOptions": {"cert": "x", "key": "y"}},
    {"url": "ldap://127.0.0.1:1", "suffix": SUFFIX, "dn": "cn=fixed"},
    {"url": "ldap://127.0.0.1:1", "suffix": SUFFIX, "groupCn": 5},
])
def test_bad_options_stop_the_boot(options: dict[str, Any]) -> None:
    with pytest.raises(ValueError, match="auth.ldap"):
        _adapters(options)
