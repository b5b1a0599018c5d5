"""Push fan-out (issue 14): how fast `POST /push` answers, how long the background send to N
installations takes, and whether the server keeps answering other requests meanwhile.

A loopback server on SQLite with the default logging push adapter (it sends nothing, so this
measures the server's own work: counting, paging through installations with the query path,
`_PushStatus` updates). While the push runs, a probe sends `GET /classes/_Installation?limit=1`
every 20 ms and reports its latency.

    .venv/bin/python bench/push.py --installations 5000 --batch 100
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp.test_utils import TestServer

from parse_compat.app import STATE_KEY, create_app
from parse_compat.settings import Settings

APP_ID, MASTER_KEY = "bench", "bench-master"
HEADERS = {"X-Parse-Application-Id": APP_ID, "X-Parse-Master-Key": MASTER_KEY}


async def _fill(http: aiohttp.ClientSession, base: str, count: int) -> None:
    for start in range(0, count, 50):
        requests = [{"method": "POST", "path": "/parse/installations", "body": {
            "installationId": f"00000000-0000-0000-0000-{n:012d}", "deviceType": "ios" if n % 2 else "android",
            "deviceToken": f"token-{n}", "channels": ["all"]}} for n in range(start, min(start + 50, count))]
        async with http.post(f"{base}/batch", json={"requests": requests}) as resp:
            assert resp.status == 200, await resp.text()


async def _probe(http: aiohttp.ClientSession, base: str, stop: asyncio.Event, out: list[float]) -> None:
    while not stop.is_set():
        began = time.perf_counter()
        async with http.get(f"{base}/classes/_Installation", params={"limit": "1"}) as resp:
            await resp.read()
        out.append((time.perf_counter() - began) * 1000)
        await asyncio.sleep(0.02)  # a client every 20 ms, not a flood that starves the push


async def main(args: argparse.Namespace) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as folder:
        settings = Settings(appId=APP_ID, masterKey=MASTER_KEY, databaseURI=f"sqlite:///{Path(folder) / 'b.db'}",
                            schema=None, cloud=None, dataDir=folder, push={"queueOptions": {"batchSize": args.batch}})
        server = TestServer(create_app(settings), host="127.0.0.1")
        await server.start_server()
        base = f"http://127.0.0.1:{server.port}/parse"
        try:
            async with aiohttp.ClientSession(headers=HEADERS) as http:
                await _fill(http, base, args.installations)
                latencies: list[float] = []
                stop = asyncio.Event()
                probe = asyncio.create_task(_probe(http, base, stop, latencies))
                await asyncio.sleep(0.5)
                baseline = list(latencies)
                latencies.clear()
                began = time.perf_counter()
                async with http.post(f"{base}/push", json={"channels": ["all"], "data": {"alert": "hi"}}) as resp:
                    answered = (time.perf_counter() - began) * 1000
                    status_id = resp.headers["X-Parse-Push-Status-Id"]
                await server.app[STATE_KEY].services.push.wait_idle()
                total = time.perf_counter() - began
                stop.set()
                await probe
                async with http.get(f"{base}/classes/_PushStatus/{status_id}") as resp:
                    status = await resp.json()
        finally:
            await server.close()

    def p(values: list[float], q: float) -> float:
        return statistics.quantiles(values, n=100)[q - 1] if len(values) >= 2 else (values or [0.0])[0]

    return {"installations": args.installations, "batch": args.batch, "push_answer_ms": round(answered, 1),
            "send_seconds": round(total, 2), "installations_per_s": round(args.installations / total),
            "status": status.get("status"), "numFailed": status.get("numFailed"),
            "probe_idle_p50_ms": round(p(baseline, 50), 1), "probe_during_p50_ms": round(p(latencies, 50), 1),
            "probe_during_p99_ms": round(p(latencies, 99), 1), "probe_requests_during": len(latencies)}


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--installations", type=int, default=5000)
    parser.add_argument("--batch", type=int, default=100)
    print(asyncio.run(main(parser.parse_args())))
