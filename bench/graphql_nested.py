"""GraphQL cost over REST for the same read: 100 TreatmentPlans with their patients.

Boots one app in-process on a fresh SQLite file (dental template, `mountGraphQL`), seeds plans and
patients, then for `--duration` seconds each, at `--concurrency`, compares
`GET /classes/TreatmentPlan?limit=100&include=patient` with the GraphQL query
`treatmentPlans(first: 100) { edges { node { status patient { name } } } }` (pointers loaded by
the batched REST include). Prints req/s and p50/p99 latency per phase and the storage reads of
one GraphQL request.

    .venv/bin/python bench/graphql_nested.py --plans 1000 --duration 10 --concurrency 8
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp.test_utils import TestServer

from parse_compat.app import STATE_KEY, create_app
from parse_compat.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
APP, MASTER = "bench-app", "bench-master"
HEADERS = {"X-Parse-Application-Id": APP, "X-Parse-Master-Key": MASTER, "Content-Type": "application/json"}
QUERY = "{ treatmentPlans(first: 100) { edges { node { status patient { name } } } } }"


async def seed(session: aiohttp.ClientSession, base: str, plans: int) -> None:
    for start in range(0, plans, 50):
        batch = [{"method": "POST", "path": "/parse/classes/Patient",
                  "body": {"name": f"p{i}", "email": f"p{i}@x.org", "phone": str(i)}}
                 for i in range(start, min(plans, start + 50))]
        async with session.post(base + "/parse/batch", json={"requests": batch}, headers=HEADERS) as resp:
            made = await resp.json()
        batch = [{"method": "POST", "path": "/parse/classes/TreatmentPlan", "body": {
            "status": "open", "treatmentDetails": "d",
            "patient": {"__type": "Pointer", "className": "Patient", "objectId": item["success"]["objectId"]}}}
                 for item in made]
        async with session.post(base + "/parse/batch", json={"requests": batch}, headers=HEADERS) as resp:
            assert resp.status == 200


async def phase(name: str, request: Any, duration: float, concurrency: int) -> dict[str, Any]:
    latencies: list[float] = []
    deadline = time.perf_counter() + duration

    async def worker() -> None:
        while time.perf_counter() < deadline:
            started = time.perf_counter()
            await request()
            latencies.append(time.perf_counter() - started)

    began = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    elapsed = time.perf_counter() - began
    ordered = sorted(latencies)
    return {"phase": name, "req_s": round(len(latencies) / elapsed, 1),
            "p50_ms": round(statistics.median(ordered) * 1000, 1),
            "p99_ms": round(ordered[int(len(ordered) * 0.99) - 1] * 1000, 1)}


async def main(args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(appId=APP, masterKey=MASTER, databaseURI=f"sqlite:///{tmp}/bench.db", cloud=None,
                            schema=str(ROOT / "schema.json"), dataDir=tmp, mountGraphQL=True, logLevel="warn")
        server = TestServer(create_app(settings), host="127.0.0.1")
        await server.start_server()
        base = f"http://127.0.0.1:{server.port}"
        async with aiohttp.ClientSession() as session:
            await seed(session, base, args.plans)

            async def rest() -> None:
                async with session.get(base + "/parse/classes/TreatmentPlan",
                                       params={"limit": "100", "include": "patient"}, headers=HEADERS) as resp:
                    assert len((await resp.json())["results"]) == 100

            async def graphql() -> None:
                async with session.post(base + "/graphql", json={"query": QUERY}, headers=HEADERS) as resp:
                    assert len((await resp.json())["data"]["treatmentPlans"]["edges"]) == 100

            storage = server.app[STATE_KEY].storage
            reads = []
            for name in ("find", "count"):
                original = getattr(storage, name)

                def counting(*a: Any, _original: Any = original, _name: str = name, **k: Any) -> Any:
                    reads.append(_name)
                    return _original(*a, **k)
                setattr(storage, name, counting)
            await graphql()
            for name in ("find", "count"):
                delattr(storage, name)
            results = [await phase("REST include=patient", rest, args.duration, args.concurrency),
                       await phase("GraphQL plans { patient }", graphql, args.duration, args.concurrency)]
        await server.close()
    print(json.dumps({"plans": args.plans, "concurrency": args.concurrency,
                      "storage_reads_per_graphql_request": len(reads), "results": results}, indent=1))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--plans", type=int, default=1000)
    parser.add_argument("--duration", type=float, default=10.0)
    parser.add_argument("--concurrency", type=int, default=8)
    asyncio.run(main(parser.parse_args()))
