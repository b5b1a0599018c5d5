"""What the access audit trail costs: get-by-id and find throughput with auditing on and off, in
one run (a script, not a test).

Each line also shows the CPU the rest of the machine used meanwhile ("other processes", in
cores; > ~0.1 means a shared, noisy run), and the load average is printed at the end.

Two servers on fresh SQLite files, started by `bench/load.py`'s helpers with the dental schema
(TreatmentPlan is audited there): one as shipped, one with `--auditLog false`. Both are seeded
alike, then the `get` and `query` phases of `bench/load.py` (query: 20 results, so 20 `_Audit`
entries per request) run alternately on each server, `--rounds` times, so drift of a loaded
machine hits both sides; the table shows medians over the rounds: req/s, server CPU time per
request (which a busy machine disturbs less), and the cost in % of each. With `--together` each
phase runs on both servers at once (a paired measurement: whatever the neighbours do hits both
alike; the two servers then share the cores, so compare CPU per request, or req/s when the
client is not the limit).

Example: .venv/bin/python bench/audit.py --plans 3000 --duration 5 --rounds 3 --concurrency 16 [--auth session]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import statistics
import sys
import tempfile
from pathlib import Path
from typing import Any

import aiohttp

sys.path.insert(0, str(Path(__file__).resolve().parent))
import load  # noqa: E402 - bench/load.py, the phases and the server helpers

PHASES = ("get", "query")


def cpu_ms(result: load.PhaseResult) -> float:
    """Server CPU time per answered request (steadier than req/s on a shared machine)."""
    return (result.server_cpu or 0.0) * 1000 / result.rps if result.rps else 0.0


async def prepare(session: aiohttp.ClientSession, data_dir: Path, audit: bool, args: argparse.Namespace) -> Any:
    extra = [] if audit else ["--auditLog", "false"]
    proc, url, _log = load.start_server(data_dir, load.DEFAULT_APP_ID, load.DEFAULT_MASTER_KEY, extra)
    await load.wait_healthy(session, url, proc)
    api = load.Api(session, url, load.DEFAULT_APP_ID, load.DEFAULT_MASTER_KEY)
    if args.auth == "session":  # a staff user made with the master key, then logged in (as load.py does)
        token = await load.login_bench_user(api)
        api = load.Api(session, url, load.DEFAULT_APP_ID, load.DEFAULT_MASTER_KEY, session_token=token)
    patient_ids, plan_ids = await load.seed(api, max(1, args.plans // 100), args.plans, 50)
    phases = {name: (op, expect) for name, op, expect in load.build_phases(api, patient_ids, plan_ids)}
    return proc, phases


async def run(server: tuple[Any, dict[str, Any]], name: str, args: argparse.Namespace) -> load.PhaseResult:
    proc, phases = server
    op, expect = phases[name]
    return await load.run_phase(name, op, args.concurrency, args.duration, args.warmup, expect, proc.pid)


async def main_async(args: argparse.Namespace) -> int:
    dirs = [Path(tempfile.mkdtemp(prefix="parse-compat-audit-bench-")) for _ in range(2)]
    procs = []
    runs: dict[tuple[str, bool], list[load.PhaseResult]] = {}
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
                    order = (True, False) if round_no % 2 == 0 else (False, True)
                    if args.together:  # both servers at once: the same neighbours' load hits both
                        results = await asyncio.gather(*(run(servers[audit], name, args) for audit in order))
                    else:
                        results = [await run(servers[audit], name, args) for audit in order]
                    for audit, result in zip(order, results, strict=True):
                        label = "on " if audit else "off"
                        print(f"round {round_no + 1} {name:<6} audit {label}: {result.rps:8.0f} req/s  "
                              f"p50 {result.percentile(50):6.2f} ms  server CPU {cpu_ms(result):6.3f} ms/request  "
                              f"other processes {result.other_cpu or 0:4.2f} cores  errors {result.errors}",
                              flush=True)
                        runs.setdefault((name, audit), []).append(result)
    finally:
        for proc in procs:
            load.stop_server(proc)
        for data_dir in dirs:
            shutil.rmtree(data_dir, ignore_errors=True)
    print(f"\nload average (1/5/15 min) at the end: {' '.join(f'{v:.2f}' for v in os.getloadavg())}; "
          f"{os.cpu_count()} cores")
    print(f"\n{'phase':<8}{'off req/s':>11}{'on req/s':>10}{'cost':>8}{'CPU ms/req off':>16}{'on':>8}{'cost':>8}"
          "   (medians over rounds; cost = median of the per-round costs)")
    for name in PHASES:
        off, on = runs[(name, False)], runs[(name, True)]
        rps_cost = statistics.median(1 - b.rps / a.rps for a, b in zip(off, on, strict=True)) * 100
        cpu_cost = statistics.median(cpu_ms(b) / cpu_ms(a) - 1 for a, b in zip(off, on, strict=True)
                                     if cpu_ms(a)) * 100
        print(f"{name:<8}{statistics.median(r.rps for r in off):>11.0f}{statistics.median(r.rps for r in on):>10.0f}"
              f"{rps_cost:>7.1f}%{statistics.median(cpu_ms(r) for r in off):>16.3f}"
              f"{statistics.median(cpu_ms(r) for r in on):>8.3f}{cpu_cost:>7.1f}%")
    return 1 if any(result.errors for results in runs.values() for result in results) else 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--plans", type=int, default=5000, help="TreatmentPlans to seed on each server")
    parser.add_argument("--duration", type=float, default=3.0, help="measured seconds per phase and server")
    parser.add_argument("--warmup", type=float, default=1.0, help="unmeasured seconds before each phase")
    parser.add_argument("--rounds", type=int, default=5, help="alternating rounds")
    parser.add_argument("--concurrency", type=int, default=16, help="concurrent workers per phase")
    parser.add_argument("--together", action="store_true",
                        help="run each phase on both servers at the same time instead of one after the other "
                        "(on a shared machine both then see the same neighbours; the servers share the cores)")
    parser.add_argument("--auth", choices=("master", "session"), default="master",
                        help="credentials of seeding and phases: the master key or a staff user's session")
    sys.exit(asyncio.run(main_async(parser.parse_args())))


if __name__ == "__main__":
    main()
