"""What the access audit trail costs: get-by-id and find throughput with auditing on and off, in
one run (a script, not a test).

Two servers on fresh SQLite files, started by `bench/load.py`'s helpers with the dental schema
(TreatmentPlan is audited there): one as shipped, one with `--auditLog false`. Both are seeded
alike, then the `get` and `query` phases of `bench/load.py` (query: 20 results, so 20 `_Audit`
entries per request) run alternately on each server, `--rounds` times, so drift of a loaded
machine hits both sides; the table shows the best round of each and the cost in %.

Example: .venv/bin/python bench/audit.py --plans 5000 --duration 5 --rounds 2 --concurrency 16
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

import aiohttp

sys.path.insert(0, str(Path(__file__).resolve().parent))
import load  # noqa: E402 - bench/load.py, the phases and the server helpers

PHASES = ("get", "query")


async def prepare(session: aiohttp.ClientSession, data_dir: Path, audit: bool, args: argparse.Namespace) -> Any:
    extra = [] if audit else ["--auditLog", "false"]
    proc, url, _log = load.start_server(data_dir, load.DEFAULT_APP_ID, load.DEFAULT_MASTER_KEY, extra)
    await load.wait_healthy(session, url, proc)
    api = load.Api(session, url, load.DEFAULT_APP_ID, load.DEFAULT_MASTER_KEY)
    patient_ids, plan_ids = await load.seed(api, max(1, args.plans // 100), args.plans, 50)
    phases = {name: (op, expect) for name, op, expect in load.build_phases(api, patient_ids, plan_ids)}
    return proc, phases


async def main_async(args: argparse.Namespace) -> int:
    dirs = [Path(tempfile.mkdtemp(prefix="parse-compat-audit-bench-")) for _ in range(2)]
    procs = []
    best: dict[tuple[str, bool], load.PhaseResult] = {}
    connector = aiohttp.TCPConnector(limit=args.concurrency * 2 + 4)
    try:
        async with aiohttp.ClientSession(connector=connector, timeout=aiohttp.ClientTimeout(total=60)) as session:
            servers = {}
            for audit, data_dir in zip((True, False), dirs, strict=True):
                proc, phases = await prepare(session, data_dir, audit, args)
                procs.append(proc)
                servers[audit] = (proc, phases)
            for round_no in range(args.rounds):
                for name in PHASES:
                    for audit in ((True, False) if round_no % 2 == 0 else (False, True)):
                        proc, phases = servers[audit]
                        op, expect = phases[name]
                        result = await load.run_phase(name, op, args.concurrency, args.duration, args.warmup,
                                                      expect, proc.pid)
                        label = "on " if audit else "off"
                        print(f"round {round_no + 1} {name:<6} audit {label}: {result.rps:8.0f} req/s  "
                              f"p50 {result.percentile(50):6.2f} ms  errors {result.errors}", flush=True)
                        key = (name, audit)
                        if key not in best or result.rps > best[key].rps:
                            best[key] = result
    finally:
        for proc in procs:
            load.stop_server(proc)
        for data_dir in dirs:
            shutil.rmtree(data_dir, ignore_errors=True)
    print(f"\n{'phase':<8}{'audit off req/s':>17}{'audit on req/s':>16}{'cost':>8}")
    for name in PHASES:
        off, on = best[(name, False)].rps, best[(name, True)].rps
        print(f"{name:<8}{off:>17.0f}{on:>16.0f}{(1 - on / off) * 100:>7.1f}%")
    return 1 if any(result.errors for result in best.values()) else 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--plans", type=int, default=5000, help="TreatmentPlans to seed on each server")
    parser.add_argument("--duration", type=float, default=5.0, help="measured seconds per phase and server")
    parser.add_argument("--warmup", type=float, default=1.0, help="unmeasured seconds before each phase")
    parser.add_argument("--rounds", type=int, default=2, help="alternating rounds (best round counts)")
    parser.add_argument("--concurrency", type=int, default=16, help="concurrent workers per phase")
    sys.exit(asyncio.run(main_async(parser.parse_args())))


if __name__ == "__main__":
    main()
