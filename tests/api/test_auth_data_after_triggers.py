"""A provider id another account holds cannot reach storage through a beforeSave trigger either
(Parse's ensureUniqueAuthDataId after beforeSave) — issue 14."""

from __future__ import annotations

import pytest

from .conftest import Client

pytestmark = [pytest.mark.asyncio, pytest.mark.settings(schema=None, cloud="tests.auth_fakes.relink_cloud",
                                                        allowClientClassCreation=True)]


async def test_a_trigger_cannot_copy_another_accounts_provider_id(api: Client) -> None:
    other = await api.post("/users", {"username": "mallory", "password": "pw-mallory-1"})
    assert other.status == 201, other.body
    # the trigger writes a provider id for the first user (the master key's write: not validated)
    first = await api.post("/users", {"username": "alice", "password": "pw-alice-123", "copyAppleId": "held-a"},
                           master=True)
    assert first.status == 201, first.body
    # ...and the same id for another user: refused right before the write
    copied = await api.put(f"/users/{other.body['objectId']}", {"copyAppleId": "held-a"}, master=True)
    assert copied.status == 400 and copied.body == {"code": 208, "error": "this auth is already used"}
    stored = await api.get(f"/users/{other.body['objectId']}", master=True)
    assert "authData" not in stored.body or "apple" not in stored.body["authData"]
