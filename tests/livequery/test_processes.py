"""Several server processes sharing the real Redis on 127.0.0.1:6379 (and one SQLite file).

- two servers on two ports: a subscriber on one receives writes made through the other, with
  ACLs applied there, and a logout through one ends the private subscription held by the other;
- ``parse-compat --workers 2`` on one port: both workers serve sockets, and every subscriber
  hears a write whichever worker served it.

Every socket is read all the time (``conftest.Socket``), as real clients do: aiohttp's client
answers the server's pings only while something awaits ``receive()``, and the server drops a
socket that has not answered within ``websocketTimeout`` + half of it (10 + 5 s). Opening 16
sockets took 16 s at load 20, and the first two were dropped before the test read them.
Starting and stopping processes are given time in proportion to a loaded machine (a boot of
two workers took 10-24 s at load 14, over 30 s at load 20).
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from tests.api.conftest import ROOT, Client
from tests.livequery.conftest import Socket

REDIS_URL = "redis://127.0.0.1:6379/0"
STARTUP_TIMEOUT = 120.0
STOP_TIMEOUT = 60.0  # the server's own grace for in-flight requests is 10 s


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def redis_is_up() -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(1)
        try:
            sock.connect(("127.0.0.1", 6379))
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")
        except OSError:
            return False


# Users sign up as in any Parse app: Parse's own user options, not the dental template's defaults
# (the default cloud code is the template, which turns public signup off).
PARSE_USER_DEFAULTS = ("--allowPublicSignup", "true", "--passwordPolicy", "{}", "--accountLockout", "{}",
                       "--sessionIdleTimeout", "0", "--sessionLength", "31536000")


class Server:
    def __init__(self, workdir: Path, app_id: str, port: int, *extra: str) -> None:
        self.port = port
        self.url = f"http://127.0.0.1:{port}/parse"
        self.log = workdir / f"server-{port}.log"
        live = json.dumps({"classNames": ["Thing"], "redisURL": REDIS_URL, "sessionCheckInterval": 30})
        cmd = [sys.executable, "-m", "parse_compat", "--appId", app_id, "--masterKey", "mk", "--port", str(port),
               "--host", "127.0.0.1", "--dataDir", str(workdir), "--databaseURI", f"sqlite:///{workdir / 'p.db'}",
               "--schema", str(self.schema_file(workdir)), "--liveQuery", live, "--logLevel", "warn",
               *PARSE_USER_DEFAULTS, *extra]
        with self.log.open("wb") as log:
            self.process = subprocess.Popen(cmd, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + STARTUP_TIMEOUT
        while time.monotonic() < deadline:
            assert self.process.poll() is None, f"server exited:\n{self.log.read_text()}"
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                    # with --workers, the banner is printed once every worker is up
                    if "--workers" not in extra or "workers:" in self.log.read_text():
                        return
            except OSError:
                pass
            time.sleep(0.2)
        raise AssertionError(f"server on {port} did not start:\n{self.log.read_text()}")

    @staticmethod
    def schema_file(workdir: Path) -> Path:
        """Classes come from a schema file: each process caches schemas, so none is created at run time."""
        path = workdir / "schema.json"
        path.write_text(json.dumps({"classes": [{"className": "Thing", "fields": {"n": {"type": "Number"}}}]}))
        return path

    def children(self) -> list[int]:
        path = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        return [int(pid) for pid in path.read_text().split()]

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)


@pytest.fixture
def workdir(tmp_path: Path) -> Iterator[Path]:
    assert redis_is_up(), "these tests need the Redis server on 127.0.0.1:6379"
    yield tmp_path


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


async def socket_to(http: aiohttp.ClientSession, server: Server, app_id: str, token: str | None = None) -> Socket:
    sock = Socket(await http.ws_connect(server.url.replace("http://", "ws://")))
    connect: dict[str, Any] = {"op": "connect", "applicationId": app_id}
    if token:
        connect["sessionToken"] = token
    await sock.send(connect)
    assert (await sock.recv(timeout=5))["op"] == "connected"
    await sock.send({"op": "subscribe", "requestId": 1, "query": {"className": "Thing", "where": {}}})
    assert (await sock.recv(timeout=5))["op"] == "subscribed"
    return sock


async def no_frame(sock: Socket, wait: float = 0.6) -> None:
    await asyncio.sleep(wait)
    assert sock.frames.empty(), f"unexpected frame: {sock.frames.get_nowait().data}"


def master_client(http: aiohttp.ClientSession, server: Server, app_id: str) -> Client:
    client = Client(http, server.url)
    original = client.request

    async def request(method: str, path: str, body: Any = None, **kw: Any) -> Any:
        kw.setdefault("app_id", app_id)
        return await original(method, path, body, **kw)

    client.request = request  # type: ignore[method-assign]
    return client


async def test_two_servers_share_changes_over_redis(workdir: Path, http: aiohttp.ClientSession) -> None:
    app_id = f"redis-{uuid.uuid4().hex[:8]}"
    a = Server(workdir, app_id, free_port())
    b = None
    try:
        api_a = master_client(http, a, app_id)
        users = {}
        for name in ("uma", "vic"):
            reply = await api_a.post("/users", {"username": name, "password": "pw-123456",
                                                "email": f"{name}@example.com"})
            assert reply.status == 201, reply.body
            users[name] = reply.body
        b = Server(workdir, app_id, free_port())
        api_b = master_client(http, b, app_id)

        public_on_a = await socket_to(http, a, app_id)
        uma_on_a = await socket_to(http, a, app_id, users["uma"]["sessionToken"])
        vic_on_a = await socket_to(http, a, app_id, users["vic"]["sessionToken"])
        public_on_b = await socket_to(http, b, app_id)

        created = await api_b.post("/classes/Thing", {"n": 1})
        assert created.status == 201, created.body
        for ws in (public_on_a, uma_on_a, vic_on_a, public_on_b):
            event = await ws.recv(timeout=5)
            assert event["op"] == "create" and event["object"]["objectId"] == created.body["objectId"]

        await api_a.put(f"/classes/Thing/{created.body['objectId']}", {"n": 2})
        event = await public_on_b.recv(timeout=5)
        assert (event["op"], event["object"]["n"], event["original"]["n"]) == ("update", 2, 1)
        for ws in (public_on_a, uma_on_a, vic_on_a):
            assert (await ws.recv(timeout=5))["op"] == "update"

        # the ACL travels with the change and is applied by the receiving process
        private = {users["uma"]["objectId"]: {"read": True, "write": True}}
        await api_b.post("/classes/Thing", {"n": 3, "ACL": private}, session_token=users["uma"]["sessionToken"])
        event = await uma_on_a.recv(timeout=5)
        assert event["object"]["n"] == 3 and event["object"]["ACL"] == private
        await no_frame(vic_on_a)
        await no_frame(public_on_a)

        # a logout served by B ends uma's private subscription held by A
        assert (await api_b.post("/logout", {}, session_token=users["uma"]["sessionToken"])).status == 200
        assert await uma_on_a.recv(timeout=5) == {"op": "error", "code": 209, "reconnect": False,
                                                          "error": "Invalid session token", "requestId": 1}
        for ws in (public_on_a, uma_on_a, vic_on_a, public_on_b):
            await ws.close()
    finally:
        a.stop()
        if b is not None:
            b.stop()


def established_sockets(pid: int, port: int, client_ports: set[int], reads: int = 3) -> int:
    """How many established TCP connections from ``client_ports`` to ``port`` the process ``pid``
    holds (from /proc), counted as distinct socket inodes over a few reads of ``net/tcp``.

    ``/proc/<pid>/net/tcp`` lists every socket of the network namespace and is not a consistent
    snapshot: read in several chunks while other connections open and close (other tests, Redis
    clients), a line can appear twice or not at all. Counting lines once saw 17 for 16 websockets."""
    inodes = set()
    for entry in os.listdir(f"/proc/{pid}/fd"):
        try:
            target = os.readlink(f"/proc/{pid}/fd/{entry}")
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(target[8:-1])
    found: set[str] = set()
    for _ in range(reads):
        for line in Path(f"/proc/{pid}/net/tcp").read_text().splitlines()[1:]:
            fields = line.split()
            local_port = int(fields[1].split(":")[1], 16)
            remote_port = int(fields[2].split(":")[1], 16)
            if local_port == port and remote_port in client_ports and fields[3] == "01" and fields[9] in inodes:
                found.add(fields[9])
    return len(found)


async def test_workers_share_one_port_and_deliver_every_write(workdir: Path, http: aiohttp.ClientSession) -> None:
    app_id = f"workers-{uuid.uuid4().hex[:8]}"
    port = free_port()
    server = Server(workdir, app_id, port, "--workers", "2")
    try:
        workers = server.children()
        assert len(workers) == 2
        api = master_client(http, server, app_id)
        sockets = [await socket_to(http, server, app_id) for _ in range(16)]
        client_ports = {ws.ws.get_extra_info("sockname")[1] for ws in sockets}
        per_worker = [established_sockets(pid, port, client_ports) for pid in workers]
        assert sum(per_worker) == 16 and all(count > 0 for count in per_worker), per_worker
        for n in range(3):
            created = await api.post("/classes/Thing", {"n": n})
            assert created.status == 201, created.body
            for ws in sockets:
                event = await ws.recv(timeout=5)
                assert event["op"] == "create" and event["object"]["objectId"] == created.body["objectId"]
        for ws in sockets:
            await ws.close()
    except BaseException:
        print(f"server log:\n{server.log.read_text()[-4000:]}")  # shown by pytest with the failure
        raise
    finally:
        server.stop()
    assert server.process.returncode == 0, f"exit {server.process.returncode}:\n{server.log.read_text()[-4000:]}"
