"""One server per storage adapter per module for the property suite (an example never starts a
server): the `world` fixture runs its own event loop, and each Hypothesis example drives it."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest

from tests.api.conftest import ADAPTERS

from .world import World, build, close


@pytest.fixture(scope="module", params=ADAPTERS)
def world(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    loop = asyncio.new_event_loop()
    built = loop.run_until_complete(build(tmp_path_factory.mktemp(f"props-{request.param}"), str(request.param)))
    try:
        yield built
    finally:
        loop.run_until_complete(close(built))
        loop.close()
