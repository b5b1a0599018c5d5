"""A client cannot flood the log: repeated records are rate-limited and summed up.

Each aborted upload used to log a 15-line "unexpected error" traceback, as often as a client
cared to abort.
"""

from __future__ import annotations

import logging
import socket
import time
from pathlib import Path

from parse_compat.logflood import BURST, FloodGuard

from .server_process import APP_ID, free_port, start


def _record(message: str, args: tuple[object, ...], created: float,
            name: str = "parse_compat.http") -> logging.LogRecord:
    record = logging.LogRecord(name, logging.INFO, __file__, 1, message, args, None)
    record.created = created
    return record


def test_a_repeated_record_passes_burst_times_a_window_then_is_summed_up() -> None:
    guard = FloodGuard(burst=3, window=60.0)
    passed = [guard.filter(_record("upload from %s aborted", (f"10.0.0.{i}",), 1000.0 + i)) for i in range(10)]
    assert passed == [True] * 3 + [False] * 7
    assert guard.filter(_record("another message", (), 1005.0))  # other templates are not affected
    later = _record("upload from %s aborted", ("10.0.0.99",), 1061.0)
    assert guard.filter(later)
    assert later.getMessage() == "upload from 10.0.0.99 aborted (… and 7 more like this in the last minute)"
    quiet = _record("upload from %s aborted", ("10.0.0.1",), 1200.0)
    assert guard.filter(quiet) and quiet.getMessage() == "upload from 10.0.0.1 aborted"


def test_distinct_messages_cannot_grow_the_guard_without_bound() -> None:
    guard = FloodGuard(burst=2, window=60.0, max_groups=50)
    passed = sum(guard.filter(_record(f"message number {i}", (), 1000.0)) for i in range(10_000))
    assert guard.group_count <= 51
    assert passed <= 50 + 2


def test_aborted_uploads_in_a_loop_do_not_fill_the_log(tmp_path: Path) -> None:
    port = free_port()
    log = tmp_path / "server.log"
    proc = start(tmp_path, port, "--logLevel", "info", log=log)
    try:
        head = (f"POST /parse/classes/Note HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Parse-Application-Id: {APP_ID}\r\n"
                "Content-Type: application/json\r\nContent-Length: 100000\r\n\r\n").encode()
        for _ in range(60):
            with socket.create_connection(("127.0.0.1", port)) as sock:
                sock.sendall(head + b'{"n": ' + b"1" * 1000)
                time.sleep(0.01)  # the server starts reading the body, then the client goes away
    finally:
        proc.terminate()
        assert proc.wait(timeout=15) == 0
    text = log.read_text()
    assert "Traceback" not in text and "unexpected error" not in text, text[-2000:]
    aborted = [line for line in text.splitlines() if "closed the connection" in line]
    assert 1 <= len(aborted) <= BURST, len(aborted)
