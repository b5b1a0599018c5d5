"""`old_server`: a local aiohttp server standing for the old Parse server's file URLs, in a thread
of its own (so the import CLI, a subprocess, can fetch from it), and `parse_dump`: the app's
downloads (tests/importer/parse_dump.py) whose File URLs point at it."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest
from aiohttp import web

from .parse_dump import FILE_BYTES, OLD_FILE_NAME, ParseDump, write_parse_dump

OLD_APP_ID = "oldapp"


@dataclass
class OldServer:
    files_url: str  # what --filesFrom names: <server>/files/<old appId>
    requested: list[str] = field(default_factory=list)


@pytest.fixture(scope="module")
def old_server() -> Iterator[OldServer]:
    loop = asyncio.new_event_loop()
    ready = threading.Event()
    holder: dict[str, object] = {}

    async def serve_file(request: web.Request) -> web.Response:
        name = request.match_info["name"]
        server.requested.append(name)
        if name != OLD_FILE_NAME:
            raise web.HTTPNotFound()
        return web.Response(body=FILE_BYTES, content_type="image/png")

    async def start() -> None:
        app = web.Application()
        app.router.add_get(f"/files/{OLD_APP_ID}/{{name}}", serve_file)
        runner = web.AppRunner(app)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        holder["runner"] = runner
        holder["port"] = runner.addresses[0][1]

    def run() -> None:
        asyncio.set_event_loop(loop)
        loop.run_until_complete(start())
        ready.set()
        loop.run_forever()

    thread = threading.Thread(target=run, name="old-parse-server", daemon=True)
    thread.start()
    assert ready.wait(timeout=10), "the old server's file endpoint did not start"
    server = OldServer(f"http://127.0.0.1:{holder['port']}/files/{OLD_APP_ID}")
    try:
        yield server
    finally:
        runner = holder["runner"]
        assert isinstance(runner, web.AppRunner)
        asyncio.run_coroutine_threadsafe(runner.cleanup(), loop).result(timeout=10)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=10)
        loop.close()


@pytest.fixture(scope="module")
def parse_dump(old_server: OldServer, tmp_path_factory: pytest.TempPathFactory) -> ParseDump:
    return write_parse_dump(tmp_path_factory.mktemp("parse-download"), old_server.files_url)


def source_args(dump: ParseDump) -> list[str]:
    return ["--dump", str(dump.dump_dir), "--json", str(dump.export_dir), "--schemas", str(dump.schemas_file)]


def report_rows(report: str) -> dict[str, tuple[int, int, int, int]]:
    """The per-class table of the printed report: class → (read, written, skipped, failed)."""
    rows: dict[str, tuple[int, int, int, int]] = {}
    for line in report.splitlines()[1:]:
        parts = line.split()
        if len(parts) == 5 and all(part.isdigit() for part in parts[1:]):
            rows[parts[0]] = (int(parts[1]), int(parts[2]), int(parts[3]), int(parts[4]))
    return rows

