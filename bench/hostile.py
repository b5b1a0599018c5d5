"""The "hostile neighbour" benchmark (issue 11): get-by-id while another client sends the worst queries.

What it does:
1. Starts a server on a fresh SQLite file (as bench/load.py does) and seeds `--plans`
   TreatmentPlans over `--plans/100` Patients, plus `--long-rows` plans whose details are a
   30,000-character "aaaa…!" string (the input that makes `(a+)+$` backtrack).
2. Quiet phase: `--concurrency` workers GET /classes/TreatmentPlan/<random id> for `--duration` s.
3. Hostile phase: the same get-by-id workers, while `--hostile` other workers loop over the worst
   queries they can build, with the master key (so no ACL narrows them): pathological regexes
   (also in a count), a 20,000-value $in, a 500-branch $or, skip 10,000,000 ordered by an
   unindexed field, a regex $or of 200 patterns, a deep include.
4. Prints both phases (req/s, p50, p99), the p99 ratio (target: hostile p99 < 3 x quiet p99),
   what the hostile queries got back (status and Parse code, latency), and the server's own
   loop-lag monitor (GET /health?loopLag=1: longest stall since boot, wall clock and loop CPU).

Example: .venv/bin/python bench/hostile.py --plans 20000 --duration 10 --concurrency 8 --hostile 2
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import json
import random
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

import aiohttp

sys.path.insert(0, str(Path(__file__).resolve().parent))
from load import (  # noqa: E402 - bench/ is a folder of scripts, not a package
    STATUSES,
    Api,
    PhaseResult,
    pointer,
    print_table,
    run_phase,
    seed,
    start_server,
    stop_server,
    wait_healthy,
)

LONG_DETAILS = "a" * 30_000 + "!"


def hostile_queries() -> list[tuple[str, dict[str, Any]]]:
    """(name, body of a POST /classes/TreatmentPlan with _method GET)."""
    return [
        ("deep include", {"where": {}, "limit": 1000, "include": "patient,patient.a.b.c.d.e.f.g"}),
        ("regex (a+)+$", {"where": {"treatmentDetails": {"$regex": "(a+)+$"}}, "limit": 1000}),
        ("regex count", {"where": {"treatmentDetails": {"$regex": "(.*a){20}$"}}, "count": 1, "limit": 0}),
        ("$in 20,000", {"where": {"treatmentDetails": {"$in": [f"x{i}" for i in range(20_000)]}}}),
        ("$or 500", {"where": {"$or": [{"treatmentDetails": f"x{i}"} for i in range(500)]}}),
        ("skip 10M sorted", {"where": {}, "skip": 10_000_000, "limit": 1000, "order": "-treatmentDetails"}),
        ("regex $or 200", {"where": {"$or": [{"treatmentDetails": {"$regex": f"(a|aa)+{i}$"}}
                                             for i in range(200)]}}),
    ]


async def seed_long_rows(api: Api, patient_ids: list[str], count: int) -> None:
    for start in range(0, count, 20):
        bodies = [{"patient": pointer("Patient", patient_ids[n % len(patient_ids)]), "treatmentDetails": LONG_DETAILS,
                   "status": STATUSES[0]} for n in range(start, min(count, start + 20))]
        await api.batch_create("TreatmentPlan", bodies)


async def loop_lag(api: Api) -> dict[str, Any]:
    status, body = await api.call("GET", "/health", params={"loopLag": "1"})
    return body.get("loopLag", {}) if status == 200 and isinstance(body, dict) else {}


async def hostile_workers(api: Api, workers: int, until: float) -> dict[str, collections.Counter[str]]:
    """Loop over the hostile queries until `until` (loop time); outcome counts per query."""
    loop = asyncio.get_running_loop()
    outcomes: dict[str, collections.Counter[str]] = collections.defaultdict(collections.Counter)
    latencies: dict[str, list[float]] = collections.defaultdict(list)
    queries = hostile_queries()

    async def worker(offset: int) -> None:
        i = offset
        while loop.time() < until:
            name, body = queries[i % len(queries)]
            i += 1
            started = loop.time()
            try:
                status, reply = await api.call("POST", "/classes/TreatmentPlan", {"_method": "GET", **body})
            except (TimeoutError, aiohttp.ClientError) as exc:
                status, reply = -1, {"error": repr(exc)}
            latencies[name].append((loop.time() - started) * 1000)
            code = reply.get("code") if isinstance(reply, dict) else None
            outcomes[name][f"{status}" + (f"/{code}" if code else "")] += 1

    await asyncio.gather(*(worker(n * len(queries) // workers) for n in range(workers)))
    for name, values in latencies.items():
        values.sort()
        outcomes[name][f"max {values[-1]:.0f} ms"] += 0
        outcomes[name][f"p50 {values[len(values) // 2]:.0f} ms"] += 0
    return outcomes


async def main_async(args: argparse.Namespace) -> int:
    data_dir = Path(tempfile.mkdtemp(prefix="parse-compat-hostile-"))
    proc, url, log_path = start_server(data_dir, args.app_id, args.master_key, args.server_arg)
    print(f"started server pid {proc.pid} at {url} (log {log_path})", flush=True)
    connector = aiohttp.TCPConnector(limit=args.concurrency + args.hostile + 4)
    try:
        async with aiohttp.ClientSession(connector=connector, timeout=aiohttp.ClientTimeout(total=60)) as session:
            await wait_healthy(session, url, proc)
            api = Api(session, url, args.app_id, args.master_key)
            patient_ids, plan_ids = await seed(api, max(1, args.plans // 100), args.plans, 50)
            await seed_long_rows(api, patient_ids, args.long_rows)

            async def get(rng: random.Random) -> tuple[int, Any]:
                return await api.call("GET", f"/classes/TreatmentPlan/{rng.choice(plan_ids)}")

            results: list[PhaseResult] = []
            print(f"phase quiet: get-by-id at concurrency {args.concurrency} for {args.duration:g}s", flush=True)
            results.append(await run_phase("get (quiet)", get, args.concurrency, args.duration, args.warmup, 200,
                                           proc.pid))
            lag_quiet = await loop_lag(api)
            print(f"phase hostile: the same, plus {args.hostile} hostile workers", flush=True)
            loop = asyncio.get_running_loop()
            hostile = asyncio.ensure_future(hostile_workers(api, args.hostile,
                                                            loop.time() + args.warmup + args.duration))
            results.append(await run_phase("get (hostile)", get, args.concurrency, args.duration, args.warmup, 200,
                                           proc.pid))
            outcomes = await hostile
            lag_after = await loop_lag(api)
            print_table(results, args.concurrency)
            quiet, loud = results
            ratio = loud.percentile(99) / max(quiet.percentile(99), 1e-9)
            print(f"\np99 hostile / quiet = {ratio:.2f} (target < 3)")
            print(f"server loop lag since boot: after the quiet phase {lag_quiet}, after the hostile phase {lag_after}")
            print("hostile queries (HTTP status/Parse code: count):")
            for name, counter in outcomes.items():
                print(f"  {name:<18} " + ", ".join(f"{k}: {v}" if v else k for k, v in counter.items()))
            if args.json_out:
                Path(args.json_out).write_text(json.dumps({
                    "results": [r.as_dict() for r in results], "p99_ratio": round(ratio, 2),
                    "loop_lag_quiet": lag_quiet, "loop_lag_after": lag_after,
                    "hostile": {k: dict(v) for k, v in outcomes.items()}}, indent=2) + "\n")
            return 0 if ratio < 3 else 1
    finally:
        stop_server(proc)
        shutil.rmtree(data_dir, ignore_errors=True)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument("--app-id", default="bench-app")
    parser.add_argument("--master-key", default="bench-master")
    parser.add_argument("--plans", type=int, default=20_000, help="TreatmentPlans to seed")
    parser.add_argument("--long-rows", type=int, default=200, help="extra plans with a 30,000-char 'aaaa…!' text")
    parser.add_argument("--duration", type=float, default=10.0, help="measured seconds per phase")
    parser.add_argument("--warmup", type=float, default=1.0)
    parser.add_argument("--concurrency", type=int, default=8, help="get-by-id workers")
    parser.add_argument("--hostile", type=int, default=2, help="hostile workers")
    parser.add_argument("--server-arg", action="append", default=[], help="extra server option, repeatable")
    parser.add_argument("--json", dest="json_out", help="also write the results to this JSON file")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    try:
        code = asyncio.run(main_async(args))
    except RuntimeError as exc:
        print(f"bench: {exc}", file=sys.stderr)
        code = 2
    sys.exit(code)


if __name__ == "__main__":
    main()
