"""A real loopback server per test with cloud code loaded, and handles on its app state.

Reuses the REST client of `tests/api/conftest.py`. `settings_overrides` picks the cloud code
(default: `tests.cloud.fixtures_module`; the dental tests use `cloud_code`).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp.test_utils import TestServer

from parse_compat.app import STATE_KEY, create_app
from parse_compat.cloud.runtime import CloudRuntime
from parse_compat.mail import Email
from parse_compat.state import AppState
from tests.api.conftest import ADAPTERS, APP_ID, MASTER_KEY, Client, Reply, make_settings

__all__ = ["APP_ID", "MASTER_KEY", "Client", "Reply", "Running"]


@dataclass
class Running:
    client: Client
    server: TestServer

    @property
    def state(self) -> AppState:
        return self.server.app[STATE_KEY]

    @property
    def runtime(self) -> CloudRuntime:
        return self.state.services.cloud


@pytest.fixture(params=ADAPTERS)
def adapter_name(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return {"cloud": "tests.cloud.fixtures_module"}


async def start(tmp_path: Path, adapter: str, overrides: dict[str, Any]) -> tuple[TestServer, Client,
                                                                                  aiohttp.ClientSession]:
    settings = make_settings(tmp_path, adapter, **overrides)
    server = TestServer(create_app(settings), host="127.0.0.1")
    await server.start_server()
    settings.serverURL = f"http://127.0.0.1:{server.port}/parse"
    settings.publicServerURL = settings.serverURL
    session = aiohttp.ClientSession()
    return server, Client(session, settings.serverURL), session


@pytest.fixture
async def running(tmp_path: Path, adapter_name: str, settings_overrides: dict[str, Any]) -> AsyncIterator[Running]:
    server, client, session = await start(tmp_path, adapter_name, settings_overrides)
    try:
        yield Running(client, server)
    finally:
        await session.close()
        await server.close()


@pytest.fixture
def api(running: Running) -> Client:
    return running.client


class Outbox:
    """A mail adapter that keeps what it is asked to send (the template's invitations and reminders)."""

    def __init__(self) -> None:
        self.sent: list[Email] = []

    async def send(self, message: Email) -> None:
        self.sent.append(message)

    def link(self) -> str:
        """The first link of the last mail."""
        return next(word for word in self.sent[-1].text.split() if word.startswith("http"))


@pytest.fixture
def outbox(running: Running) -> Outbox:
    box = Outbox()
    running.state.services.mail = box
    return box
