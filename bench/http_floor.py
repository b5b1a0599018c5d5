"""The HTTP floor: server CPU per request of get-by-id and a list, for variants of the server measured
in alternation in one run (a script, not a test).

Each variant is `label=DIR[:PYTHONPATH][:ARGS]`: `python -m parse_compat` run from the checkout DIR
(so two checkouts compare two versions of the code), with PYTHONPATH extended by PYTHONPATH (so an
optional package such as uvloop can be offered to one variant only) and extra server ARGS
(space-separated, e.g. `--workers 2`). Every variant gets a fresh SQLite file, no cloud code, the
same seeded data (`--patients` Patients, `--plans` TreatmentPlans, public), a logged-in user.

Then, `--rounds` times, every variant in turn runs each phase for `--seconds` with `--concurrency`
keep-alive connections (bench/load.py's phase runner):
    get    GET /classes/TreatmentPlan/<random id>
    list   GET /classes/TreatmentPlan?where={"patient":<pointer>}&limit=20   (a page of 20)
For each variant and phase it prints req/s and the server's CPU per request (µs of user+system
CPU of the server's processes per answered request), as the best and the median round. On a busy
shared machine req/s follows the neighbours; CPU per request much less so, and its best round is
the figure to compare.

Example: .venv/bin/python bench/http_floor.py before=/path/to/old/checkout after=.
         .venv/bin/python bench/http_floor.py one=. "two=.::--workers 2"
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp

try:  # run as `python bench/http_floor.py` (bench/ on sys.path) or imported as bench.http_floor
    from bench.load import Api, free_port, pointer, process_cpu_seconds, run_phase, stop_server, wait_healthy
except ImportError:  # pragma: no cover - script mode
    from load import Api, free_port, pointer, process_cpu_seconds, run_phase, stop_server, wait_healthy

APP_ID = "floor-app"
MASTER_KEY = "floor-master"


@dataclass
class Variant:
    label: str
    directory: Path
    pythonpath: str
    args: list[str]
    proc: subprocess.Popen[bytes] | None = None
    url: str = ""
    results: dict[str, list[tuple[float, float]]] = field(default_factory=dict)  # phase -> [(rps, µs/req)]

    def pids(self) -> list[int]:
        assert self.proc is not None
        pids, index = [self.proc.pid], 0
        while index < len(pids):
            for task in Path(f"/proc/{pids[index]}/task").glob("*/children"):
                try:
                    pids.extend(int(p) for p in task.read_text().split())
                except OSError:
                    pass
            index += 1
        return pids

    def cpu_seconds(self) -> float:
        return sum(process_cpu_seconds(pid) or 0.0 for pid in self.pids())


def parse_variant(text: str) -> Variant:
    label, _, rest = text.partition("=")
    directory, _, rest = rest.partition(":")
    pythonpath, _, args = rest.partition(":")
    if not label or not directory:
        raise argparse.ArgumentTypeError(f"expected label=DIR[:PYTHONPATH][:ARGS], got {text!r}")
    return Variant(label, Path(directory).resolve(), pythonpath, args.split())


def start(variant: Variant, workdir: Path) -> None:
    port = free_port()
    variant.url = f"http://127.0.0.1:{port}/parse"
    data = workdir / variant.label
    data.mkdir()
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (variant.pythonpath, env.get("PYTHONPATH", "")) if p)
    cmd = [sys.executable, "-m", "parse_compat", "--appId", APP_ID, "--masterKey", MASTER_KEY, "--port", str(port),
           "--host", "127.0.0.1", "--serverURL", variant.url, "--dataDir", str(data),
           "--databaseURI", f"sqlite:///{data / 'floor.db'}", "--schema", "", "--cloud", "", "--logLevel", "warn",
           *variant.args]
    with (data / "server.log").open("wb") as log:
        variant.proc = subprocess.Popen(cmd, cwd=variant.directory, stdout=log, stderr=subprocess.STDOUT, env=env)


async def seed(session: aiohttp.ClientSession, variant: Variant, patients: int, plans: int) -> tuple[Api, Any]:
    master = Api(session, variant.url, APP_ID, MASTER_KEY)
    patient_ids = await master.batch_create("Patient", [{"name": f"P{n}"} for n in range(patients)])
    plan_ids: list[str] = []
    for start_at in range(0, plans, 50):
        plan_ids.extend(await master.batch_create("TreatmentPlan", [
            {"patient": pointer("Patient", patient_ids[n % patients]), "status": "planned", "visits": n,
             "treatmentDetails": f"Treatment #{n}: tooth {n % 32 + 1}"}
            for n in range(start_at, min(plans, start_at + 50))]))
    anonymous = Api(session, variant.url, APP_ID, "")
    anonymous.headers.pop("X-Parse-Master-Key", None)
    status, body = await anonymous.call("POST", "/users", {"username": "floor", "password": "floor-password"})
    if status != 201:
        raise RuntimeError(f"{variant.label}: signup: HTTP {status} {body}")
    user = Api(session, variant.url, APP_ID, "", session_token=body["sessionToken"])

    async def get(rng: random.Random) -> tuple[int, Any]:
        return await user.call("GET", f"/classes/TreatmentPlan/{rng.choice(plan_ids)}")

    async def page(rng: random.Random) -> tuple[int, Any]:
        where = json.dumps({"patient": pointer("Patient", rng.choice(patient_ids))})
        return await user.call("GET", "/classes/TreatmentPlan", params={"where": where, "limit": "20"})

    return user, {"get": get, "list": page}


async def main_async(args: argparse.Namespace) -> None:
    workdir = Path(tempfile.mkdtemp(prefix="http-floor-"))
    variants: list[Variant] = args.variants
    try:
        for variant in variants:
            start(variant, workdir)
        async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as session:
            ops = {}
            for variant in variants:
                await wait_healthy(session, variant.url, variant.proc, timeout=60)
                _, ops[variant.label] = await seed(session, variant, args.patients, args.plans)
            for round_number in range(args.rounds):
                order = variants if round_number % 2 == 0 else list(reversed(variants))
                for variant in order:
                    for phase, op in ops[variant.label].items():
                        cpu0 = variant.cpu_seconds()
                        # no warm-up: seeding warmed every server, and then CPU and requests cover one window
                        result = await run_phase(phase, op, args.concurrency, args.seconds, 0.0, 200)
                        cpu = variant.cpu_seconds() - cpu0
                        per_request = cpu / result.ok * 1e6 if result.ok else float("nan")
                        variant.results.setdefault(phase, []).append((result.rps, per_request))
                        print(f"  round {round_number + 1} {variant.label:<10} {phase:<5} {result.rps:7.0f}/s "
                              f"{per_request:7.0f} µs CPU/request  errors {result.errors}", flush=True)
    finally:
        for variant in variants:
            if variant.proc is not None:
                stop_server(variant.proc)
        shutil.rmtree(workdir, ignore_errors=True)
    print(f"\n{args.concurrency} connections, {args.seconds:g} s per phase, {args.rounds} rounds, "
          f"{args.plans} plans; server CPU per request (µs, best / median round) and req/s (best / median)")
    print("| variant | phase | µs CPU/request best | median | req/s best | median |")
    print("|---|---|---:|---:|---:|---:|")
    for variant in variants:
        for phase, runs in variant.results.items():
            cpus = [c for _, c in runs]
            rates = [r for r, _ in runs]
            print(f"| {variant.label} | {phase} | {min(cpus):.0f} | {statistics.median(cpus):.0f} | "
                  f"{max(rates):,.0f} | {statistics.median(rates):,.0f} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("variants", nargs="+", type=parse_variant, help="label=DIR[:PYTHONPATH][:ARGS]")
    parser.add_argument("--rounds", type=int, default=6)
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--patients", type=int, default=100)
    parser.add_argument("--plans", type=int, default=2000)
    asyncio.run(main_async(parser.parse_args()))


if __name__ == "__main__":
    main()
