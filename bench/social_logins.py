"""Third-party login benchmark (a script, not a test): Sign in with Google per second (ID token
verified with the JWKS, the RSA check in a worker thread) against a local fake of Google, and
proof that provider calls do not block the event loop — get-by-id latency alone, during a burst
of Google logins, and during logins whose provider never answers (cut off by the `timeout` option).

Example: .venv/bin/python bench/social_logins.py --duration 10 --login-concurrency 8 --get-concurrency 4
"""

from __future__ import annotations

import argparse
import asyncio
import json
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

import aiohttp

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(ROOT))
from load import Api, PhaseResult, print_table, run_phase, start_server, stop_server, wait_healthy  # noqa: E402

from tests.auth_fakes.providers import FakeProviders  # noqa: E402

APP_ID = "bench-app"
MASTER_KEY = "bench-master"
USERS = 200


async def main_async(args: argparse.Namespace) -> int:
    fakes = await FakeProviders().start()
    data_dir = Path(tempfile.mkdtemp(prefix="parse-compat-social-"))
    auth = fakes.auth_options(linkedin={"apiUrl": f"{fakes.base}/slow", "timeout": args.slow_timeout})
    proc, url, _log = start_server(data_dir, APP_ID, MASTER_KEY,
                                   ["--auth", json.dumps(auth), "--schema", "", "--cloud", ""])
    try:
        async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as session:
            await wait_healthy(session, url, proc)
            api = Api(session, url, APP_ID, MASTER_KEY)
            tokens = [{"id": f"g{n}", "id_token": fakes.id_token("google", f"g{n}")} for n in range(USERS)]
            status, created = await api.call("POST", "/classes/Note", {"text": "x"})
            note_id = created["objectId"]
            plain = {"X-Parse-Application-Id": APP_ID, "Content-Type": "application/json"}
            for data in tokens:  # sign everyone up once; the phases below are logins
                async with session.post(url + "/users", json={"authData": {"google": data}}, headers=plain) as resp:
                    if resp.status != 201:
                        raise RuntimeError(f"signup failed: {resp.status} {await resp.text()}")

            async def google_login(rng: Any) -> tuple[int, Any]:
                body = {"authData": {"google": tokens[rng.randrange(USERS)]}}
                async with session.post(url + "/users", json=body, headers=plain) as resp:
                    return resp.status, await resp.read()

            async def slow_login(rng: Any) -> tuple[int, Any]:
                body = {"authData": {"linkedin": {"id": "x", "access_token": "t"}}}
                async with session.post(url + "/users", json=body, headers=plain) as resp:
                    return resp.status, await resp.read()

            async def get(rng: Any) -> tuple[int, Any]:
                return await api.call("GET", f"/classes/Note/{note_id}")

            results: list[PhaseResult] = [await run_phase("get alone", get, args.get_concurrency, args.duration, 1.0,
                                                          200, proc.pid)]
            logins, gets = await asyncio.gather(
                run_phase("google logins", google_login, args.login_concurrency, args.duration, 1.0, 200, proc.pid),
                run_phase("get (google)", get, args.get_concurrency, args.duration, 1.0, 200, None))
            slow, gets_slow = await asyncio.gather(
                run_phase("slow provider", slow_login, args.login_concurrency, args.duration, 1.0, 404, proc.pid),
                run_phase("get (slow)", get, args.get_concurrency, args.duration, 1.0, 200, None))
            results += [logins, gets, slow, gets_slow]
            print_table(results, args.login_concurrency)
            print(f"\nJWKS fetches during the run: {fakes.hits['/google/oauth2/v3/certs']}")
    finally:
        stop_server(proc)
        await fakes.stop()
        shutil.rmtree(data_dir, ignore_errors=True)
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=float, default=10.0)
    parser.add_argument("--login-concurrency", type=int, default=8)
    parser.add_argument("--get-concurrency", type=int, default=4)
    parser.add_argument("--slow-timeout", type=float, default=1.0, help="seconds before a silent provider is cut off")
    return asyncio.run(main_async(parser.parse_args()))


if __name__ == "__main__":
    raise SystemExit(main())
