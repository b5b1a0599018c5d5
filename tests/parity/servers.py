"""The two servers the REST differential suite talks to: Parse Server 9.10 (node, npm
`parse-server` from the GraphQL differential test's node_modules, on a throw-away database of the
local PostgreSQL) and parse-compat (in process, aiohttp TestServer, SQLite), both with the same
keys and no schema template (the cases create the classes through `/schemas`)."""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import socket
import subprocess
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import aiohttp
from aiohttp.test_utils import TestServer

from parse_compat.app import create_app
from parse_compat.settings import Settings
from tests.postgres.database import server_uri

APP_ID = "parity-app"
MASTER_KEY = "parity-master"
REST_API_KEY = "parity-rest"
JAVASCRIPT_KEY = "parity-js"
HERE = Path(__file__).resolve().parent
START_SCRIPT = HERE / "start.mjs"
PARSE_MODULES = HERE.parent / "graphql" / "parse_server" / "node_modules" / "parse-server"


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _require_node() -> str:
    node = shutil.which("node")
    assert node, "the REST differential suite needs Node.js 20.19+ on PATH (CI has it)"
    assert PARSE_MODULES.is_dir(), (f"{PARSE_MODULES} is missing: run `make graphql-js` "
                                    "(it installs parse-server 9.10 from npm)")
    return node


def _psql_admin(*args: str) -> None:
    uri = server_uri()
    subprocess.run([*args, "--maintenance-db", uri + "/postgres"], check=True, capture_output=True)


@asynccontextmanager
async def parse_server(work_dir: Path) -> AsyncIterator[str]:
    """Parse Server on a database of its own, dropped afterwards; yields its /parse URL."""
    node = _require_node()
    database = f"parity_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    _psql_admin("createdb", database)
    port = _free_port()
    log_path = work_dir / "parse-server.log"
    process = None
    try:
        with log_path.open("wb") as log:
            process = subprocess.Popen(
                [node, str(START_SCRIPT), str(port), f"{server_uri()}/{database}", APP_ID, MASTER_KEY,
                 REST_API_KEY, JAVASCRIPT_KEY, str(work_dir / "parse-logs")],
                cwd=work_dir, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
            base = f"http://127.0.0.1:{port}/parse"
            async with aiohttp.ClientSession() as session:
                for _ in range(600):
                    assert process.poll() is None, "Parse Server exited:\n" + log_path.read_text()[-3000:]
                    try:
                        async with session.get(base + "/health") as resp:
                            if resp.status == 200:
                                break
                    except aiohttp.ClientError:
                        await asyncio.sleep(0.05)
                else:
                    raise AssertionError("Parse Server did not answer /health:\n" + log_path.read_text()[-3000:])
            yield base
    finally:
        if process is not None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=5)
            except subprocess.TimeoutExpired:  # it keeps no state worth a graceful end
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=5)
        _psql_admin("dropdb", "--if-exists", "--force", database)


@asynccontextmanager
async def parse_compat(work_dir: Path) -> AsyncIterator[str]:
    """parse-compat in process on a SQLite file; yields its /parse URL."""
    work_dir.mkdir(parents=True, exist_ok=True)
    settings = Settings(appId=APP_ID, masterKey=MASTER_KEY, restAPIKey=REST_API_KEY, javascriptKey=JAVASCRIPT_KEY,
                        databaseURI=f"sqlite:///{work_dir / 'parity.db'}", schema=None, cloud=None,
                        dataDir=str(work_dir))
    server = TestServer(create_app(settings), host="127.0.0.1")
    await server.start_server()
    settings.serverURL = f"http://127.0.0.1:{server.port}/parse"
    settings.publicServerURL = settings.serverURL
    try:
        yield settings.serverURL
    finally:
        await server.close()
