"""User behaviour on a bare app (no dental template: `email` is not required there)."""

from __future__ import annotations

from typing import Any

import pytest

from .conftest import Client

pytestmark = pytest.mark.asyncio


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return {"schema": None}


async def test_anonymous_signup_then_login(api: Client) -> None:
    body = {"authData": {"anonymous": {"id": "11111111-2222-3333-4444-555555555555"}}}
    first = await api.post("/users", body)
    assert first.status == 201, first.body
    assert len(first.body["username"]) == 25 and first.body["authDataResponse"] == {}
    again = await api.post("/users", body)
    assert again.status == 200 and again.body["objectId"] == first.body["objectId"]
