"""A real ``python -m parse_compat`` process on a temp SQLite file and a random port (test helper)."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
APP_ID = "proc"
MASTER_KEY = "proc-master"
STARTUP_TIMEOUT = 30.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def command(tmp: Path, port: int, *extra: str) -> list[str]:
    return [sys.executable, "-m", "parse_compat", "--appId", APP_ID, "--masterKey", MASTER_KEY, "--port", str(port),
            "--host", "127.0.0.1", "--dataDir", str(tmp), "--databaseURI", f"sqlite:///{tmp / 'p.db'}",
            "--schema", "", "--cloud", "", "--allowClientClassCreation", "true", "--logLevel", "warn", *extra]


def start(tmp: Path, port: int, *extra: str, log: Path | None = None) -> subprocess.Popen[bytes]:
    """Start the server and wait until /health answers."""
    out: Any = log.open("ab") if log is not None else subprocess.DEVNULL
    proc = subprocess.Popen(command(tmp, port, *extra), cwd=ROOT, stdout=out, stderr=subprocess.STDOUT if log
                            else subprocess.DEVNULL)
    deadline = time.monotonic() + STARTUP_TIMEOUT
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"server exited with {proc.returncode}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/parse/health", timeout=1):
                return proc
        except OSError:
            time.sleep(0.1)
    proc.kill()
    raise AssertionError("server did not start")


def call(port: int, method: str, path: str, body: dict[str, Any] | None = None) -> tuple[int, Any]:
    request = urllib.request.Request(f"http://127.0.0.1:{port}/parse{path}", method=method,
                                     data=json.dumps(body).encode() if body is not None else None,
                                     headers={"X-Parse-Application-Id": APP_ID, "X-Parse-Master-Key": MASTER_KEY,
                                              "Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as resp:
        return resp.status, json.loads(resp.read())


def refuses_connections(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return False
    except OSError:
        return True
