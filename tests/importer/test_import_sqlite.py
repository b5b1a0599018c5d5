"""`parse-compat import` into a fresh SQLite file, then the server on it and the official JS SDK.

The import (the real CLI, a subprocess) reads a mongodump, a Dashboard JSON export and a
`/schemas` answer (tests/importer/parse_dump.py); the File is fetched from a local server
standing for the old one. It runs twice: the second run writes nothing. Then `python -m
parse_compat` is started on the same database and data directory, and scenarios/imported_app.js
logs in as the imported users and reads what came through.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.e2e_js.test_js_sdk import (
    APP_ID,
    MASTER_KEY,
    ROOT,
    SCRIPT_TIMEOUT,
    ServerHandle,
    _check_node_setup,
    start_server,
    stop_server,
)

from .conftest import OldServer, report_rows, source_args
from .parse_dump import (
    BAD_CHART_ID,
    BAD_VISIT_ID,
    CHART_ID,
    FILE_BYTES,
    LOGO_BYTES,
    OLD_FILE_NAME,
    PASSWORDS,
    USER_IDS,
    VISIT_IDS,
    ParseDump,
)

SCENARIOS = Path(__file__).resolve().parent / "scenarios"


@dataclass
class ImportRun:
    returncode: int
    report: str
    stderr: str


@dataclass
class ImportedApp:
    first: ImportRun
    second: ImportRun
    server: ServerHandle
    files_fetched: list[str]


def run_import_cli(workdir: Path, args: list[str]) -> ImportRun:
    cmd = [sys.executable, "-m", "parse_compat", "import", "--appId", APP_ID, "--masterKey", MASTER_KEY,
           "--dataDir", str(workdir), "--databaseURI", f"sqlite:///{workdir / 'parse.db'}", "--logLevel", "warn",
           *args]
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=120, check=False)
    return ImportRun(proc.returncode, proc.stdout, proc.stderr)


@pytest.fixture(scope="module")
def imported(parse_dump: ParseDump, old_server: OldServer,
             tmp_path_factory: pytest.TempPathFactory) -> Iterator[ImportedApp]:
    workdir = tmp_path_factory.mktemp("imported-sqlite")
    first = run_import_cli(workdir, source_args(parse_dump))
    fetched_by_first = list(old_server.requested)
    second = run_import_cli(workdir, source_args(parse_dump))
    server = start_server("sqlite", workdir)
    try:
        yield ImportedApp(first, second, server, fetched_by_first)
    finally:
        stop_server(server)


def run_imported_scenario(server: ServerHandle) -> dict[str, Any]:
    node = _check_node_setup()
    env = {key: value for key, value in os.environ.items() if not key.startswith("PARSE_")}
    env.update({"PARSE_SERVER_URL": server.require(), "PARSE_APP_ID": APP_ID, "E2E_RUN_ID": uuid.uuid4().hex[:10],
                "IMPORT_PASSWORDS": json.dumps(PASSWORDS), "IMPORT_CHART_ID": CHART_ID})
    proc = subprocess.run([node, str(SCENARIOS / "imported_app.js")], cwd=SCENARIOS, env=env, capture_output=True,
                          text=True, timeout=SCRIPT_TIMEOUT, check=False)
    lines = [line for line in proc.stdout.splitlines() if line.startswith("{")]
    report = json.loads(lines[-1]) if lines else None
    if proc.returncode != 0 or report is None or not report.get("ok"):
        pytest.fail(f"scenario imported_app failed (exit {proc.returncode})\n{json.dumps(report, indent=2)}\n"
                    f"stderr: {proc.stderr[-2000:]}\n--- server log ---\n{server.log_tail(3000)}", pytrace=False)
    return dict(report["result"])


def test_the_first_run_imports_every_class_and_reports_bad_rows(imported: ImportedApp) -> None:
    run = imported.first
    assert run.returncode == 1, run.stderr  # 1: finished, with rows reported as failed
    assert report_rows(run.report) == {
        "_User": (2, 2, 0, 0),
        "_Role": (1, 1, 0, 0),
        "Clinic": (1, 1, 0, 0),
        "Chart": (2, 1, 0, 1),
        "Visit": (3, 2, 0, 1),
        "_Join:users:_Role": (1, 1, 0, 0),
        "_Join:visits:Chart": (2, 2, 0, 0),
    }
    failed = [line for line in run.report.splitlines() if line.startswith("failed:")]
    assert failed == [f"failed: Chart {BAD_CHART_ID}: (123) Invalid ACL.",
                      f"failed: Visit {BAD_VISIT_ID}: (111) schema mismatch for Visit.chart; "
                      "expected Pointer<Chart> but got String"]
    assert "note: _Session: not imported (the old server's own records)" in run.report
    assert "private chart" not in run.report and "not a pointer" not in run.report  # no values in the report
    assert imported.files_fetched == [OLD_FILE_NAME]  # the logo came from the dump's GridFS
    assert "note: files copied from the old server or the dump's GridFS: 2" in run.report


def test_a_second_run_writes_nothing(imported: ImportedApp) -> None:
    rows = report_rows(imported.second.report)
    assert {name: written for name, (_, written, _, _) in rows.items()} == dict.fromkeys(rows, 0)
    assert rows["Visit"] == (3, 0, 2, 1) and rows["_Join:visits:Chart"] == (2, 0, 2, 0)
    assert "files copied" not in imported.second.report


def test_imported_users_log_in_and_acls_roles_relations_files_hold(imported: ImportedApp) -> None:
    result = run_imported_scenario(imported.server)
    assert result["ann"] == {"id": USER_IDS["ann"], "email": "ann@clinic.example",
                             "createdAt": "2023-05-04T03:02:01.123Z"}
    assert result["chart"] == {"note": "private chart", "clinic": "North", "lastVisit": "2024-01-02T03:04:05.678Z",
                               "acl": {"role:radiology": {"read": True, "write": True}}}
    assert result["visits"] == list(VISIT_IDS)
    assert result["visitChart"] == [CHART_ID, CHART_ID]
    assert result["when"] == "2023-06-01T10:00:00.000Z"
    assert result["file"]["status"] == 200
    assert result["file"]["sha256"] == hashlib.sha256(FILE_BYTES).hexdigest()
    assert result["file"]["name"].endswith("_xray.png") and result["file"]["name"] != OLD_FILE_NAME
    assert result["logo"]["status"] == 200 and result["logo"]["name"].endswith("_logo.png")
    assert result["logo"]["sha256"] == hashlib.sha256(LOGO_BYTES).hexdigest()
    assert result["roleUsers"] == ["ann"]
    assert result["benCharts"] == [] and result["benVisits"] == 0
