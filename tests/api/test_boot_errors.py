"""A server that cannot start says why in one sentence on stderr and exits with status 2."""

from __future__ import annotations

import os
import socket
import subprocess
from pathlib import Path

import pytest

from .server_process import ROOT, command, free_port


def _boot(tmp: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command(tmp, free_port(), *extra), cwd=ROOT, capture_output=True, text=True, timeout=60)


@pytest.mark.parametrize(("extra", "expected"), [
    (("--port", "eighty"), "option port (PORT) must be a whole number"),
    (("--liveQuery", "{not json"), "option liveQuery (PARSE_SERVER_LIVE_QUERY) must be valid JSON"),
    (("--liveQuery", '{"classNames": 5}'), "liveQuery.classNames must be a list of class names"),
    (("--verifyUserEmails", "maybe"),
     "option verifyUserEmails (PARSE_SERVER_VERIFY_USER_EMAILS) must be true or false"),
    (("--protectedFields", '{"_User": {"*": "email"}}'),
     "option protectedFields._User.* must be a list of field names"),
    (("--databaseURI", "mysql://db.example/parse"), "unsupported databaseURI 'mysql://db.example/parse'"),
    (("--databaseURI", "mongodb://admin:s3cret@127.0.0.1:1/parse?serverSelectionTimeoutMS=300"),
     "cannot reach the database mongodb://admin:***@127.0.0.1:1/parse"),
    (("--databaseURI", "sqlite:////proc/no-such-dir/parse.db"), "cannot open the SQLite database"),
])
def test_a_boot_error_is_one_line_and_status_2(tmp_path: Path, extra: tuple[str, ...], expected: str) -> None:
    done = _boot(tmp_path, *extra)
    assert done.returncode == 2, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith("parse-compat: cannot start: ") and expected in lines[0], lines[0]
    assert "Traceback" not in done.stderr and "s3cret" not in done.stderr + done.stdout


def test_a_non_boolean_environment_value_is_one_line_and_status_2(tmp_path: Path) -> None:
    # Bug (issue 11 item 12, issue 14): PARSE_SERVER_…=maybe was silently taken as false.
    env = {**os.environ, "PARSE_SERVER_ENFORCE_PRIVATE_USERS": "flase"}
    done = subprocess.run(command(tmp_path, free_port()), cwd=ROOT, capture_output=True, text=True, timeout=60,
                          env=env)
    assert done.returncode == 2, done.stderr
    assert done.stderr.strip().splitlines() == [
        "parse-compat: cannot start: bad configuration: option enforcePrivateUsers "
        "(PARSE_SERVER_ENFORCE_PRIVATE_USERS) must be true or false"]


def test_a_port_in_use_is_one_line_and_status_2(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = subprocess.run(command(tmp_path, port), cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert done.returncode == 2, done.stderr
    assert done.stderr.strip().splitlines() == [done.stderr.strip()]
    assert f"cannot listen on 127.0.0.1:{port}" in done.stderr


def test_a_boot_error_with_workers_is_one_line_and_status_2(tmp_path: Path) -> None:
    done = _boot(tmp_path, "--workers", "2", "--databaseURI", "mysql://db.example/parse",
                 "--liveQuery", '{"redisURL": "redis://127.0.0.1:6379/0"}')
    assert done.returncode == 2, done.stderr
    assert done.stderr.strip().splitlines() == [
        "parse-compat: cannot start: unsupported databaseURI 'mysql://db.example/parse': use sqlite:///path, "
        "mongodb://... or postgres://..."]
