"""Login benchmark (a script, not a test): logins per second with bcrypt's default cost (10), and
proof that logins do not block the event loop — get-by-id latency measured alone, then during a
burst of logins running at the same time.

Example: .venv/bin/python bench/logins.py --duration 10 --login-concurrency 8 --get-concurrency 4
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
from load import Api, PhaseResult, print_table, run_phase, start_server, stop_server, wait_healthy  # noqa: E402

APP_ID = "bench-app"
MASTER_KEY = "bench-master"
USERS = 20


async def main_async(args: argparse.Namespace) -> int:
    data_dir = Path(tempfile.mkdtemp(prefix="parse-compat-logins-"))
    proc, url, _log = start_server(data_dir, APP_ID, MASTER_KEY)
    try:
        async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as session:
            await wait_healthy(session, url, proc)
            api = Api(session, url, APP_ID, MASTER_KEY)
            for n in range(USERS):
                status, body = await api.call("POST", "/users", {"username": f"staff{n}", "password": f"{n:06d}secret",
                                                                 "email": f"staff{n}@clinic.example"})
                if status != 201:
                    raise RuntimeError(f"signup failed: {status} {body}")
            status, patient = await api.call("POST", "/classes/Patient",
                                             {"name": "P", "email": "p@example.com", "phone": "555"})
            patient_id = patient["objectId"]
            plain = {"X-Parse-Application-Id": APP_ID, "Content-Type": "application/json"}

            async def login(rng: Any) -> tuple[int, Any]:
                n = rng.randrange(USERS)
                async with session.post(url + "/login", json={"username": f"staff{n}", "password": f"{n:06d}secret"},
                                        headers=plain) as resp:
                    return resp.status, await resp.read()

            async def get(rng: Any) -> tuple[int, Any]:
                return await api.call("GET", f"/classes/Patient/{patient_id}")

            results: list[PhaseResult] = []
            results.append(await run_phase("get alone", get, args.get_concurrency, args.duration, 1.0, 200, proc.pid))
            logins, gets = await asyncio.gather(
                run_phase("logins (burst)", login, args.login_concurrency, args.duration, 1.0, 200, proc.pid),
                run_phase("get during logins", get, args.get_concurrency, args.duration, 1.0, 200, None))
            results += [logins, gets]
            print_table(results, args.login_concurrency)
            p99 = gets.percentile(99)
            print(f"\nget-by-id p99 during the login burst: {p99:.1f} ms (target < 50 ms)")
            return 0 if p99 < 50 else 1
    finally:
        stop_server(proc)
        shutil.rmtree(data_dir, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--duration", type=float, default=10.0)
    parser.add_argument("--login-concurrency", type=int, default=8)
    parser.add_argument("--get-concurrency", type=int, default=4)
    sys.exit(asyncio.run(main_async(parser.parse_args())))


if __name__ == "__main__":
    main()
