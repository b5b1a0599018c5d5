"""Live Query benchmark: fan-out latency and memory per idle websocket (a script, not a test).

What it does:
1. Raises the open-file limit (soft → hard) and starts one server process on a fresh SQLite file
   (`python -m parse_compat`, loopback, free port) with Live Query on for the class `Bench`
   (`--redis` adds `"redisURL"`, so the change goes through Redis pub/sub and back).
2. Warms the server up and reads its RSS (VmRSS from /proc).
3. `--procs` client processes open `--clients` websockets in total, `connect` and `subscribe`:
   `--matching` of them to `{"room": "hot"}`, every other one to its own query
   `{"room": "cold-<n>"}` (so the server holds `clients - matching + 1` distinct queries and
   matches each change against all of them). When all are subscribed and idle, the RSS is read
   again: (RSS after - RSS before) / clients = memory per idle subscribed connection.
4. `--writes` times: POST /classes/Bench `{"room": "hot"}` (master key), then waits `--gap`
   seconds. Each client process stamps every event with `time.monotonic()` (one clock for all
   processes on Linux). Per write: delay of the *last* matching client = latest receipt minus
   the moment the REST create returned; p50 / p99 over the writes, and over every
   (client, write) receipt. Every write must reach exactly `--matching` clients.

Example: .venv/bin/python bench/livequery.py --clients 5000 --matching 1000 --writes 40 [--redis]
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import resource
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import aiohttp

ROOT = Path(__file__).resolve().parents[1]
APP_ID = "bench-lq"
MASTER_KEY = "bench-lq-master"
REDIS_URL = "redis://127.0.0.1:6379/0"
CONNECT_PARALLEL = 100


def raise_fd_limit() -> int:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError("no VmRSS")


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return ordered[index]


# --- client process -------------------------------------------------------------------------------
async def client_process(url: str, first: int, count: int, matching: int) -> None:
    """Opens `count` sockets (global indices first..first+count-1); stamps events; reports on `done`."""
    receipts: list[tuple[str, float]] = []
    connector = aiohttp.TCPConnector(limit=0)
    async with aiohttp.ClientSession(connector=connector) as http:
        gate = asyncio.Semaphore(CONNECT_PARALLEL)

        async def open_one(index: int) -> aiohttp.ClientWebSocketResponse:
            async with gate:
                ws = await http.ws_connect(url, autoping=True, max_msg_size=0)
                await ws.send_str(json.dumps({"op": "connect", "applicationId": APP_ID}))
                assert json.loads((await ws.receive()).data)["op"] == "connected"
                room = "hot" if index < matching else f"cold-{index}"
                await ws.send_str(json.dumps({"op": "subscribe", "requestId": 1,
                                              "query": {"className": "Bench", "where": {"room": room}}}))
                assert json.loads((await ws.receive()).data)["op"] == "subscribed"
                return ws

        sockets = await asyncio.gather(*(open_one(first + i) for i in range(count)))

        async def listen(ws: aiohttp.ClientWebSocketResponse) -> None:
            async for message in ws:
                now = time.monotonic()
                if message.type == aiohttp.WSMsgType.TEXT:
                    data = json.loads(message.data)
                    if data.get("op") == "create":
                        receipts.append((data["object"]["objectId"], now))

        listeners = [asyncio.create_task(listen(ws)) for ws in sockets]
        # The measuring side must not stall on full collections over its own thousands of sockets.
        gc.freeze()
        print("ready", flush=True)
        loop = asyncio.get_running_loop()
        reader = asyncio.StreamReader()
        await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
        while (await reader.readline()).strip() != b"done":
            pass
        print(json.dumps(receipts), flush=True)
        for task in listeners:
            task.cancel()
        await asyncio.gather(*(ws.close() for ws in sockets), return_exceptions=True)


# --- coordinator ----------------------------------------------------------------------------------
def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_server(workdir: Path, port: int, redis: bool) -> subprocess.Popen[bytes]:
    live: dict[str, Any] = {"classNames": ["Bench"]}
    if redis:
        live["redisURL"] = REDIS_URL
    schema = workdir / "schema.json"
    schema.write_text(json.dumps({"classes": [{"className": "Bench", "fields": {"room": {"type": "String"}}}]}))
    cmd = [sys.executable, "-m", "parse_compat", "--appId", APP_ID, "--masterKey", MASTER_KEY, "--port", str(port),
           "--host", "127.0.0.1", "--dataDir", str(workdir), "--databaseURI", f"sqlite:///{workdir / 'bench.db'}",
           "--schema", str(schema), "--cloud", "", "--liveQuery", json.dumps(live), "--logLevel", "warn"]
    log = (workdir / "server.log").open("wb")
    return subprocess.Popen(cmd, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)


async def wait_health(http: aiohttp.ClientSession, base: str) -> None:
    for _ in range(150):
        try:
            async with http.get(f"{base}/health") as resp:
                if resp.status == 200:
                    return
        except aiohttp.ClientError:
            pass
        await asyncio.sleep(0.2)
    raise RuntimeError("server did not start")


async def create(http: aiohttp.ClientSession, base: str, body: dict[str, Any]) -> str:
    headers = {"X-Parse-Application-Id": APP_ID, "X-Parse-Master-Key": MASTER_KEY}
    async with http.post(f"{base}/classes/Bench", json=body, headers=headers) as resp:
        assert resp.status == 201, await resp.text()
        return str((await resp.json())["objectId"])


async def coordinate(args: argparse.Namespace) -> dict[str, Any]:
    limit = raise_fd_limit()
    if limit < args.clients + 1000:
        raise SystemExit(f"open-file limit {limit} is too low for {args.clients} clients (try `ulimit -n`)")
    workdir = Path(tempfile.mkdtemp(prefix="bench-lq-"))
    port = free_port()
    base = f"http://127.0.0.1:{port}/parse"
    server = start_server(workdir, port, args.redis)
    procs: list[subprocess.Popen[str]] = []
    try:
        async with aiohttp.ClientSession() as http:
            await wait_health(http, base)
            for _ in range(20):  # warm-up: REST, rendering, and one socket's code paths
                await create(http, base, {"room": "warm"})
            async with http.ws_connect(base.replace("http", "ws")) as ws:
                await ws.send_str(json.dumps({"op": "connect", "applicationId": APP_ID}))
                await ws.receive()
            await asyncio.sleep(1.0)
            rss_before = rss_kib(server.pid)

            per_proc = -(-args.clients // args.procs)
            started = time.monotonic()
            for first in range(0, args.clients, per_proc):
                count = min(per_proc, args.clients - first)
                procs.append(subprocess.Popen(
                    [sys.executable, __file__, "--client", base.replace("http", "ws"), str(first), str(count),
                     str(args.matching)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True))
            for proc in procs:
                assert proc.stdout is not None and proc.stdout.readline().strip() == "ready"
            connect_seconds = time.monotonic() - started
            await asyncio.sleep(args.idle)
            rss_after = rss_kib(server.pid)

            written: dict[str, float] = {}
            for _ in range(args.writes):
                object_id = await create(http, base, {"room": "hot"})
                written[object_id] = time.monotonic()
                await asyncio.sleep(args.gap)
            await asyncio.sleep(1.0)
            rss_loaded = rss_kib(server.pid)
        receipts: dict[str, list[float]] = {oid: [] for oid in written}
        for proc in procs:
            assert proc.stdin is not None and proc.stdout is not None
            proc.stdin.write("done\n")
            proc.stdin.flush()
        for proc in procs:
            assert proc.stdout is not None
            for object_id, stamp in json.loads(proc.stdout.readline()):
                receipts.setdefault(object_id, []).append(stamp)
    finally:
        for proc in procs:
            proc.kill()
        server.terminate()
        server.wait(timeout=30)
        if args.keep:
            print(f"server directory kept: {workdir}", file=sys.stderr)
        else:
            shutil.rmtree(workdir, ignore_errors=True)

    counts = {len(receipts[oid]) for oid in written}
    last = [(max(receipts[oid]) - t0) * 1000 for oid, t0 in written.items()]
    every = [(stamp - t0) * 1000 for oid, t0 in written.items() for stamp in receipts[oid]]
    return {
        "clients": args.clients, "matching": args.matching, "writes": args.writes, "procs": args.procs,
        "bus": "redis" if args.redis else "in-process", "receivers_per_write": sorted(counts),
        "connect_seconds": round(connect_seconds, 1),
        "rss_before_mib": round(rss_before / 1024, 1), "rss_idle_mib": round(rss_after / 1024, 1),
        "rss_after_writes_mib": round(rss_loaded / 1024, 1),
        "kib_per_idle_connection": round((rss_after - rss_before) / args.clients, 2),
        "last_client_ms": {"p50": round(percentile(last, 0.5), 1), "p99": round(percentile(last, 0.99), 1),
                           "max": round(max(last), 1)},
        "every_receipt_ms": {"p50": round(percentile(every, 0.5), 1), "p99": round(percentile(every, 0.99), 1)},
    }


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--client":
        url, first, count, matching = sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
        raise_fd_limit()
        asyncio.run(client_process(url, first, count, matching))
        return
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--clients", type=int, default=5000)
    parser.add_argument("--matching", type=int, default=1000)
    parser.add_argument("--writes", type=int, default=40)
    parser.add_argument("--gap", type=float, default=0.5, help="seconds between writes")
    parser.add_argument("--procs", type=int, default=2, help="client processes")
    parser.add_argument("--idle", type=float, default=3.0, help="seconds idle before reading the RSS")
    parser.add_argument("--redis", action="store_true", help=f"Live Query over Redis ({REDIS_URL})")
    parser.add_argument("--keep", action="store_true", help="keep the server's directory (log, database)")
    args = parser.parse_args()
    if args.matching > args.clients:
        parser.error("--matching cannot exceed --clients")
    print(json.dumps(asyncio.run(coordinate(args)), indent=2))


if __name__ == "__main__":
    os.environ.setdefault("PYTHONHASHSEED", "0")
    main()
