"""Two server processes on one database (as with --workers): a class, a field or a CLP changed
through one is honoured by the other."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import aiohttp
import pytest
from aiohttp.test_utils import TestServer

from parse_compat.app import STATE_KEY, create_app
from parse_compat.audit.log import FLUSH_SECONDS
from parse_compat.schema.registry import MISS_RELOAD_SECONDS

from .conftest import Client, make_settings

pytestmark = pytest.mark.asyncio


async def test_schema_changes_reach_the_other_process(tmp_path: Path) -> None:
    servers = []
    for _ in range(2):
        settings = make_settings(tmp_path, "sqlite", schema=None)
        server = TestServer(create_app(settings), host="127.0.0.1")
        await server.start_server()
        servers.append(server)
    async with aiohttp.ClientSession() as session:
        one, two = (Client(session, f"http://127.0.0.1:{s.port}/parse") for s in servers)
        created = await one.post("/schemas/Shared", {"fields": {"a": {"type": "String"}}}, master=True)
        assert created.status == 200
        # the other process has never seen the class: an unknown class re-reads storage (at most once
        # a second, so a flood of requests for missing classes cannot hammer the database)
        await asyncio.sleep(MISS_RELOAD_SECONDS + 0.05)
        assert (await two.get("/classes/Shared")).status == 200
        assert (await two.post("/classes/Shared", {"a": "x", "b": 1}, master=True)).status == 201
        # a field added through two and one through one: neither is lost
        assert (await one.post("/classes/Shared", {"c": True}, master=True)).status == 201
        fields = (await one.get("/schemas/Shared", master=True)).body["fields"]
        assert {"a", "b", "c"} <= set(fields)
        # a CLP tightened through one is enforced by two after its refresh
        locked = {"classLevelPermissions": {"find": {}, "get": {}, "count": {}, "create": {}, "update": {},
                                            "delete": {}, "addField": {}}}
        assert (await one.put("/schemas/Shared", locked, master=True)).status == 200
        await servers[1].app[STATE_KEY].schemas.refresh()
        refused = await two.get("/classes/Shared")
        assert refused.status == 400 and refused.body["code"] == 119
    for server in servers:
        await server.close()


async def test_every_process_answers_reads_of_the_audit_trail_from_boot(tmp_path: Path) -> None:
    """Found in a whole-suite run of the two-worker audit test: the process that had never appended
    an entry answered `GET /classes/_Audit?count=1` with 0 (it had not seen the class yet, and an
    unknown class is re-read at most once a second). Every process now makes the class at boot."""
    schema = tmp_path / "schema.json"
    chart = {"className": "Chart", "audit": True, "fields": {"n": {"type": "Number"}}}
    schema.write_text(json.dumps({"classes": [chart]}))
    servers = []
    for _ in range(2):
        settings = make_settings(tmp_path, "sqlite", schema=str(schema))
        server = TestServer(create_app(settings), host="127.0.0.1")
        await server.start_server()
        servers.append(server)
    async with aiohttp.ClientSession() as session:
        one, two = (Client(session, f"http://127.0.0.1:{s.port}/parse") for s in servers)
        assert (await two.get("/classes/_Audit", params={"count": "1", "limit": "0"}, master=True)).status == 200
        made = await one.post("/classes/Chart", {"n": 1}, master=True)
        assert made.status == 201, made.body
        # the other process stores its journaled entry within FLUSH_SECONDS (audit/log.py)
        deadline = asyncio.get_running_loop().time() + 10 * FLUSH_SECONDS
        while True:
            counted = await two.get("/classes/_Audit", params={"count": "1", "limit": "0"}, master=True)
            assert counted.status == 200, counted.body
            if counted.body["count"] == 1 or asyncio.get_running_loop().time() > deadline:
                break
            await asyncio.sleep(FLUSH_SECONDS / 5)
        assert counted.body["count"] == 1, counted.body
    for server in servers:
        await server.close()
