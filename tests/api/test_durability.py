"""An acknowledged write on SQLite survives `kill -9` of the server process."""

from __future__ import annotations

import json
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _start(tmp: Path, port: int) -> subprocess.Popen[bytes]:
    cmd = [sys.executable, "-m", "parse_compat", "--appId", "dur", "--masterKey", "dur-master", "--port", str(port),
           "--host", "127.0.0.1", "--dataDir", str(tmp), "--databaseURI", f"sqlite:///{tmp / 'p.db'}",
           "--schema", "", "--cloud", "", "--allowClientClassCreation", "true", "--logLevel", "warn"]
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(150):
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/parse/health", timeout=1):
                return proc
        except OSError:
            time.sleep(0.1)
    proc.kill()
    raise AssertionError("server did not start")


def _call(port: int, method: str, path: str, body: dict | None = None) -> tuple[int, dict]:
    request = urllib.request.Request(f"http://127.0.0.1:{port}/parse{path}", method=method,
                                     data=json.dumps(body).encode() if body is not None else None,
                                     headers={"X-Parse-Application-Id": "dur", "Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=5) as resp:
        return resp.status, json.loads(resp.read())


def test_acknowledged_writes_survive_kill_9(tmp_path: Path) -> None:
    port = _free_port()
    proc = _start(tmp_path, port)
    ids = []
    try:
        for n in range(20):
            status, body = _call(port, "POST", "/classes/Note", {"n": n})
            assert status == 201
            ids.append(body["objectId"])
        status, _ = _call(port, "PUT", f"/classes/Note/{ids[0]}", {"n": {"__op": "Increment", "amount": 100}})
        assert status == 200
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)
    proc = _start(tmp_path, port)
    try:
        status, body = _call(port, "GET", "/classes/Note?count=1&limit=1000&order=n")
        assert body["count"] == 20
        assert {r["objectId"] for r in body["results"]} == set(ids)
        assert body["results"][-1]["n"] == 100
    finally:
        proc.kill()
        proc.wait(timeout=10)
