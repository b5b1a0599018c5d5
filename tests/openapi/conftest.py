"""The OpenAPI tests run on a real loopback server with the dental template (schema and cloud
code), on SQLite only: what they check is the document and the explorer, not the storage adapters."""

from __future__ import annotations

from typing import Any

import pytest

from tests.api.conftest import APP_ID, MASTER_KEY, Client, api, postgres_database  # noqa: F401 - fixtures


@pytest.fixture
def adapter_name() -> str:
    return "sqlite"


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return {"cloud": "cloud_code"}


async def openapi_document(api: Client, **credentials: Any) -> dict[str, Any]:  # noqa: F811 - the api fixture
    reply = await api.get("/openapi.json", **credentials)
    assert reply.status == 200, reply.body
    assert isinstance(reply.body, dict)
    return reply.body


__all__ = ["APP_ID", "MASTER_KEY", "Client", "api", "openapi_document"]
