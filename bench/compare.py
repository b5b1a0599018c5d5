"""Side by side with Parse Server 9.10: the same scenarios, the same data, the same load generator,
interleaved in one run (a script, not a test; not part of `make test`).

What it does:
1. Starts parse-compat (`python -m parse_compat`, fresh SQLite file, no cloud code) and Parse Server
   9.10.0 (`bench/parse_server/`, `npm ci` there when node_modules is missing; Node, one process)
   on a fresh PostgreSQL database `compare_<pid>` on 127.0.0.1:5432 (created and dropped here).
   Both listen on loopback with Live Query on for TreatmentPlan, and neither runs cloud code.
2. Seeds both the same way, through the same REST calls (`POST /schemas`, `POST /users`,
   `POST /batch` with the master key, 50 per batch). The bench schema is a small copy of the dental
   template's (no cloud code, no CLPs, Parse's default indexes on both sides):
     Patient        name, email, phone                                     (10,000 × scale)
     TreatmentPlan  patient (Pointer<Patient>), treatmentDetails, status, visits
                    - 50,000 × scale plans of the staff user (ACL: that user only), spread
                      over the patients: get / query / update read these;
                    - 10,000 × scale plans over 20 users, each readable only by its owner,
                      the users taking turns by batch: the ACL-restricted list reads these.
3. Runs each scenario `--repeats` times per server, alternating which server goes first, with
   `--concurrency` keep-alive connections for `--duration` s after 1 s of warm-up (the phase
   runner of bench/load.py), and reports the median run of each server:
     get            GET  /classes/TreatmentPlan/<id>                       (staff session token)
     query          GET  /classes/TreatmentPlan?where={"patient":<ptr>}&limit=20
     query+include  the same with include=patient
     acl-list       GET  /classes/TreatmentPlan?where={"status":"planned"}&order=-createdAt&limit=20
                    as one of the 20 owners (session token); a page must hold 20 planned plans
     update         PUT  {"visits":{"__op":"Increment","amount":1},"status":<one of three>}
     create         POST /classes/TreatmentPlan with the staff user's ACL
     batch          POST /batch of 50 such creates (reported in objects/s)
     login          POST /login as one of the 20 owners (bcrypt cost 10 on both sides)
     livequery      `--lq-procs` client processes hold 100, then 1,000 websockets subscribed to
                    TreatmentPlan {"status":"lq"}; 20 creates/s for `--duration` s: delay from the
                    create being sent to the last subscriber receiving it (p50/p99 over creates);
                    then, at 1,000, creates as fast as 4 connections go: events received per second
     peak RSS       VmHWM of the server processes at the end (Parse: the Node process; PostgreSQL's
                    own processes are not counted; parse-compat: every process of the server)

The ratio is always "times better than Parse": parse-compat ÷ Parse for rates, Parse ÷ parse-compat
for delays and memory. The machine is shared by everything else running on it: `uptime` is
printed before and after, and each phase's `cpu other` says how much CPU the rest took.

Example: .venv/bin/python bench/compare.py --duration 10 --repeats 2 [--scale 10] [--workers 2]
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp

try:  # run as `python bench/compare.py` (bench/ on sys.path) or imported as bench.compare (tests)
    from bench.load import Api, Operation, PhaseResult, free_port, pointer, run_phase, stop_server, wait_healthy
except ImportError:  # pragma: no cover - script mode
    from load import Api, Operation, PhaseResult, free_port, pointer, run_phase, stop_server, wait_healthy

ROOT = Path(__file__).resolve().parents[1]
PARSE_DIR = Path(__file__).resolve().parent / "parse_server"
APP_ID = "compare-app"
MASTER_KEY = "compare-master"
PG_ADMIN = ["psql", "-h", "127.0.0.1", "-U", "postgres", "-v", "ON_ERROR_STOP=1", "-q", "-c"]
STATUSES = ("planned", "in_progress", "completed")
BATCH = 50
SEED_PARALLEL = 4
ACL_USERS = 20
LQ_RATE = 20.0  # creates per second in the paced Live Query runs
LQ_SATURATE_CONNECTIONS = 4
SCENARIOS = ("get", "query", "query+include", "acl-list", "update", "create", "batch", "login", "livequery")
SCHEMA: dict[str, dict[str, dict[str, str]]] = {
    "Patient": {"name": {"type": "String"}, "email": {"type": "String"}, "phone": {"type": "String"}},
    "TreatmentPlan": {"patient": {"type": "Pointer", "targetClass": "Patient"},
                      "treatmentDetails": {"type": "String"}, "status": {"type": "String"},
                      "visits": {"type": "Number"}},
}


# --------------------------------------------------------------------------- pure parts (tested)


def percentile(values: Sequence[float], pct: float) -> float:
    """Nearest-rank percentile (pct in 0..100) of `values`; NaN when empty."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(pct / 100 * len(ordered)) - 1))
    return ordered[index]


def ratio(ours: float, theirs: float, higher_is_better: bool = True) -> float:
    """How many times better parse-compat is than Parse (NaN when either side has nothing)."""
    if not ours or not theirs or ours != ours or theirs != theirs:
        return float("nan")
    return ours / theirs if higher_is_better else theirs / ours


def median_run(runs: Sequence[dict[str, float]], key: str, higher_is_better: bool = True) -> dict[str, float]:
    """The run whose `key` is the median, the worse middle one for an even count (so of two runs, the
    worse): keeps p50/p99 of one real run instead of mixing runs, and never flatters either side."""
    ordered = sorted(runs, key=lambda run: run[key], reverse=not higher_is_better)
    return ordered[(len(ordered) - 1) // 2]


@dataclass
class Row:
    """One line of the side-by-side table."""

    scenario: str
    unit: str
    ours: float
    theirs: float
    higher_is_better: bool = True
    ours_latency: tuple[float, float] | None = None  # p50, p99 ms
    theirs_latency: tuple[float, float] | None = None

    @property
    def ratio(self) -> float:
        return ratio(self.ours, self.theirs, self.higher_is_better)


def _number(value: float) -> str:
    if value != value:
        return "n/a"
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:,.1f}"


def _latency(pair: tuple[float, float] | None) -> str:
    if pair is None:
        return "—"
    return f"{pair[0]:.1f} / {pair[1]:.1f}"


def format_table(rows: Sequence[Row]) -> str:
    """A Markdown table: scenario, both figures, ratio (× better), p50/p99 of both."""
    lines = ["| scenario | unit | parse-compat | Parse 9.10 | ratio | parse-compat p50 / p99 ms | "
             "Parse p50 / p99 ms |", "|---|---|---:|---:|---:|---:|---:|"]
    for row in rows:
        shown = "n/a" if row.ratio != row.ratio else f"{row.ratio:.2f}×"
        lines.append(f"| {row.scenario} | {row.unit} | {_number(row.ours)} | {_number(row.theirs)} | {shown} | "
                     f"{_latency(row.ours_latency)} | {_latency(row.theirs_latency)} |")
    return "\n".join(lines)


# --------------------------------------------------------------------------- servers


@dataclass
class Server:
    """A started server: its REST URL, its process and how to clean up after it."""

    name: str
    url: str
    proc: subprocess.Popen[bytes]
    log_path: Path
    cleanup: Callable[[], None] = lambda: None
    after_seed: Callable[[], None] = lambda: None  # e.g. gather the database's statistics

    @property
    def ws_url(self) -> str:
        return self.url.replace("http://", "ws://", 1)

    def process_ids(self) -> list[int]:
        """The server process and its descendants (the workers of `--workers N`)."""
        pids, index = [self.proc.pid], 0
        while index < len(pids):
            for task in Path(f"/proc/{pids[index]}/task").glob("*/children"):
                try:
                    pids.extend(int(p) for p in task.read_text().split())
                except OSError:
                    pass
            index += 1
        return pids

    def peak_rss_mb(self) -> float:
        total_kib = 0
        for pid in self.process_ids():
            try:
                for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                    if line.startswith("VmHWM:"):
                        total_kib += int(line.split()[1])
            except OSError:
                pass
        return total_kib / 1024


def start_parse_compat(workdir: Path, workers: int) -> Server:
    port = free_port()
    url = f"http://127.0.0.1:{port}/parse"
    log_path = workdir / "parse-compat.log"
    cmd = [sys.executable, "-m", "parse_compat", "--appId", APP_ID, "--masterKey", MASTER_KEY,
           "--port", str(port), "--host", "127.0.0.1", "--serverURL", url, "--dataDir", str(workdir),
           "--databaseURI", f"sqlite:///{workdir / 'compare.db'}", "--cloud", "", "--schema", "",
           "--liveQuery", json.dumps({"classNames": ["TreatmentPlan"]}), "--logLevel", "warn",
           "--workers", str(workers)]
    with log_path.open("wb") as log:
        proc = subprocess.Popen(cmd, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
    return Server("parse-compat", url, proc, log_path)


def ensure_parse_server_installed() -> Path:
    """bench/parse_server/node_modules, installed from the lockfile when missing."""
    binary = PARSE_DIR / "node_modules" / "parse-server" / "bin" / "parse-server"
    if not binary.exists():
        command = ["npm", "ci"] if (PARSE_DIR / "package-lock.json").exists() else ["npm", "install"]
        print(f"installing Parse Server: {' '.join(command)} in {PARSE_DIR}", flush=True)
        subprocess.run([*command, "--no-audit", "--no-fund"], cwd=PARSE_DIR, check=True)
    return binary


def start_parse_server(workdir: Path) -> Server:
    binary = ensure_parse_server_installed()
    database = f"compare_{os.getpid()}_{random.randrange(16**6):06x}"
    subprocess.run([*PG_ADMIN, f'CREATE DATABASE "{database}"'], check=True)

    def drop_database() -> None:
        subprocess.run([*PG_ADMIN, f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'], check=False)

    port = free_port()
    url = f"http://127.0.0.1:{port}/parse"
    log_path = workdir / "parse-server.log"
    cmd = ["node", str(binary), "--appId", APP_ID, "--masterKey", MASTER_KEY, "--port", str(port),
           "--host", "127.0.0.1", "--mountPath", "/parse", "--serverURL", url,
           "--databaseURI", f"postgres://postgres@127.0.0.1:5432/{database}",
           "--liveQuery", json.dumps({"classNames": ["TreatmentPlan"]}), "--startLiveQueryServer",
           "--logLevel", "error", "--logsFolder", str(workdir / "parse-server-logs")]
    env = {**os.environ, "NODE_ENV": "production", "PARSE_SERVER_LOGS_FOLDER": str(workdir / "parse-server-logs")}
    with log_path.open("wb") as log:
        proc = subprocess.Popen(cmd, cwd=PARSE_DIR, stdout=log, stderr=subprocess.STDOUT, env=env)
    def analyze() -> None:  # what autovacuum would have done by the time a practice has this much data
        subprocess.run([*PG_ADMIN[:-1], "-d", database, "-c", "VACUUM ANALYZE"], check=True)

    return Server("Parse 9.10", url, proc, log_path, cleanup=drop_database, after_seed=analyze)


# --------------------------------------------------------------------------- seeding


@dataclass
class Seeded:
    """What the scenarios of one server need: clients, ids, credentials."""

    master: Api
    staff: Api
    staff_id: str
    patient_ids: list[str] = field(default_factory=list)
    plan_ids: list[str] = field(default_factory=list)
    owners: list[Api] = field(default_factory=list)
    owner_logins: list[dict[str, str]] = field(default_factory=list)
    anonymous: Api | None = None


def own_acl(user_id: str) -> dict[str, dict[str, bool]]:
    return {user_id: {"read": True, "write": True}}


def plan(patient_id: str, n: int, owner_id: str) -> dict[str, Any]:
    return {"patient": pointer("Patient", patient_id), "treatmentDetails": f"Treatment #{n}: tooth {n % 32 + 1}",
            "status": STATUSES[n % len(STATUSES)], "visits": 0, "ACL": own_acl(owner_id)}


async def signup(anonymous: Api, username: str, password: str) -> tuple[str, str]:
    status, body = await anonymous.call("POST", "/users", {"username": username, "password": password})
    if status != 201 or not isinstance(body, dict):
        raise RuntimeError(f"signup of {username}: HTTP {status} {str(body)[:300]}")
    return str(body["objectId"]), str(body["sessionToken"])


async def batch_seed(master: Api, class_name: str, bodies: list[dict[str, Any]]) -> list[str]:
    """Creates `bodies` through /batch, SEED_PARALLEL batches in flight; ids in body order."""
    chunks = [bodies[i:i + BATCH] for i in range(0, len(bodies), BATCH)]
    ids: list[list[str]] = [[] for _ in chunks]
    queue = iter(range(len(chunks)))

    async def seeder() -> None:
        for index in queue:
            ids[index] = await master.batch_create(class_name, chunks[index])

    await asyncio.gather(*(seeder() for _ in range(SEED_PARALLEL)))
    return [object_id for chunk in ids for object_id in chunk]


async def seed(server: Server, session: aiohttp.ClientSession, scale: float) -> Seeded:
    started = time.perf_counter()
    master = Api(session, server.url, APP_ID, MASTER_KEY)
    for class_name, fields in SCHEMA.items():
        status, body = await master.call("POST", f"/schemas/{class_name}", {"className": class_name,
                                                                            "fields": fields})
        if status != 200:
            raise RuntimeError(f"{server.name}: POST /schemas/{class_name}: HTTP {status} {str(body)[:300]}")
    anonymous = Api(session, server.url, APP_ID, "")
    anonymous.headers.pop("X-Parse-Master-Key", None)
    staff_id, staff_token = await signup(anonymous, "staff", "staff-password")
    seeded = Seeded(master, Api(session, server.url, APP_ID, "", session_token=staff_token), staff_id)
    seeded.anonymous = anonymous
    patients = int(10_000 * scale)
    seeded.patient_ids = await batch_seed(master, "Patient", [
        {"name": f"Patient {n}", "email": f"patient{n}@example.com", "phone": f"+1 555 {n:07d}",
         "ACL": own_acl(staff_id)} for n in range(patients)])
    rng = random.Random(7)
    seeded.plan_ids = await batch_seed(master, "TreatmentPlan", [
        plan(rng.choice(seeded.patient_ids), n, staff_id) for n in range(int(50_000 * scale))])
    owner_ids: list[str] = []
    for n in range(ACL_USERS):
        login = {"username": f"owner{n}", "password": f"owner-password-{n}"}
        owner_id, token = await signup(anonymous, login["username"], login["password"])
        owner_ids.append(owner_id)
        seeded.owner_logins.append(login)
        seeded.owners.append(Api(session, server.url, APP_ID, "", session_token=token))
    owned = int(10_000 * scale)
    await batch_seed(master, "TreatmentPlan", [
        plan(rng.choice(seeded.patient_ids), n, owner_ids[(n // BATCH) % ACL_USERS]) for n in range(owned)])
    print(f"{server.name}: seeded {patients} patients, {len(seeded.plan_ids)} staff plans and {owned} plans over "
          f"{ACL_USERS} owners in {time.perf_counter() - started:.0f}s", flush=True)
    return seeded


async def sanity_check(server: Server, seeded: Seeded) -> None:
    """The scenarios mean the same on both sides: counts, pointer query, include, ACL list."""
    status, body = await seeded.master.call("GET", "/classes/TreatmentPlan", params={"limit": "0", "count": "1"})
    if status != 200 or body.get("count", 0) < len(seeded.plan_ids):
        raise RuntimeError(f"{server.name}: count of TreatmentPlan: HTTP {status} {body}")
    where = json.dumps({"patient": pointer("Patient", seeded.patient_ids[0])})
    status, body = await seeded.staff.call("GET", "/classes/TreatmentPlan",
                                           params={"where": where, "include": "patient", "limit": "20"})
    results = body.get("results") if isinstance(body, dict) else None
    if status != 200 or not results or results[0]["patient"].get("__type") != "Object":
        raise RuntimeError(f"{server.name}: query+include: HTTP {status} {str(body)[:300]}")
    status, body = await seeded.owners[0].call("GET", "/classes/TreatmentPlan", params=ACL_LIST_PARAMS)
    if status != 200 or len(body.get("results", ())) != 20:
        raise RuntimeError(f"{server.name}: ACL list: HTTP {status} {str(body)[:300]}")
    status, body = await seeded.owners[0].call("GET", f"/classes/TreatmentPlan/{seeded.plan_ids[0]}")
    if status != 404:
        raise RuntimeError(f"{server.name}: an owner read the staff's plan: HTTP {status}")


# --------------------------------------------------------------------------- REST scenarios

ACL_LIST_PARAMS = {"where": json.dumps({"status": "planned"}), "order": "-createdAt", "limit": "20"}


def rest_scenarios(seeded: Seeded) -> dict[str, tuple[Operation, int, int]]:
    """name -> (operation, expected HTTP status, objects per request)."""
    counter = iter(range(10**9))

    async def get(rng: random.Random) -> tuple[int, Any]:
        return await seeded.staff.call("GET", f"/classes/TreatmentPlan/{rng.choice(seeded.plan_ids)}")

    async def query(rng: random.Random) -> tuple[int, Any]:
        where = json.dumps({"patient": pointer("Patient", rng.choice(seeded.patient_ids))})
        return await seeded.staff.call("GET", "/classes/TreatmentPlan", params={"where": where, "limit": "20"})

    async def query_include(rng: random.Random) -> tuple[int, Any]:
        where = json.dumps({"patient": pointer("Patient", rng.choice(seeded.patient_ids))})
        return await seeded.staff.call("GET", "/classes/TreatmentPlan",
                                       params={"where": where, "limit": "20", "include": "patient"})

    async def acl_list(rng: random.Random) -> tuple[int, Any]:
        status, body = await rng.choice(seeded.owners).call("GET", "/classes/TreatmentPlan", params=ACL_LIST_PARAMS)
        if status == 200:
            results = body.get("results", ())
            if len(results) != 20 or any(r.get("status") != "planned" for r in results):
                return -2, f"expected a page of 20 planned plans, got {str(body)[:200]}"
        return status, body

    async def update(rng: random.Random) -> tuple[int, Any]:
        return await seeded.staff.call("PUT", f"/classes/TreatmentPlan/{rng.choice(seeded.plan_ids)}",
                                       {"visits": {"__op": "Increment", "amount": 1},
                                        "status": rng.choice(STATUSES)})

    async def create(rng: random.Random) -> tuple[int, Any]:
        return await seeded.staff.call("POST", "/classes/TreatmentPlan",
                                       plan(rng.choice(seeded.patient_ids), next(counter), seeded.staff_id))

    async def batch(rng: random.Random) -> tuple[int, Any]:
        mount = seeded.staff.mount
        requests = [{"method": "POST", "path": f"{mount}/classes/TreatmentPlan",
                     "body": plan(rng.choice(seeded.patient_ids), next(counter), seeded.staff_id)}
                    for _ in range(BATCH)]
        status, body = await seeded.staff.call("POST", "/batch", {"requests": requests})
        if status == 200 and (not isinstance(body, list) or not all("success" in item for item in body)):
            return -2, f"a batch item failed: {str(body)[:200]}"
        return status, body

    async def login(rng: random.Random) -> tuple[int, Any]:
        assert seeded.anonymous is not None
        return await seeded.anonymous.call("POST", "/login", rng.choice(seeded.owner_logins))

    return {"get": (get, 200, 1), "query": (query, 200, 1), "query+include": (query_include, 200, 1),
            "acl-list": (acl_list, 200, 1), "update": (update, 200, 1), "create": (create, 201, 1),
            "batch": (batch, 200, BATCH), "login": (login, 200, 1)}


def summarize(result: PhaseResult, per_request: int) -> dict[str, float]:
    return {"rate": result.rps * per_request, "rps": result.rps, "p50": result.percentile(50),
            "p99": result.percentile(99), "errors": float(result.errors),
            "server_cpu": result.server_cpu or 0.0, "other_cpu": result.other_cpu or 0.0}


# --------------------------------------------------------------------------- Live Query


def created_object_id(frame: str) -> str | None:
    """The objectId of a Live Query `create` event, without decoding the whole frame (the client
    processes decode thousands of frames a second on the same cores as the servers). The bench's
    Live Query objects hold no pointer, so the first objectId in the frame is the object's."""
    if '"op":"create"' not in frame and '"op": "create"' not in frame:
        return None
    start = frame.find('"objectId":')
    if start < 0:
        return None
    start = frame.index('"', start + len('"objectId":')) + 1
    return frame[start:frame.index('"', start)]


async def lq_client(url: str, count: int) -> None:
    """Child process: `count` sockets subscribed to TreatmentPlan {"status":"lq"}; stamps each create
    event; prints `ready`, then on `done` from stdin prints the (objectId, monotonic) receipts."""
    receipts: list[tuple[str, float]] = []
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as http:
        gate = asyncio.Semaphore(50)

        async def open_one() -> aiohttp.ClientWebSocketResponse:
            async with gate:
                ws = await http.ws_connect(url, max_msg_size=0)
                await ws.send_str(json.dumps({"op": "connect", "applicationId": APP_ID}))
                if json.loads((await ws.receive()).data).get("op") != "connected":
                    raise RuntimeError("no connected frame")
                await ws.send_str(json.dumps({"op": "subscribe", "requestId": 1, "query": {
                    "className": "TreatmentPlan", "where": {"status": "lq"}}}))
                if json.loads((await ws.receive()).data).get("op") != "subscribed":
                    raise RuntimeError("no subscribed frame")
                return ws

        sockets = await asyncio.gather(*(open_one() for _ in range(count)))

        async def listen(ws: aiohttp.ClientWebSocketResponse) -> None:
            async for message in ws:
                now = time.monotonic()
                if message.type == aiohttp.WSMsgType.TEXT:
                    object_id = created_object_id(message.data)
                    if object_id is not None:
                        receipts.append((object_id, now))

        tasks = [asyncio.create_task(listen(ws)) for ws in sockets]
        gc.freeze()
        print("ready", flush=True)
        loop = asyncio.get_running_loop()
        reader = asyncio.StreamReader()
        await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
        while (await reader.readline()).strip() != b"done":
            pass
        print(json.dumps(receipts), flush=True)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*(ws.close() for ws in sockets), return_exceptions=True)


class Subscribers:
    """`count` subscribed websockets held by `procs` child processes."""

    def __init__(self, server: Server, count: int, procs: int) -> None:
        self.procs: list[subprocess.Popen[str]] = []
        per = -(-count // procs)
        for first in range(0, count, per):
            self.procs.append(subprocess.Popen(
                [sys.executable, __file__, "--lq-client", server.ws_url, str(min(per, count - first))],
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True))

    async def ready(self) -> None:
        for proc in self.procs:
            assert proc.stdout is not None
            line = await asyncio.to_thread(proc.stdout.readline)
            if line.strip() != "ready":
                raise RuntimeError(f"a Live Query client failed to subscribe (exit {proc.poll()})")

    async def receipts(self) -> dict[str, list[float]]:
        found: dict[str, list[float]] = {}
        for proc in self.procs:
            assert proc.stdin is not None
            proc.stdin.write("done\n")
            proc.stdin.flush()
        for proc in self.procs:
            assert proc.stdout is not None
            for object_id, stamp in json.loads(await asyncio.to_thread(proc.stdout.readline)):
                found.setdefault(object_id, []).append(stamp)
        return found

    def close(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                proc.kill()
            proc.wait()


async def lq_create(master: Api, sent: dict[str, float]) -> None:
    started = time.monotonic()
    try:
        status, body = await master.call("POST", "/classes/TreatmentPlan", {"status": "lq", "visits": 0})
    except (aiohttp.ClientOSError, aiohttp.ServerDisconnectedError):  # a pooled connection the server closed
        started = time.monotonic()
        status, body = await master.call("POST", "/classes/TreatmentPlan", {"status": "lq", "visits": 0})
    if status != 201:
        raise RuntimeError(f"Live Query create: HTTP {status} {str(body)[:200]}")
    sent[str(body["objectId"])] = started


async def livequery_run(server: Server, seeded: Seeded, subscribers: int, duration: float, procs: int,
                        saturate: bool) -> dict[str, float]:
    """Paced delays at LQ_RATE creates/s, and (if `saturate`) events/s with creates as fast as they go."""
    clients = Subscribers(server, subscribers, procs)
    try:
        await clients.ready()
        await asyncio.sleep(1.0)
        sent: dict[str, float] = {}
        loop = asyncio.get_running_loop()
        begin = loop.time()
        pending: list[asyncio.Task[None]] = []
        for n in range(max(1, int(duration * LQ_RATE))):
            await asyncio.sleep(max(0.0, begin + n / LQ_RATE - loop.time()))
            pending.append(asyncio.create_task(lq_create(seeded.master, sent)))
        await asyncio.gather(*pending)
        paced = set(sent)
        saturated_sent: dict[str, float] = {}
        window = (0.0, 0.0)
        if saturate:
            await asyncio.sleep(1.0)
            window_start = time.monotonic()
            end = window_start + duration

            async def creator() -> None:
                while time.monotonic() < end:
                    await lq_create(seeded.master, saturated_sent)

            await asyncio.gather(*(creator() for _ in range(LQ_SATURATE_CONNECTIONS)))
            window = (window_start, time.monotonic())
        await asyncio.sleep(2.0)
        receipts = await clients.receipts()
    finally:
        clients.close()
    delays = [(max(receipts[oid]) - sent[oid]) * 1000 for oid in paced if oid in receipts]
    complete = sum(1 for oid in paced if len(receipts.get(oid, ())) == subscribers)
    out = {"p50": percentile(delays, 50), "p99": percentile(delays, 99), "creates": float(len(paced)),
           "complete": float(complete)}
    if saturate:
        stamps = [s for oid in saturated_sent for s in receipts.get(oid, ())]
        inside = sum(1 for s in stamps if window[0] <= s <= window[1])
        sat_delays = [(max(receipts[oid]) - saturated_sent[oid]) * 1000 for oid in saturated_sent if oid in receipts]
        out.update({"events_per_s": inside / max(window[1] - window[0], 1e-9),
                    "sat_creates_per_s": len(saturated_sent) / max(window[1] - window[0], 1e-9),
                    "sat_p50": percentile(sat_delays, 50), "sat_p99": percentile(sat_delays, 99)})
    return out


# --------------------------------------------------------------------------- the run


def report_failure(server: Server, what: str, exc: BaseException) -> None:
    """One failed run is reported (with the server's last log lines if it died) and skipped."""
    print(f"  {what} on {server.name} failed: {exc!r}", flush=True)
    if server.proc.poll() is not None:
        print(f"  {server.name} exited with {server.proc.returncode}; its log ends with:\n"
              + server.log_path.read_text(errors="replace")[-2000:], flush=True)
        raise RuntimeError(f"{server.name} exited during {what}") from exc


def save_partial(args: argparse.Namespace, raw: dict[str, Any]) -> None:
    if args.json_out:
        Path(args.json_out).write_text(json.dumps(raw, indent=2, default=str) + "\n")


def uptime() -> str:
    return subprocess.run(["uptime"], capture_output=True, text=True, check=False).stdout.strip()


async def run_all(args: argparse.Namespace, rows: list[Row]) -> dict[str, Any]:
    workdir = Path(tempfile.mkdtemp(prefix="compare-"))
    servers: list[Server] = []
    raw: dict[str, Any] = {"uptime_before": uptime(), "args": vars(args)}
    print(f"load before: {raw['uptime_before']}", flush=True)
    try:
        servers = [start_parse_compat(workdir, args.workers), start_parse_server(workdir)]
        # Node closes a keep-alive connection after 5 s idle; closing ours first avoids reusing one it is closing
        connector = aiohttp.TCPConnector(limit=0, keepalive_timeout=2.0)
        async with aiohttp.ClientSession(connector=connector, timeout=aiohttp.ClientTimeout(total=120)) as session:
            for server in servers:
                try:
                    await wait_healthy(session, server.url, server.proc, timeout=60)
                except RuntimeError:
                    print(server.log_path.read_text(errors="replace")[-3000:], file=sys.stderr)
                    raise
            seeded = {server.name: await seed(server, session, args.scale) for server in servers}
            for server in servers:
                await asyncio.to_thread(server.after_seed)
                await sanity_check(server, seeded[server.name])
            try:
                await measure(args, servers, seeded, raw, rows)
            finally:
                rows.append(Row("server peak RSS", "MB", servers[0].peak_rss_mb(), servers[1].peak_rss_mb(),
                                higher_is_better=False))
    finally:
        for server in servers:
            stop_server(server.proc)
            server.cleanup()
        if args.keep:
            print(f"logs and data kept in {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    raw["uptime_after"] = uptime()
    print(f"load after: {raw['uptime_after']}", flush=True)
    return raw


async def measure(args: argparse.Namespace, servers: list[Server], seeded: dict[str, Seeded],
                  raw: dict[str, Any], rows: list[Row]) -> None:
    """Appends a row to `rows` per scenario as soon as it is measured."""
    wanted = [name for name in SCENARIOS if name in args.only.split(",")]
    ops = {server.name: rest_scenarios(seeded[server.name]) for server in servers}
    for name in wanted:
        if name == "livequery":
            await measure_livequery(args, servers, seeded, raw, rows)
            continue
        runs: dict[str, list[dict[str, float]]] = {server.name: [] for server in servers}
        for repeat in range(args.repeats):
            for server in servers if repeat % 2 == 0 else list(reversed(servers)):
                op, expect, per_request = ops[server.name][name]
                result = await run_phase(name, op, args.concurrency, args.duration, 1.0, expect, server.proc.pid)
                if result.errors:
                    print(f"  {server.name} {name}: {result.errors} errors, first: {result.first_error}", flush=True)
                run = summarize(result, per_request)
                runs[server.name].append(run)
                print(f"  {name:<14} {server.name:<13} {run['rate']:>9.0f}/s  p50 {run['p50']:6.1f} ms  "
                      f"p99 {run['p99']:6.1f} ms  cpu other {run['other_cpu']:.2f}", flush=True)
        raw[name] = runs
        save_partial(args, raw)
        ours, theirs = (median_run(runs[s.name], "rate") for s in servers)
        unit = "objects/s" if name == "batch" else "req/s"
        rows.append(Row(name if name != "batch" else "batch of 50 creates", unit, ours["rate"], theirs["rate"],
                        ours_latency=(ours["p50"], ours["p99"]), theirs_latency=(theirs["p50"], theirs["p99"])))


async def measure_livequery(args: argparse.Namespace, servers: list[Server], seeded: dict[str, Seeded],
                            raw: dict[str, Any], rows: list[Row]) -> None:
    for subscribers in (100, 1000):
        saturate = subscribers == 1000
        runs: dict[str, list[dict[str, float]]] = {server.name: [] for server in servers}
        for repeat in range(args.repeats):
            for server in servers if repeat % 2 == 0 else list(reversed(servers)):
                try:
                    run = await livequery_run(server, seeded[server.name], subscribers, args.duration,
                                              args.lq_procs, saturate)
                except (RuntimeError, aiohttp.ClientError, OSError, ValueError) as exc:
                    report_failure(server, f"livequery {subscribers}", exc)
                    continue
                runs[server.name].append(run)
                print(f"  livequery {subscribers:>5} {server.name:<13} delay p50 {run['p50']:.1f} p99 "
                      f"{run['p99']:.1f} ms, {run['complete']:.0f}/{run['creates']:.0f} complete"
                      + (f"; saturated {run['events_per_s']:.0f} events/s ({run['sat_creates_per_s']:.0f} "
                         f"creates/s, p99 {run['sat_p99']:.0f} ms)" if saturate else ""), flush=True)
        raw[f"livequery-{subscribers}"] = runs
        save_partial(args, raw)
        if not all(runs.values()):
            continue
        ours, theirs = (median_run(runs[s.name], "p99", higher_is_better=False) for s in servers)
        rows.append(Row(f"Live Query delay, {subscribers} subscribers, {LQ_RATE:.0f} creates/s", "p99 ms",
                        ours["p99"], theirs["p99"], higher_is_better=False,
                        ours_latency=(ours["p50"], ours["p99"]), theirs_latency=(theirs["p50"], theirs["p99"])))
        if saturate:
            ours, theirs = (median_run(runs[s.name], "events_per_s") for s in servers)
            rows.append(Row(f"Live Query saturated, {subscribers} subscribers", "events/s", ours["events_per_s"],
                            theirs["events_per_s"], ours_latency=(ours["sat_p50"], ours["sat_p99"]),
                            theirs_latency=(theirs["sat_p50"], theirs["sat_p99"])))


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0],
                                     formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument("--duration", type=float, default=10.0, help="measured seconds per run")
    parser.add_argument("--repeats", type=int, default=2, help="runs per scenario and server (median reported)")
    parser.add_argument("--concurrency", type=int, default=16, help="keep-alive connections per REST run")
    parser.add_argument("--scale", type=float, default=1.0,
                        help="data size multiplier (1: 50,000 plans; at least 0.2 so each owner has a full page)")
    parser.add_argument("--workers", type=int, default=1, help="parse-compat --workers")
    parser.add_argument("--only", default=",".join(SCENARIOS), help="comma list of scenarios")
    parser.add_argument("--lq-procs", type=int, default=2, help="client processes holding the Live Query sockets")
    parser.add_argument("--json", dest="json_out", help="also write every run's figures to this JSON file")
    parser.add_argument("--keep", action="store_true", help="keep the logs and the SQLite file")
    args = parser.parse_args(argv)
    if args.duration <= 0 or args.repeats < 1 or args.concurrency < 1 or args.scale < 0.2 or args.workers < 1:
        parser.error("--duration, --repeats, --concurrency and --workers must be positive, --scale at least 0.2")
    unknown = set(args.only.split(",")) - set(SCENARIOS)
    if unknown:
        parser.error(f"unknown scenarios: {', '.join(sorted(unknown))} (known: {', '.join(SCENARIOS)})")
    return args


def main(argv: list[str] | None = None) -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--lq-client":
        soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
        asyncio.run(lq_client(sys.argv[2], int(sys.argv[3])))
        return
    args = parse_args(argv)
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    rows: list[Row] = []
    try:
        raw = asyncio.run(run_all(args, rows))
        save_partial(args, raw)
    finally:  # what was measured is printed even when a later scenario failed
        print()
        print(f"{args.concurrency} connections, {args.duration:g} s per run, median of {args.repeats} "
              f"(the worse of two), scale {args.scale:g}, parse-compat --workers {args.workers}")
        print(format_table(rows))


if __name__ == "__main__":
    main()
