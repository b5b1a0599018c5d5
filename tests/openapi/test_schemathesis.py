"""Schemathesis against a live server on the dental template: generated requests for every
operation of the document, first with a staff member's session, then with the master key, must
get no 5xx and no answer the document does not describe (status, content type, body schema).
Its phases: the documented examples, fuzzing (valid and invalid requests per operation) and the
stateful phase, which follows the document's links from a create to get / update / delete.

The server is a real `python -m parse_compat` process (Schemathesis's client is synchronous, so it
cannot share the test's event loop). Runs are bounded (a few examples per operation) and
deterministic (`--generation-deterministic`): the same requests every time.
"""

from __future__ import annotations

import json
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.api import server_process
from tests.api.server_process import APP_ID, MASTER_KEY

EXAMPLES_PER_OPERATION = 4  # ~70 s for both runs on a shared two-core machine
CHECKS = "not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance"
STAFF_PASSWORD = "long-enough-and-rare-7"


@pytest.fixture
def dental_server(tmp_path: Path) -> Iterator[tuple[int, Path]]:
    port = server_process.free_port()
    log = tmp_path / "server.log"
    process = server_process.start(tmp_path, port, "--schema", "schema.json", "--cloud", "cloud_code",
                                   "--allowClientClassCreation", "false", log=log)
    try:
        yield port, log
    finally:
        process.terminate()
        process.wait(timeout=30)


def document(port: int, headers: dict[str, str], target: Path) -> Path:
    request = urllib.request.Request(f"http://127.0.0.1:{port}/parse/openapi.json",
                                     headers={"X-Parse-Application-Id": APP_ID, **headers})
    with urllib.request.urlopen(request, timeout=10) as resp:
        target.write_bytes(resp.read())
    return target


def schemathesis(port: int, schema: Path, headers: dict[str, str], *extra: str) -> subprocess.CompletedProcess[str]:
    header_args = [arg for name, value in {"X-Parse-Application-Id": APP_ID, **headers}.items()
                   for arg in ("-H", f"{name}: {value}")]
    return subprocess.run(
        [sys.executable, "-m", "schemathesis.cli", "run", str(schema), "--url", f"http://127.0.0.1:{port}/parse",
         *header_args, "--checks", CHECKS, "--max-examples", str(EXAMPLES_PER_OPERATION), "--workers", "1",
         "--generation-deterministic", "--phases", "examples,fuzzing,stateful",
         "--no-color", *extra],
        cwd=schema.parent, capture_output=True, text=True, timeout=300)


def failures(run: subprocess.CompletedProcess[str]) -> str:
    """The FAILURES section of a run's output (long generated values cut), for the assertion message."""
    section = run.stdout.split("= FAILURES =", 1)[-1].split("= WARNINGS =", 1)[0]
    return "\n".join(line[:300] for line in section.splitlines())[:8000] + run.stderr[-2000:]


def test_generated_requests_get_no_5xx_and_only_documented_answers(dental_server: tuple[int, Path],
                                                                   tmp_path: Path) -> None:
    port, log = dental_server
    status, created = server_process.call(port, "POST", "/users", {
        "username": "sam", "password": STAFF_PASSWORD, "email": "sam@clinic.example", "role": "staff"})
    assert status == 201, created
    _, login = server_process.call(port, "POST", "/login", {"username": "sam", "password": STAFF_PASSWORD})
    staff = {"X-Parse-Session-Token": login["sessionToken"]}
    master = {"X-Parse-Master-Key": MASTER_KEY}

    staff_schema = document(port, staff, tmp_path / "staff.json")
    assert "/classes/Patient" in json.loads(staff_schema.read_text())["paths"]
    # /logout would end the session the rest of the staff run uses.
    staff_run = schemathesis(port, staff_schema, staff, "--exclude-path", "/logout")
    assert staff_run.returncode == 0, failures(staff_run)
    master_run = schemathesis(port, document(port, master, tmp_path / "master.json"), master)
    assert master_run.returncode == 0, failures(master_run)
    for run in (staff_run, master_run):
        assert " passed" in run.stdout and "failures" not in run.stdout.rsplit("Test cases:", 1)[-1]
    # The only tracebacks allowed are aiohttp's own refusals of a malformed request (a NUL in a
    # header, a request line over 8190 bytes), logged by aiohttp before the app sees the request.
    tracebacks = log.read_text(errors="replace").split("Traceback (most recent call last):")[1:]
    assert all("aiohttp.http_exceptions." in block for block in tracebacks), tracebacks
