"""SIGTERM stops the server cleanly: no new connections, in-flight requests finish, exit 0.

A second SIGTERM while stopping is ignored (aiohttp's ``run_app`` exited with status 1 then,
which is what made a ``--workers`` worker fail its stop now and then).
"""

from __future__ import annotations

import signal
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from .server_process import call, free_port, refuses_connections, start

SLOW_CLOUD = '''
import asyncio
from pathlib import Path


def register(cloud):
    @cloud.define("slowCreate")
    async def slow_create(request):
        Path(request.params["marker"]).write_text("started")
        await asyncio.sleep(1.0)
        return await request.sdk.as_master().create("Note", {"note": "in flight"})
'''


def _wait_until(condition: Callable[[], bool], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not reached"
        time.sleep(0.02)


def test_sigterm_finishes_the_request_in_flight_ignores_a_second_signal_and_exits_0(tmp_path: Path) -> None:
    cloud = tmp_path / "slow_cloud.py"
    cloud.write_text(SLOW_CLOUD)
    marker = tmp_path / "started"
    port = free_port()
    proc = start(tmp_path, port, "--cloud", str(cloud))
    replies: list[Any] = []
    caller = threading.Thread(target=lambda: replies.append(
        call(port, "POST", "/functions/slowCreate", {"marker": str(marker)})))
    try:
        caller.start()
        _wait_until(marker.exists)  # the function runs: the request is in flight
        proc.send_signal(signal.SIGTERM)
        _wait_until(lambda: refuses_connections(port))  # stops accepting at once
        proc.send_signal(signal.SIGTERM)  # a relayed or impatient second signal changes nothing
        caller.join(timeout=15)
        assert proc.wait(timeout=15) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=10)
    assert replies and replies[0][0] == 200, replies
    object_id = replies[0][1]["result"]["objectId"]
    proc = start(tmp_path, port)
    try:
        status, stored = call(port, "GET", f"/classes/Note/{object_id}")
        assert status == 200 and stored["note"] == "in flight"
    finally:
        proc.kill()
        proc.wait(timeout=10)
