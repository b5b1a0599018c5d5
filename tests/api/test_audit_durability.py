"""The audit trail's promises on a real server process (SQLite file):

- an audited read whose answer reached the client has its `_Audit` entry on disk: `kill -9` at a
  random moment under load loses none (each entry is in the process's journal before the response
  is sent, and the next process stores what the journal holds);
- several server processes (`--workers 2`) appending to one chain never fork it: the head is
  read and the batch appended in one write transaction, and `seq` is unique.
"""

from __future__ import annotations

import asyncio
import json
import random
import signal
import subprocess
import sys
from pathlib import Path

import aiohttp

from parse_compat.audit.log import FLUSH_SECONDS

from .server_process import APP_ID, MASTER_KEY, ROOT, call, free_port, start

SCHEMA = {"classes": [{"className": "Chart", "audit": True, "fields": {"n": {"type": "Number"}}}]}


def audited_server(tmp: Path, port: int, *extra: str) -> subprocess.Popen[bytes]:
    schema = tmp / "schema.json"
    schema.write_text(json.dumps(SCHEMA))
    return start(tmp, port, "--schema", str(schema), *extra)


def verify(tmp: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "parse_compat", "audit", "verify", "--appId", APP_ID,
                           "--masterKey", MASTER_KEY, "--dataDir", str(tmp),
                           "--databaseURI", f"sqlite:///{tmp / 'p.db'}"],
                          capture_output=True, text=True, timeout=120, cwd=ROOT)


async def _read_until_killed(port: int, ids: list[str], acknowledged: list[str], stop: asyncio.Event) -> None:
    headers = {"X-Parse-Application-Id": APP_ID, "X-Parse-Master-Key": MASTER_KEY}
    async with aiohttp.ClientSession(headers=headers) as http:
        while not stop.is_set():
            object_id = random.choice(ids)
            try:
                async with http.get(f"http://127.0.0.1:{port}/parse/classes/Chart/{object_id}") as resp:
                    if resp.status == 200:
                        await resp.read()
                        acknowledged.append(object_id)
            except (TimeoutError, aiohttp.ClientError):
                return


async def test_kill_9_under_reads_loses_no_audit_entry_of_an_answered_read(tmp_path: Path) -> None:
    port = free_port()
    proc = await asyncio.to_thread(audited_server, tmp_path, port)
    ids = []
    for n in range(20):
        status, body = await asyncio.to_thread(call, port, "POST", "/classes/Chart", {"n": n})
        assert status == 201
        ids.append(body["objectId"])
    acknowledged: list[str] = []
    stop = asyncio.Event()
    readers = [asyncio.create_task(_read_until_killed(port, ids, acknowledged, stop)) for _ in range(8)]
    try:
        target = random.randint(150, 400)
        while len(acknowledged) < target:
            assert not all(r.done() for r in readers), "the readers stopped before the kill"
            await asyncio.sleep(0.01)
        proc.send_signal(signal.SIGKILL)
    finally:
        stop.set()
        await asyncio.gather(*readers)
        proc.kill()
        await asyncio.to_thread(proc.wait, 10)
    proc = await asyncio.to_thread(audited_server, tmp_path, port)
    try:
        status, body = await asyncio.to_thread(
            call, port, "GET", "/classes/_Audit?limit=100000&keys=action,targetId&where=" + '{"action":"get"}')
        stored = [row["targetId"] for row in body["results"]]
        assert len(acknowledged) >= 150
        for object_id in set(acknowledged):  # every answered read of each object is in the trail
            assert stored.count(object_id) >= acknowledged.count(object_id), object_id
    finally:
        proc.kill()
        await asyncio.to_thread(proc.wait, 10)
    checked = await asyncio.to_thread(verify, tmp_path)
    assert checked.returncode == 0, checked.stdout + checked.stderr


async def test_two_workers_append_to_one_unbroken_chain(tmp_path: Path) -> None:
    port = free_port()
    proc = await asyncio.to_thread(audited_server, tmp_path, port, "--workers", "2")
    try:
        ids = []
        for n in range(10):
            status, body = await asyncio.to_thread(call, port, "POST", "/classes/Chart", {"n": n})
            ids.append(body["objectId"])
        acknowledged: list[str] = []
        stop = asyncio.Event()
        readers = [asyncio.create_task(_read_until_killed(port, ids, acknowledged, stop)) for _ in range(8)]
        while len(acknowledged) < 300:
            assert not all(r.done() for r in readers)
            await asyncio.sleep(0.01)
        stop.set()
        await asyncio.gather(*readers)
        # each worker stores its journaled entries within FLUSH_SECONDS; the one answering syncs its own
        deadline = asyncio.get_running_loop().time() + 20 * FLUSH_SECONDS
        while True:
            status, body = await asyncio.to_thread(call, port, "GET", "/classes/_Audit?count=1&limit=0")
            if body["count"] == 10 + len(acknowledged) or asyncio.get_running_loop().time() > deadline:
                break
            await asyncio.sleep(FLUSH_SECONDS / 5)
        assert body["count"] == 10 + len(acknowledged)
    finally:
        proc.send_signal(signal.SIGTERM)
        await asyncio.to_thread(proc.wait, 30)
    checked = await asyncio.to_thread(verify, tmp_path)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert f"intact: {10 + len(acknowledged)} entries" in checked.stdout
