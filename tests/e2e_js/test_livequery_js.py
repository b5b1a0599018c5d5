"""Live Query end to end with the official Parse JavaScript SDK (npm `parse`) driven by node.

One `python -m parse_compat` per storage (SQLite file, mongomock) with the dental template and
`--liveQuery '{"classNames": ["LQItem", "LQSecret"]}'`. The scenarios in `livequery/` use
`query.subscribe()` (the SDK's default client, `ws://` derived from the server URL) and
`Parse.LiveQueryClient` per user; see `livequery/lq.js`. Like `test_js_sdk.py`, each script
prints one JSON line and the Python side asserts on what the SDK observed.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from .test_js_sdk import PARSE_USER_DEFAULTS

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
APP_ID = "e2e-lq-app"
MASTER_KEY = "e2e-lq-master"
ITEM_CLASS = "LQItem"
SECRET_CLASS = "LQSecret"
STARTUP_TIMEOUT = 30.0
SCRIPT_TIMEOUT = 120.0


@dataclass
class LiveServer:
    storage: str
    url: str
    process: subprocess.Popen[bytes]
    log_path: Path

    def log_tail(self, chars: int = 3000) -> str:
        return self.log_path.read_text(errors="replace")[-chars:] if self.log_path.exists() else "(no log)"


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _request(method: str, url: str, body: Any = None) -> Any:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method, headers={
        "X-Parse-Application-Id": APP_ID, "X-Parse-Master-Key": MASTER_KEY, "Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as resp:
        return json.loads(resp.read() or b"null")


def _start(storage: str, workdir: Path) -> LiveServer:
    port = _free_port()
    url = f"http://127.0.0.1:{port}/parse"
    uri = f"sqlite:///{workdir / 'parse.db'}" if storage == "sqlite" else f"mongomock://lq{uuid.uuid4().hex[:12]}"
    cmd = [sys.executable, "-m", "parse_compat", "--appId", APP_ID, "--masterKey", MASTER_KEY, "--port", str(port),
           "--host", "127.0.0.1", "--serverURL", url, "--dataDir", str(workdir), "--databaseURI", uri,
           "--schema", str(ROOT / "schema.json"), "--allowClientClassCreation", "true", "--logLevel", "warn",
           "--liveQuery", json.dumps({"classNames": [ITEM_CLASS, SECRET_CLASS]}), *PARSE_USER_DEFAULTS]
    log_path = workdir / "server.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(cmd, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
    server = LiveServer(storage, url, process, log_path)
    deadline = time.monotonic() + STARTUP_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"[{storage}] server exited:\n{server.log_tail()}", pytrace=False)
        try:
            with urllib.request.urlopen(f"{url}/health", timeout=2) as resp:
                if resp.status == 200:
                    break
        except (urllib.error.URLError, OSError):
            time.sleep(0.2)
    else:
        pytest.fail(f"[{storage}] server did not start:\n{server.log_tail()}", pytrace=False)
    _request("POST", f"{url}/schemas/{SECRET_CLASS}", {
        "className": SECRET_CLASS,
        "fields": {"run": {"type": "String"}, "label": {"type": "String"}, "code": {"type": "String"}},
        "classLevelPermissions": {op: {"*": True} for op in ("find", "count", "get", "create", "update", "delete")}
        | {"protectedFields": {"*": ["code"]}},
    })
    return server


@pytest.fixture(scope="module", params=["sqlite", "mongomock"])
def live_server(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    server = _start(str(request.param), tmp_path_factory.mktemp(f"e2e-lq-{request.param}"))
    try:
        yield server
    finally:
        server.process.terminate()
        try:
            server.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.process.kill()
            server.process.wait(timeout=5)


def run_live(server: LiveServer, name: str) -> dict[str, Any]:
    node = shutil.which("node")
    if node is None or not (HERE / "node_modules" / "parse" / "package.json").exists():
        pytest.fail("node and the Parse JS SDK are required: run `make js`", pytrace=False)
    env = {key: value for key, value in os.environ.items() if not key.startswith("PARSE_")}
    env.update({"PARSE_SERVER_URL": server.url, "PARSE_APP_ID": APP_ID, "E2E_RUN_ID": uuid.uuid4().hex[:10],
                "PARSE_LQ_CLASS": ITEM_CLASS, "PARSE_LQ_SECRET_CLASS": SECRET_CLASS})
    try:
        proc = subprocess.run([node, str(HERE / "livequery" / f"{name}.js")], cwd=HERE, env=env,
                              capture_output=True, text=True, timeout=SCRIPT_TIMEOUT, check=False)
    except subprocess.TimeoutExpired as exc:
        pytest.fail(f"[{server.storage}] {name} timed out\nstdout: {exc.stdout!r}\n{server.log_tail()}",
                    pytrace=False)
    lines = [line for line in proc.stdout.splitlines() if line.startswith("{")]
    report = json.loads(lines[-1]) if lines else None
    if proc.returncode != 0 or report is None or not report.get("ok"):
        pytest.fail(f"[{server.storage}] {name} failed (exit {proc.returncode})\n"
                    f"{json.dumps(report, indent=2) if report else proc.stdout[-3000:]}\n"
                    f"stderr: {proc.stderr[-2000:]}\n--- server log ---\n{server.log_tail()}", pytrace=False)
    return dict(report["result"])


def test_events_keys_watch_with_query_subscribe(live_server: LiveServer) -> None:
    result = run_live(live_server, "events")
    assert result["create"]["score"] == 20 and result["create"]["className"] == ITEM_CLASS
    assert result["update"] == {"object": 30, "original": 20}
    assert (result["leave"], result["enter"], result["delete"]) == ("leave", "enter", "delete")
    assert "name" not in result["keys"] and "score" in result["keys"]
    assert result["watch"] == ["create", "update"]
    assert result["unsubscribe"] == ["create", "update", "leave", "enter", "update", "delete"]


def test_acl_protected_fields_clp_and_logout(live_server: LiveServer) -> None:
    result = run_live(live_server, "access")
    assert result["acl"] == {"alice": 3, "bob": ["create", "enter"], "anonymous": 1}
    assert all("code" not in keys for keys in result["protected"])
    assert result["clp"] == "Permission denied, user needs to be authenticated."
    assert result["logout"] == "Invalid session token"
