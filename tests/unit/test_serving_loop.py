"""The server's event loop: uvloop when it is installed (a dependency on every platform but Windows)."""

from __future__ import annotations

import asyncio

import uvloop

from parse_compat import serving


def test_server_loop_is_uvloop_when_installed() -> None:
    factory = serving.event_loop_factory()
    assert factory is uvloop.new_event_loop
    with asyncio.Runner(loop_factory=factory) as runner:
        assert isinstance(runner.get_loop(), uvloop.Loop)
