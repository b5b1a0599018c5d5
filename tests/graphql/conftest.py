"""The GraphQL API on a real loopback server, on every storage adapter (the `api` fixture of
tests/api with `mountGraphQL` on), and a small GraphQL client for it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from tests.api.conftest import APP_ID, MASTER_KEY, Client, adapter_name, api, postgres_database  # noqa: F401 - fixtures

READ_ONLY_KEY = "read-only-key"


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return {"mountGraphQL": True, "readOnlyMasterKey": READ_ONLY_KEY}


@dataclass
class Answer:
    status: int
    body: Any

    @property
    def data(self) -> Any:
        assert self.status == 200 and not self.body.get("errors"), self.body
        return self.body["data"]

    @property
    def error_codes(self) -> list[Any]:
        return [error.get("extensions", {}).get("code") for error in self.body.get("errors", [])]


class GraphQLClient:
    def __init__(self, server: Client) -> None:
        self.api = server
        self.url = server.base.rsplit("/parse", 1)[0] + "/graphql"

    async def __call__(self, query: str, variables: dict[str, Any] | None = None, *, master: bool = False,
                       read_only: bool = False, token: str | None = None,
                       headers: dict[str, str] | None = None) -> Answer:
        hdrs = {"X-Parse-Application-Id": APP_ID, "Content-Type": "application/json"}
        if master:
            hdrs["X-Parse-Master-Key"] = MASTER_KEY
        if read_only:
            hdrs["X-Parse-Master-Key"] = READ_ONLY_KEY
        if token:
            hdrs["X-Parse-Session-Token"] = token
        hdrs.update(headers or {})
        async with self.api.session.post(self.url, json={"query": query, "variables": variables or {}},
                                         headers=hdrs) as resp:
            return Answer(resp.status, await resp.json(content_type=None))


@pytest.fixture
async def gql(api: Client) -> GraphQLClient:  # noqa: F811 - the api fixture
    return GraphQLClient(api)


async def signup(api: Client, name: str) -> dict[str, Any]:  # noqa: F811
    reply = await api.post("/users", {"username": name, "password": "pw-" + name + "-123", "email": f"{name}@x.org"})
    assert reply.status == 201, reply.body
    return dict(reply.body)


def owned_by(user_id: str) -> dict[str, Any]:
    return {user_id: {"read": True, "write": True}}
