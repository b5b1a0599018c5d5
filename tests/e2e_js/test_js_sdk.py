"""End-to-end tests: the official Parse JavaScript SDK (npm `parse`, 8.x) against a real server.

For each storage (SQLite file, in-memory mongomock) one `python -m parse_compat` subprocess is
started on a free loopback port with `--allowClientClassCreation true` and the repository's
`schema.json` (the dental template). Each test runs one node script from `scenarios/` (see
`lib/harness.js`): the script asserts with `node:assert`, prints one JSON line and exits non-zero
on failure, with the failing step, the error and the last HTTP exchanges. The Python side then
asserts on the reported observations.

`node_modules` comes from `make js` (`cd tests/e2e_js && npm install`); without it the tests fail
with a message saying so.
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

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
APP_ID = "e2e-js-app"
MASTER_KEY = "e2e-js-master"
STARTUP_TIMEOUT = 30.0
SCRIPT_TIMEOUT = 180.0


@dataclass
class ServerHandle:
    """A running server subprocess, or why it could not be started."""

    storage: str
    url: str = ""
    process: subprocess.Popen[bytes] | None = None
    log_path: Path | None = None
    startup_error: str | None = None

    def log_tail(self, chars: int = 4000) -> str:
        if self.log_path is None or not self.log_path.exists():
            return "(no server log)"
        return self.log_path.read_text(errors="replace")[-chars:]

    def require(self) -> str:
        """The server URL; fails the calling test if the server did not start."""
        if self.startup_error is not None:
            pytest.fail(f"[{self.storage}] server did not start: {self.startup_error}\n"
                        f"--- server log ---\n{self.log_tail()}", pytrace=False)
        return self.url


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _health_ok(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/health", timeout=2) as resp:
            return resp.status == 200
    except (urllib.error.URLError, OSError, ValueError):
        return False


def _database_uri(storage: str, workdir: Path) -> str:
    if storage == "sqlite":
        return f"sqlite:///{workdir / 'parse.db'}"  # workdir is absolute: four slashes in total
    return f"mongomock://e2e{uuid.uuid4().hex[:12]}"


# The generic SDK scenarios sign users up and log in as in any Parse app, so their servers keep
# Parse's own user and session defaults rather than the dental template's (no public signup,
# 12-character passwords, lockout, idle timeout), which scenarios/cloud_dental.js covers.
PARSE_USER_DEFAULTS = ["--allowPublicSignup", "true", "--passwordPolicy", "{}", "--accountLockout", "{}",
                       "--sessionIdleTimeout", "0", "--sessionLength", "31536000"]


def start_server(storage: str, workdir: Path, template_defaults: bool = False,
                 extra: list[str] | None = None) -> ServerHandle:
    """Starts `python -m parse_compat` and waits until GET /parse/health answers 200."""
    port = _free_port()
    handle = ServerHandle(storage=storage, url=f"http://127.0.0.1:{port}/parse", log_path=workdir / "server.log")
    cmd = [
        sys.executable, "-m", "parse_compat",
        "--appId", APP_ID,
        "--masterKey", MASTER_KEY,
        "--port", str(port),
        "--host", "127.0.0.1",
        "--serverURL", handle.url,
        "--dataDir", str(workdir),
        "--databaseURI", _database_uri(storage, workdir),
        "--schema", str(ROOT / "schema.json"),
        "--allowClientClassCreation", "true",
        "--logLevel", "warn",
    ] + ([] if template_defaults else PARSE_USER_DEFAULTS) + (extra or [])
    log = (workdir / "server.log").open("wb")
    try:
        handle.process = subprocess.Popen(cmd, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
    finally:
        log.close()  # the child keeps its own descriptor
    deadline = time.monotonic() + STARTUP_TIMEOUT
    while time.monotonic() < deadline:
        if handle.process.poll() is not None:
            handle.startup_error = f"exited with code {handle.process.returncode} ({' '.join(cmd)})"
            return handle
        if _health_ok(handle.url):
            return handle
        time.sleep(0.2)
    handle.startup_error = f"GET {handle.url}/health did not answer 200 within {STARTUP_TIMEOUT:.0f}s"
    return handle


def stop_server(handle: ServerHandle) -> None:
    proc = handle.process
    if proc is None or proc.poll() is not None:
        return
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=10)


def _check_node_setup() -> str:
    node = shutil.which("node")
    if node is None:
        pytest.fail("`node` is not on PATH; the JS SDK end-to-end tests need Node.js 20.19+", pytrace=False)
    if not (HERE / "node_modules" / "parse" / "package.json").exists():
        pytest.fail(f"{HERE / 'node_modules'} is missing the Parse JS SDK: run `make js` "
                    f"(or `cd tests/e2e_js && npm install`) before the tests", pytrace=False)
    return node


@pytest.fixture(scope="module", params=["sqlite", "mongomock"])
def server(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerHandle]:
    """One server per storage, shared by the scenarios (they tag their objects with a run id)."""
    storage = str(request.param)
    handle = start_server(storage, tmp_path_factory.mktemp(f"e2e-js-{storage}"))
    try:
        yield handle
    finally:
        stop_server(handle)


def run_scenario(server: ServerHandle, name: str, *, master_key: bool = False) -> dict[str, Any]:
    """Runs scenarios/<name>.js against `server`; fails the test with the script's report on error."""
    node = _check_node_setup()
    url = server.require()
    env = {key: value for key, value in os.environ.items() if not key.startswith("PARSE_")}
    run_id = uuid.uuid4().hex[:10]
    env.update({"PARSE_SERVER_URL": url, "PARSE_APP_ID": APP_ID, "E2E_RUN_ID": run_id})
    if master_key:
        env["PARSE_MASTER_KEY"] = MASTER_KEY
    try:
        proc = subprocess.run([node, str(HERE / "scenarios" / f"{name}.js")], cwd=HERE, env=env,
                              capture_output=True, text=True, timeout=SCRIPT_TIMEOUT, check=False)
    except subprocess.TimeoutExpired as exc:
        pytest.fail(f"[{server.storage}] scenario {name} timed out after {SCRIPT_TIMEOUT:.0f}s\n"
                    f"stdout: {exc.stdout!r}\n--- server log ---\n{server.log_tail()}", pytrace=False)
    lines = [line for line in proc.stdout.splitlines() if line.startswith("{")]
    report: dict[str, Any] | None = None
    if lines:
        try:
            report = json.loads(lines[-1])
        except ValueError:
            report = None
    if proc.returncode != 0 or report is None or not report.get("ok"):
        details = json.dumps(report, indent=2) if report is not None else proc.stdout[-4000:]
        pytest.fail(f"[{server.storage}] scenario {name} failed (exit {proc.returncode})\n{details}\n"
                    f"stderr: {proc.stderr[-2000:]}\n--- server log (tail) ---\n{server.log_tail(2000)}",
                    pytrace=False)
    assert report["scenario"] == name
    return dict(report["result"])


def test_save_fetch_update_destroy(server: ServerHandle) -> None:
    result = run_scenario(server, "save_fetch")
    assert len(result["objectId"]) == 10
    assert result["finalScore"] == 1338


def test_query_constraints_order_limit_skip_count_first(server: ServerHandle) -> None:
    result = run_scenario(server, "query_constraints")
    assert result["ascending"] == [30, 40, 50, 60]
    assert result["descending"] == [30, 20, 10]
    assert result["range"] == [20, 30, 40]
    assert result["equalTo"] == ["bob", "dave", "frank"]
    assert result["multiOrder"] == ["dave", "alice", "bob", "carol", "erin", "frank"]
    assert result["limit"] == [60, 50]
    assert result["skip"] == [30, 40]
    assert result["count"] == {"all": 6, "high": 4, "none": 0}
    assert result["withCount"] == 6
    assert result["first"] == "erin"
    assert result["createdAtOrder"] == 6


def test_query_or_containedin_regex_exists_select_each(server: ServerHandle) -> None:
    result = run_scenario(server, "query_advanced")
    assert result["startsWith"] == ["P1"]  # 'a.b*' must not act as a regex (would also match P2)
    assert result["startsWithDot"] == ["P6"]
    assert result["endsWith"] == ["P1", "P2"]
    assert result["contains"] == ["P5"]
    assert result["containsQuestionMark"] == ["P4"]
    assert result["matchesI"] == ["P3", "P4"]
    assert result["matchesCase"] == ["P4"]
    assert result["matchesClass"] == ["P5"]
    assert result["containedIn"] == ["P1", "P3", "P5"]
    assert result["notContainedIn"] == ["P2", "P4", "P5", "P6"]
    assert result["arrayEqualTo"] == ["P3", "P6"]
    assert result["arrayContainedIn"] == ["P3", "P6"]
    assert result["containsAll"] == ["P1", "P6"]
    assert result["or"] == ["P1", "P6"]
    assert result["orMixed"] == ["P1", "P2", "P3", "P6"]
    assert result["and"] == ["P3", "P5", "P6"]
    assert result["nor"] == ["P4", "P5", "P6"]
    assert result["exists"] == ["P1", "P3"]
    assert result["doesNotExist"] == ["P2", "P4", "P5", "P6"]
    assert result["existsSubtitle"] == ["P5"]
    assert result["select"] == ["createdAt", "label", "title", "updatedAt"]
    assert "tags" not in result["exclude"] and "views" not in result["exclude"]
    assert "title" in result["exclude"]
    assert sorted(result["each"]) == ["P1", "P2", "P3", "P4", "P5", "P6"]
    assert sorted(result["eachFiltered"]) == ["P3", "P4", "P5", "P6"]


def test_pointers_and_include(server: ServerHandle) -> None:
    result = run_scenario(server, "include")
    assert result["byPointer"] == ["c1", "c2"]
    assert result["include"] == ["c2:First", "c3:Second"]
    assert result["nested"] == ["Ann", "Ann", "Ben", "Ben"]
    assert result["arrayInclude"] == ["Ann", "Ben"]
    assert result["getInclude"] == "Second"
    assert result["matchesQuery"] == {"inSecond": ["c3", "c4"], "notSecond": ["c1", "c2"]}
    assert result["pointerIn"] == ["c1", "c3"]
    assert result["count"] == 2


def test_increment_add_addunique_remove(server: ServerHandle) -> None:
    result = run_scenario(server, "ops")
    assert result["increment"] == 13.5
    assert result["concurrent"] == 1113.5
    assert result["incrementNew"] == 3
    assert result["add"] == ["flying", "kungfu", "flying", "swimming"]
    assert result["addUnique"] == ["flying", "kungfu", "flying", "swimming", "running", "jumping"]
    assert result["remove"] == ["kungfu", "swimming", "jumping"]
    assert result["objectArrays"] == [{"level": 2}]
    assert result["unset"] is False
    assert result["final"] == {"score": 1113.5, "skills": ["kungfu", "swimming", "jumping"], "badges": ["gold"]}


def test_relations(server: ServerHandle) -> None:
    result = run_scenario(server, "relations")
    assert result["relationField"] == "Fan"
    assert result["query"] == ["fan1", "fan2", "fan3"]
    assert result["constrained"] == {"older": ["fan3", "fan2"], "count": 3}
    assert result["remove"] == ["fan1", "fan3"]
    assert result["addAndRemove"] == ["fan3", "fan4"]
    assert result["membership"] == {"fan1": ["Mongo Men"], "fan3": ["The Parsers"], "fan2": []}
    assert result["otherBand"] == ["fan1"]


def test_saveall_fetchall_destroyall(server: ServerHandle) -> None:
    result = run_scenario(server, "batch")
    assert result["created"] == 45
    assert result["updated"] == [0, 3, 6, 9, 12]
    assert result["fetchAll"] == 25
    assert result["partialFailure"] == {"code": 111, "storedGood": 1}
    assert result["destroyed"] == 0
    assert result["destroyMissing"] == [101, 101, 101]


def test_dental_template_with_master_key(server: ServerHandle) -> None:
    result = run_scenario(server, "dental", master_key=True)
    assert result["anonymous"] == {"find": 101, "create": 101}
    assert result["required"] == {"patient": 142, "plan": 142}
    assert result["byPatient"] == ["Cleaning", "Filling 16", "Crown 21"]
    assert result["filtered"] == {"planned": ["Crown 21", "Filling 16"], "count": 3}
    assert result["matchesQuery"] == ["Extraction 38"]
    assert result["useMasterKey"] == "completed"


def test_distinct_and_aggregate(server: ServerHandle) -> None:
    result = run_scenario(server, "aggregate", master_key=True)
    assert result["distinct"] == ["Bergen", "Oslo"]
    assert result["grouped"] == [{"objectId": "Oslo", "total": 40}, {"objectId": "Bergen", "total": 20}]
