"""An acknowledged write on SQLite survives `kill -9` of the server process, at any moment.

SQLite runs in WAL mode with ``synchronous=NORMAL``: a transaction is in the WAL file (the
operating system's page cache) when COMMIT returns, and every write commits before its 201, so
killing the process loses nothing acknowledged (only a power cut could lose the last commits).
"""

from __future__ import annotations

import asyncio
import random
import signal
from pathlib import Path

import aiohttp

from .server_process import APP_ID, MASTER_KEY, call, free_port, start


def test_acknowledged_writes_survive_kill_9(tmp_path: Path) -> None:
    port = free_port()
    proc = start(tmp_path, port)
    ids = []
    try:
        for n in range(20):
            status, body = call(port, "POST", "/classes/Note", {"n": n})
            assert status == 201
            ids.append(body["objectId"])
        status, _ = call(port, "PUT", f"/classes/Note/{ids[0]}", {"n": {"__op": "Increment", "amount": 100}})
        assert status == 200
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)
    proc = start(tmp_path, port)
    try:
        status, body = call(port, "GET", "/classes/Note?count=1&limit=1000&order=n")
        assert body["count"] == 20
        assert {r["objectId"] for r in body["results"]} == set(ids)
        assert body["results"][-1]["n"] == 100
    finally:
        proc.kill()
        proc.wait(timeout=10)


async def _create_until_killed(port: int, acknowledged: list[str], stop: asyncio.Event) -> None:
    headers = {"X-Parse-Application-Id": APP_ID, "X-Parse-Master-Key": MASTER_KEY}
    url = f"http://127.0.0.1:{port}/parse/classes/Load"
    async with aiohttp.ClientSession(headers=headers) as http:
        n = 0
        while not stop.is_set():
            n += 1
            try:
                async with http.post(url, json={"n": n, "pad": "x" * 200}) as resp:
                    if resp.status == 201:
                        acknowledged.append((await resp.json())["objectId"])
            except (TimeoutError, aiohttp.ClientError):
                return  # the server is gone: whatever was not acknowledged may or may not be there


async def test_kill_9_under_a_load_of_creates_loses_no_acknowledged_write(tmp_path: Path) -> None:
    port = free_port()
    proc = await asyncio.to_thread(start, tmp_path, port)
    acknowledged: list[str] = []
    stop = asyncio.Event()
    writers = [asyncio.create_task(_create_until_killed(port, acknowledged, stop)) for _ in range(8)]
    try:
        target = random.randint(150, 400)  # kill at a random moment in the middle of the load
        while len(acknowledged) < target:
            assert not all(w.done() for w in writers), "the writers stopped before the kill"
            await asyncio.sleep(0.01)
        proc.send_signal(signal.SIGKILL)
    finally:
        stop.set()
        await asyncio.gather(*writers)
        proc.kill()
        await asyncio.to_thread(proc.wait, 10)
    proc = await asyncio.to_thread(start, tmp_path, port)
    try:
        status, body = await asyncio.to_thread(call, port, "GET", "/classes/Load?keys=objectId&limit=100000")
        stored = {row["objectId"] for row in body["results"]}
        assert len(acknowledged) >= 150
        assert set(acknowledged) <= stored, f"{len(set(acknowledged) - stored)} acknowledged creates lost"
    finally:
        proc.kill()
        await asyncio.to_thread(proc.wait, 10)
