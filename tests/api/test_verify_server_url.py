"""Parse's verifyServerUrl (issue 14, deliverable 6): once listening, the server GETs
<serverURL>/health once; a failure is one warning and the server keeps running; false skips it."""

from __future__ import annotations

import time
from pathlib import Path

from .server_process import call, free_port, start

WARNING = "verifyServerUrl: unable to reach serverURL"


def _wait_for(path: Path, text: str, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if path.exists() and text in path.read_text(errors="replace"):
            return True
        time.sleep(0.1)
    return False


def test_unreachable_server_url_is_a_warning_and_the_server_keeps_running(tmp_path: Path) -> None:
    dead = free_port()  # nothing listens there
    checked, skipped, good = (tmp_path / name for name in ("options2-checked", "options2-skipped", "options2-good"))
    for folder in (checked, skipped, good):
        folder.mkdir()
    ports = [free_port() for _ in range(3)]
    procs = [
        start(checked, ports[0], "--serverURL", f"http://127.0.0.1:{dead}/parse", log=checked / "out.log"),
        start(skipped, ports[1], "--serverURL", f"http://127.0.0.1:{dead}/parse", "--verifyServerUrl", "false",
              log=skipped / "out.log"),
        start(good, ports[2], "--serverURL", f"http://127.0.0.1:{ports[2]}/parse", log=good / "out.log"),
    ]
    try:
        assert _wait_for(checked / "out.log", WARNING, 15), (checked / "out.log").read_text()
        assert f"http://127.0.0.1:{dead}/parse/health" in (checked / "out.log").read_text()
        assert call(ports[0], "GET", "/health") == (200, {"status": "ok"})  # still serving
        # The two others had as long to check and found nothing to say (or were told not to look).
        assert not _wait_for(skipped / "out.log", WARNING, 1.0)
        assert not _wait_for(good / "out.log", WARNING, 0.1)
    finally:
        for proc in procs:
            proc.terminate()
            proc.wait(timeout=20)
