"""Parse's `enableInsecureAuthAdapters` (issue 14, deliverable 6): a provider's insecure mode
(GitHub with a client-held access token) needs it, against a local fake of GitHub."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from parse_compat.auth.adapters import AuthAdapters
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
    auth = fakes.auth_options()
    auth["github"]["enableInsecureAuth"] = True
    return {"schema": None, "auth": auth, "enableInsecureAuthAdapters": True}


async def test_with_the_option_a_client_held_github_token_signs_up(api: Client, fakes: FakeProviders) -> None:
    fakes.github_tokens["gho_client_held"] = 77
    signup = await api.post("/users", {"authData": {"github": {"id": "77", "access_token": "gho_client_held"}}})
    assert signup.status == 201, signup.body
    again = await api.post("/users", {"authData": {"github": {"id": "77", "access_token": "gho_client_held"}}})
    assert again.status == 200 and again.body["objectId"] == signup.body["objectId"]
    wrong_id = await api.post("/users", {"authData": {"github": {"id": "78", "access_token": "gho_client_held"}}})
    assert wrong_id.body["code"] == 101
    unknown = await api.post("/users", {"authData": {"github": {"id": "77", "access_token": "gho_forged"}}})
    assert unknown.body["code"] == 101


async def test_without_the_option_an_insecure_provider_stops_the_boot() -> None:
    options = {"github": {"enableInsecureAuth": True}}
    with pytest.raises(ValueError, match="enableInsecureAuthAdapters"):
        AuthAdapters(options)
    assert AuthAdapters(options, enable_insecure_adapters=True).get("github") is not None
