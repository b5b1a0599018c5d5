"""Load benchmark for parse-compat on the dental template's TreatmentPlan class (a script, not a test).

What it does:
1. Starts a server on a fresh SQLite file (`python -m parse_compat`, loopback, free port), or
   targets an already running one with `--url`.
2. Seeds `--patients` Patients and `--plans` TreatmentPlans through POST /batch
   (`--batch-size` sub-requests per batch, a few batches in flight).
3. For each phase, runs `--concurrency` workers for `--duration` seconds (after `--warmup`
   seconds that are not measured) and prints requests/s, p50 and p99 latency and the error count:
     create         POST /classes/TreatmentPlan
     get            GET  /classes/TreatmentPlan/<random seeded id>
     query          GET  /classes/TreatmentPlan?where={"patient":<pointer>}&limit=20
     query+include  the same query with include=patient
     acl-list       GET  /classes/TreatmentPlan?where={"status":"planned"}&order=-createdAt&limit=20 as one of
                    `--acl-users` staff users (session token), each owning plans/acl-users plans that only it
                    (and the administrators) may read; seeded user after user, so most users' plans are not
                    the newest (only with `--phases` naming it; alone it skips the main seeding)

Credentials: by default (`--auth master`) seeding and the phases use the master key
(`X-Parse-Master-Key`), the simplest way past the template's `requiresAuthentication` CLPs; the
master key skips the session lookup, ACL/CLP checks and cloud-code validation a real client pays
for. `--auth session` signs up a staff user (POST /users), logs in (POST /login) and seeds and
measures with its `X-Parse-Session-Token`, which is what the dental app's clients do (seeding as
that user also makes it the owner of the Patients, so the cloud code's ACLs let it read them).
The started server loads its default cloud code (the dental triggers), as `make run` does; extra
server options go through `--server-arg` (repeatable). Requests use real HTTP
verbs and X-Parse headers (the REST/curl style), with one keep-alive connection per worker.

Example: .venv/bin/python bench/load.py --plans 50000 --duration 10 --concurrency 16 [--auth session]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import aiohttp

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_APP_ID = "bench-app"
DEFAULT_MASTER_KEY = "bench-master"
SEED_PARALLEL_BATCHES = 4
STATUSES = ("planned", "in_progress", "completed")  # values the dental cloud code accepts


@dataclass
class PhaseResult:
    """Outcome of one measured phase."""

    name: str
    seconds: float
    ok: int = 0
    errors: int = 0
    latencies_ms: list[float] = field(default_factory=list)
    first_error: str | None = None
    client_cpu: float | None = None  # CPU seconds per wall second of this script (1.0 = one core)
    server_cpu: float | None = None  # the same for the server process, when this script started it
    other_cpu: float | None = None  # the rest of the machine (other processes); > ~0.1 means a noisy run

    @property
    def rps(self) -> float:
        return self.ok / self.seconds if self.seconds > 0 else 0.0

    def percentile(self, pct: float) -> float:
        if not self.latencies_ms:
            return float("nan")
        ordered = sorted(self.latencies_ms)
        index = min(len(ordered) - 1, max(0, round(pct / 100 * len(ordered)) - 1))
        return ordered[index]

    def as_dict(self) -> dict[str, Any]:
        return {"phase": self.name, "requests": self.ok, "errors": self.errors, "seconds": round(self.seconds, 2),
                "rps": round(self.rps, 1), "p50_ms": round(self.percentile(50), 2),
                "p99_ms": round(self.percentile(99), 2),
                "mean_ms": round(statistics.fmean(self.latencies_ms), 2) if self.latencies_ms else None,
                "client_cpu": _round(self.client_cpu), "server_cpu": _round(self.server_cpu),
                "other_cpu": _round(self.other_cpu),
                "first_error": self.first_error}


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 2)


def machine_busy_seconds() -> float | None:
    """CPU seconds all cores spent busy since boot, from /proc/stat (Linux); None elsewhere."""
    try:
        ticks = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:9]]
        return (sum(ticks) - ticks[3] - ticks[4]) / os.sysconf("SC_CLK_TCK")  # minus idle and iowait
    except (OSError, ValueError, IndexError):
        return None


def process_cpu_seconds(pid: int) -> float | None:
    """utime+stime of a process from /proc (Linux); None elsewhere."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return None


class Api:
    """Tiny REST client: X-Parse headers with the master key (or a session token), JSON bodies."""

    def __init__(self, session: aiohttp.ClientSession, url: str, app_id: str, master_key: str,
                 session_token: str | None = None) -> None:
        self.session = session
        self.url = url.rstrip("/")
        self.mount = urlsplit(self.url).path.rstrip("/")
        self.headers = {"X-Parse-Application-Id": app_id, "Content-Type": "application/json"}
        if session_token:
            self.headers["X-Parse-Session-Token"] = session_token
        else:
            self.headers["X-Parse-Master-Key"] = master_key

    async def call(self, method: str, path: str, body: Any = None,
                   params: dict[str, str] | None = None) -> tuple[int, Any]:
        data = json.dumps(body) if body is not None else None
        async with self.session.request(method, self.url + path, data=data, params=params,
                                        headers=self.headers) as resp:
            text = await resp.text()
            try:
                return resp.status, json.loads(text) if text else None
            except ValueError:
                return resp.status, text

    async def batch_create(self, class_name: str, bodies: list[dict[str, Any]]) -> list[str]:
        requests = [{"method": "POST", "path": f"{self.mount}/classes/{class_name}", "body": b} for b in bodies]
        status, reply = await self.call("POST", "/batch", {"requests": requests})
        if status != 200 or not isinstance(reply, list):
            raise RuntimeError(f"batch create of {class_name} failed: HTTP {status} {str(reply)[:300]}")
        ids: list[str] = []
        for item in reply:
            if "success" not in item:
                raise RuntimeError(f"batch item failed: {item}")
            ids.append(item["success"]["objectId"])
        return ids


def pointer(class_name: str, object_id: str) -> dict[str, str]:
    return {"__type": "Pointer", "className": class_name, "objectId": object_id}


def plan_body(patient_id: str, n: int) -> dict[str, Any]:
    return {"patient": pointer("Patient", patient_id),
            "treatmentDetails": f"Treatment #{n}: filling tooth {n % 32 + 1}",
            "status": STATUSES[n % len(STATUSES)]}


# --------------------------------------------------------------------------- server lifecycle


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def wait_healthy(session: aiohttp.ClientSession, url: str, proc: subprocess.Popen[bytes] | None,
                       timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"server exited with code {proc.returncode}")
        try:
            async with session.get(f"{url.rstrip('/')}/health") as resp:
                if resp.status == 200:
                    return
        except aiohttp.ClientError:
            pass
        await asyncio.sleep(0.2)
    raise RuntimeError(f"{url}/health did not answer 200 within {timeout:.0f}s")


def start_server(data_dir: Path, app_id: str, master_key: str,
                 extra_args: list[str] | None = None) -> tuple[subprocess.Popen[bytes], str, Path]:
    """Starts `python -m parse_compat` on a fresh SQLite file in `data_dir`; returns (process, url, log)."""
    port = free_port()
    url = f"http://127.0.0.1:{port}/parse"
    db = data_dir / "parse.db"
    log_path = data_dir / "server.log"
    cmd = [sys.executable, "-m", "parse_compat", "--appId", app_id, "--masterKey", master_key,
           "--port", str(port), "--host", "127.0.0.1", "--serverURL", url, "--dataDir", str(data_dir),
           "--databaseURI", f"sqlite:///{db}", "--schema", str(ROOT / "schema.json"), "--logLevel", "warn",
           *(extra_args or [])]
    with log_path.open("wb") as log:
        proc = subprocess.Popen(cmd, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
    return proc, url, log_path


def stop_server(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is not None:
        return
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=10)


# --------------------------------------------------------------------------- seeding


async def seed(api: Api, patients: int, plans: int, batch_size: int) -> tuple[list[str], list[str]]:
    t0 = time.perf_counter()
    patient_ids: list[str] = []
    for start in range(0, patients, batch_size):
        # names in letters only: the dental template refuses digits in a patient's name
        bodies = [{"name": "Patient " + "".join("abcdefghij"[int(d)] for d in str(n)),
                   "email": f"patient{n}@example.com", "phone": f"+1 555 {n:06d}"}
                  for n in range(start, min(patients, start + batch_size))]
        patient_ids.extend(await api.batch_create("Patient", bodies))
    t1 = time.perf_counter()

    plan_ids: list[str] = []
    chunks = [range(start, min(plans, start + batch_size)) for start in range(0, plans, batch_size)]
    next_chunk = 0
    lock = asyncio.Lock()

    async def seeder() -> None:
        nonlocal next_chunk
        while True:
            async with lock:
                if next_chunk >= len(chunks):
                    return
                chunk = chunks[next_chunk]
                next_chunk += 1
            bodies = [plan_body(patient_ids[n % len(patient_ids)], n) for n in chunk]
            plan_ids.extend(await api.batch_create("TreatmentPlan", bodies))
            done = len(plan_ids)
            if done % (batch_size * 200) == 0:
                print(f"  seeded {done}/{plans} plans ({done / (time.perf_counter() - t1):.0f}/s)", flush=True)

    await asyncio.gather(*(seeder() for _ in range(SEED_PARALLEL_BATCHES)))
    t2 = time.perf_counter()
    print(f"seeded {len(patient_ids)} patients in {t1 - t0:.1f}s, {len(plan_ids)} plans in {t2 - t1:.1f}s "
          f"({len(plan_ids) / max(t2 - t1, 1e-9):.0f} objects/s through /batch, {batch_size} per batch)", flush=True)
    return patient_ids, plan_ids


# --------------------------------------------------------------------------- phases


Operation = Callable[[random.Random], Awaitable[tuple[int, Any]]]


async def run_phase(name: str, op: Operation, concurrency: int, duration: float, warmup: float,
                    expect: int, server_pid: int | None = None) -> PhaseResult:
    """Runs `op` from `concurrency` workers; only requests started in the measured window count."""
    loop = asyncio.get_running_loop()
    start_measure = loop.time() + warmup
    end = start_measure + duration
    result = PhaseResult(name=name, seconds=duration)

    async def worker(seed_value: int) -> None:
        rng = random.Random(seed_value)
        while True:
            started = loop.time()
            if started >= end:
                return
            try:
                status, body = await op(rng)
            except aiohttp.ClientError as exc:
                status, body = -1, repr(exc)
            elapsed_ms = (loop.time() - started) * 1000
            if started < start_measure:
                continue
            if status == expect:
                result.ok += 1
                result.latencies_ms.append(elapsed_ms)
            else:
                result.errors += 1
                if result.first_error is None:
                    result.first_error = f"HTTP {status}: {str(body)[:300]}"

    async def cpu_probe() -> tuple[float, float | None, float | None, float]:
        await asyncio.sleep(max(0.0, start_measure - loop.time()))
        return (time.process_time(), process_cpu_seconds(server_pid) if server_pid else None,
                machine_busy_seconds(), loop.time())

    probe = asyncio.ensure_future(cpu_probe())
    await asyncio.gather(*(worker(i) for i in range(concurrency)))
    # Requests started just before `end` finish a little after it; count the real window.
    now = loop.time()
    result.seconds = max(duration, now - start_measure)
    client0, server0, busy0, wall0 = await probe
    wall = max(now - wall0, 1e-9)
    result.client_cpu = (time.process_time() - client0) / wall
    server1 = process_cpu_seconds(server_pid) if server_pid else None
    if server0 is not None and server1 is not None:
        result.server_cpu = (server1 - server0) / wall
    busy1 = machine_busy_seconds()
    if busy0 is not None and busy1 is not None and result.server_cpu is not None:
        result.other_cpu = max(0.0, (busy1 - busy0) / wall - result.client_cpu - result.server_cpu)
    return result


def build_phases(api: Api, patient_ids: list[str], plan_ids: list[str]) -> list[tuple[str, Operation, int]]:
    counter = iter(range(10**9))

    async def create(rng: random.Random) -> tuple[int, Any]:
        return await api.call("POST", "/classes/TreatmentPlan",
                              plan_body(rng.choice(patient_ids), 1_000_000 + next(counter)))

    async def get(rng: random.Random) -> tuple[int, Any]:
        return await api.call("GET", f"/classes/TreatmentPlan/{rng.choice(plan_ids)}")

    async def update(rng: random.Random) -> tuple[int, Any]:
        # status is left alone (its forward-only rule would refuse some changes)
        return await api.call("PUT", f"/classes/TreatmentPlan/{rng.choice(plan_ids)}",
                              {"treatmentDetails": f"Revised #{next(counter)}"})

    async def query(rng: random.Random) -> tuple[int, Any]:
        where = json.dumps({"patient": pointer("Patient", rng.choice(patient_ids))})
        return await api.call("GET", "/classes/TreatmentPlan", params={"where": where, "limit": "20"})

    async def query_include(rng: random.Random) -> tuple[int, Any]:
        where = json.dumps({"patient": pointer("Patient", rng.choice(patient_ids))})
        return await api.call("GET", "/classes/TreatmentPlan",
                              params={"where": where, "limit": "20", "include": "patient"})

    return [("create", create, 201), ("update", update, 200), ("get", get, 200), ("query", query, 200),
            ("query+include", query_include, 200)]


async def seed_acl_users(api: Api, users: int, patients: int, plans: int, batch_size: int) -> list[Api]:
    """Signs up `users` staff users; each seeds its own share of patients and plans (the dental
    cloud code gives them the owner's ACL). Returns one client per user."""
    clients: list[Api] = []
    for _ in range(users):
        token = await login_bench_user(api)
        client = Api(api.session, api.url, api.headers["X-Parse-Application-Id"], "", session_token=token)
        await seed(client, max(1, patients // users), max(1, plans // users), batch_size)
        clients.append(client)
    return clients


def acl_list_phase(clients: list[Api]) -> tuple[str, Operation, int]:
    params = {"where": json.dumps({"status": "planned"}), "order": "-createdAt", "limit": "20"}

    async def acl_list(rng: random.Random) -> tuple[int, Any]:
        status, body = await rng.choice(clients).call("GET", "/classes/TreatmentPlan", params=params)
        if status == 200 and len(body.get("results", ())) != 20:
            return -2, f"expected a full page of 20, got {len(body.get('results', ()))}"
        return status, body
    return ("acl-list", acl_list, 200)


async def sanity_check(api: Api, patient_ids: list[str], plan_ids: list[str], plans: int) -> None:
    """Fails fast if the seeded data does not look right (so the figures mean something)."""
    status, body = await api.call("GET", "/classes/TreatmentPlan", params={"limit": "0", "count": "1"})
    if status != 200 or not isinstance(body, dict) or body.get("count", 0) < plans:
        raise RuntimeError(f"count of TreatmentPlan after seeding: HTTP {status} {body}")
    where = json.dumps({"patient": pointer("Patient", patient_ids[0])})
    status, body = await api.call("GET", "/classes/TreatmentPlan",
                                  params={"where": where, "limit": "20", "include": "patient"})
    results = body.get("results") if isinstance(body, dict) else None
    if status != 200 or not results:
        raise RuntimeError(f"query by pointer returned HTTP {status} {str(body)[:300]}")
    first = results[0]["patient"]
    if first.get("__type") != "Object" or first.get("objectId") != patient_ids[0]:
        raise RuntimeError(f"include=patient did not include the patient: {first}")
    status, body = await api.call("GET", f"/classes/TreatmentPlan/{plan_ids[-1]}")
    if status != 200:
        raise RuntimeError(f"get of a seeded plan: HTTP {status} {body}")


async def login_bench_user(api: Api) -> str:
    """Signs up a staff user (master key) and logs in; returns the session token."""
    suffix = random.randrange(16**8)
    username, password = f"bench-staff-{suffix:08x}", f"bench-pw-{suffix:08x}!"
    status, body = await api.call("POST", "/users", {"username": username, "password": password,
                                                     "email": f"{username}@clinic.example"})
    if status != 201:
        raise RuntimeError(f"signup of the bench user failed: HTTP {status} {body}")
    status, body = await api.call("POST", "/login", {"username": username, "password": password})
    if status != 200 or not isinstance(body, dict) or not body.get("sessionToken"):
        raise RuntimeError(f"login of the bench user failed: HTTP {status} {body}")
    return str(body["sessionToken"])


def print_table(results: list[PhaseResult], concurrency: int) -> None:
    print()
    print(f"{'phase':<15}{'req/s':>10}{'p50 ms':>10}{'p99 ms':>10}{'requests':>10}{'errors':>8}"
          f"{'cpu client':>12}{'cpu server':>12}{'cpu other':>11}   (concurrency {concurrency}; 1.00 = one core)")

    def cpu(value: float | None) -> str:
        return "n/a" if value is None else f"{value:.2f}"

    for r in results:
        print(f"{r.name:<15}{r.rps:>10.0f}{r.percentile(50):>10.2f}{r.percentile(99):>10.2f}{r.ok:>10}{r.errors:>8}"
              f"{cpu(r.client_cpu):>12}{cpu(r.server_cpu):>12}{cpu(r.other_cpu):>11}")
    for r in results:
        if r.first_error:
            print(f"  {r.name}: first error: {r.first_error}")


# --------------------------------------------------------------------------- main


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument("--url", help="target this running server (e.g. http://127.0.0.1:1337/parse) "
                        "instead of starting one on a fresh SQLite file")
    parser.add_argument("--app-id", default=DEFAULT_APP_ID, help="application id")
    parser.add_argument("--master-key", default=DEFAULT_MASTER_KEY, help="master key")
    parser.add_argument("--auth", choices=("master", "session"), default="master",
                        help="credentials of the measured phases: the master key, or the session token of a "
                        "user signed up and logged in (POST /users, POST /login) before the phases")
    parser.add_argument("--duration", type=float, default=10.0, help="measured seconds per phase")
    parser.add_argument("--warmup", type=float, default=1.0, help="unmeasured seconds before each phase")
    parser.add_argument("--plans", type=int, default=50_000, help="TreatmentPlans to seed")
    parser.add_argument("--patients", type=int, default=0,
                        help="Patients to seed (default: plans/100, at least 1, so a pointer query matches ~100)")
    parser.add_argument("--batch-size", type=int, default=50, help="sub-requests per /batch while seeding")
    parser.add_argument("--concurrency", type=int, default=16, help="concurrent workers per phase")
    parser.add_argument("--phases", default="create,update,get,query,query+include",
                        help="comma list of phases to run")
    parser.add_argument("--acl-users", type=int, default=20, help="owners of the plans of the acl-list phase")
    parser.add_argument("--server-arg", action="append", default=[],
                        help="extra option for the started server, repeatable (e.g. --server-arg=--cloud=)")
    parser.add_argument("--json", dest="json_out", help="also write the results to this JSON file")
    parser.add_argument("--keep-data", action="store_true", help="keep the temporary data directory")
    args = parser.parse_args(argv)
    if args.patients <= 0:
        args.patients = max(1, args.plans // 100)
    if args.plans < 1 or args.concurrency < 1 or args.batch_size < 1 or args.duration <= 0:
        parser.error("--plans, --concurrency, --batch-size and --duration must be positive")
    return args


async def main_async(args: argparse.Namespace) -> int:
    proc: subprocess.Popen[bytes] | None = None
    data_dir: Path | None = None
    url = args.url
    if url is None:
        data_dir = Path(tempfile.mkdtemp(prefix="parse-compat-bench-"))
        proc, url, log_path = start_server(data_dir, args.app_id, args.master_key, args.server_arg)
        print(f"started server pid {proc.pid} at {url} (SQLite {data_dir / 'parse.db'}, log {log_path})", flush=True)
    connector = aiohttp.TCPConnector(limit=max(args.concurrency, SEED_PARALLEL_BATCHES) + 2)
    timeout = aiohttp.ClientTimeout(total=60)
    try:
        async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
            try:
                await wait_healthy(session, url, proc)
            except RuntimeError:
                if data_dir is not None:
                    print((data_dir / "server.log").read_text(errors="replace")[-3000:], file=sys.stderr)
                raise
            api = Api(session, url, args.app_id, args.master_key)
            if args.auth == "session":
                token = await login_bench_user(api)
                api = Api(session, url, args.app_id, args.master_key, session_token=token)
                print("seeding and phases run as a logged-in staff user (X-Parse-Session-Token)", flush=True)
            else:
                print("seeding and phases run with the master key", flush=True)
            seed_started = time.perf_counter()
            wanted = [p.strip() for p in args.phases.split(",") if p.strip()]
            phases: list[tuple[str, Operation, int]] = []
            if wanted != ["acl-list"]:
                patient_ids, plan_ids = await seed(api, args.patients, args.plans, args.batch_size)
                await sanity_check(api, patient_ids, plan_ids, args.plans)
                phases = build_phases(api, patient_ids, plan_ids)
            if "acl-list" in wanted:
                clients = await seed_acl_users(api, args.acl_users, args.patients, args.plans, args.batch_size)
                phases.append(acl_list_phase(clients))
            seed_seconds = time.perf_counter() - seed_started
            results: list[PhaseResult] = []
            for name, op, expect in phases:
                if name not in wanted:
                    continue
                print(f"phase {name}: {args.warmup:g}s warm-up + {args.duration:g}s at concurrency "
                      f"{args.concurrency} ...", flush=True)
                results.append(await run_phase(name, op, args.concurrency, args.duration, args.warmup, expect,
                                               proc.pid if proc is not None else None))
            print_table(results, args.concurrency)
            if args.json_out:
                payload = {"url": url, "auth": args.auth, "plans": args.plans, "patients": args.patients,
                           "concurrency": args.concurrency, "duration": args.duration, "cpus": os.cpu_count(),
                           "seed_seconds": round(seed_seconds, 2), "batch_size": args.batch_size,
                           "results": [r.as_dict() for r in results]}
                Path(args.json_out).write_text(json.dumps(payload, indent=2) + "\n")
            return 1 if any(r.errors for r in results) else 0
    finally:
        if proc is not None:
            stop_server(proc)
        if data_dir is not None:
            if args.keep_data:
                print(f"data kept in {data_dir}")
            else:
                shutil.rmtree(data_dir, ignore_errors=True)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    try:
        code = asyncio.run(main_async(args))
    except RuntimeError as exc:
        print(f"bench: {exc}", file=sys.stderr)
        code = 2
    except KeyboardInterrupt:
        code = 130
    sys.exit(code)


if __name__ == "__main__":
    main()
