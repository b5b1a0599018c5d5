"""The login policy of auth providers (Parse's checkIfUserHasProvidedConfiguredProvidersForLogin):
an account's "additional" providers are needed on every login unless a "solo" one is used."""

from __future__ import annotations

import pytest

from parse_compat.auth.adapters import AuthAdapters, AuthRequest
from parse_compat.errors import OTHER_CAUSE, ParseError

ADAPTERS = {"otp": {"module": "tests.auth_fakes.custom_otp", "code": "1"},
            "passkey": {"module": "tests.auth_fakes.custom_solo"},
            "mfa": {"enabled": True, "options": ["TOTP"]}}
STORED = {"anonymous": {"id": "a"}, "otp": {"enabled": True}, "passkey": {"id": "p"}, "mfa": {"secret": "S" * 32}}


@pytest.mark.parametrize("provided, missing", [
    ({}, "otp,mfa"),
    ({"anonymous": {"id": "a"}}, "otp,mfa"),
    ({"otp": {"code": "1"}}, None),  # one additional provider is enough, as Parse
    ({"mfa": {"token": "123456"}}, None),
    ({"passkey": {"id": "p", "assertion": "signed:p"}}, None),  # solo: no additional provider needed
])
def test_additional_and_solo(provided: dict, missing: str | None) -> None:
    adapters = AuthAdapters(ADAPTERS)
    if missing is None:
        adapters.check_login_policy(provided, STORED, AuthRequest())
        return
    with pytest.raises(ParseError) as caught:
        adapters.check_login_policy(provided, STORED, AuthRequest())
    assert caught.value.code == OTHER_CAUSE and caught.value.message == f"Missing additional authData {missing}"


def test_an_account_without_additional_providers_needs_nothing() -> None:
    AuthAdapters(ADAPTERS).check_login_policy({}, {"passkey": {"id": "p"}}, AuthRequest())
