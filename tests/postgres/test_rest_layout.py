"""Through the REST API on PostgreSQL: what a client writes lands in Parse Server's layout (ACL as
``_rperm`` / ``_wperm`` arrays, relations as ``_Join`` rows, Dates as timestamps), and reads
and queries answer from it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import aiohttp
from aiohttp.test_utils import TestServer

from parse_compat.app import create_app
from tests.api.conftest import Client, make_settings


async def test_rest_writes_land_in_parse_servers_layout(tmp_path: Path, pg_uri: str, sql: Any) -> None:
    settings = make_settings(tmp_path, "sqlite", databaseURI=pg_uri, schema=None)
    server = TestServer(create_app(settings), host="127.0.0.1")
    await server.start_server()
    try:
        async with aiohttp.ClientSession() as session:
            api = Client(session, f"http://127.0.0.1:{server.port}/parse")
            user = await api.post("/users", {"username": "dr.lee", "password": "pw-lee-123"})
            assert user.status == 201, user.body
            uid = user.body["objectId"]
            chart = await api.post("/classes/Chart", {
                "tooth": 14, "seen": {"__type": "Date", "iso": "2024-05-06T07:08:09.010Z"},
                "ACL": {uid: {"read": True, "write": True}}}, master=True)
            assert chart.status == 201, chart.body
            cid = chart.body["objectId"]
            related = await api.put(f"/classes/Chart/{cid}", {"readers": {
                "__op": "AddRelation", "objects": [{"__type": "Pointer", "className": "_User", "objectId": uid}]}},
                master=True)
            assert related.status == 200, related.body

            row = await sql.fetchrow('SELECT "tooth", "seen", "_rperm", "_wperm" FROM "Chart" WHERE "objectId" = $1',
                                     cid)
            assert (row["tooth"], row["seen"].isoformat(), row["_rperm"], row["_wperm"]) == \
                (14.0, "2024-05-06T07:08:09.010000+00:00", [uid], [uid])
            assert await sql.fetch('SELECT "owningId", "relatedId" FROM "_Join:readers:Chart"') == [(cid, uid)]
            hashed = await sql.fetchval('SELECT "_hashed_password" FROM "_User" WHERE "objectId" = $1', uid)
            assert hashed and hashed != "pw-lee-123"

            anonymous = await api.get("/classes/Chart", params={"where": {"tooth": {"$gte": 10}}})
            assert anonymous.status == 200 and anonymous.body["results"] == []
            mine = await api.get("/classes/Chart", params={"where": {"tooth": {"$gte": 10}}},
                                 session_token=user.body["sessionToken"])
            assert [c["objectId"] for c in mine.body["results"]] == [cid]
            assert mine.body["results"][0]["seen"] == {"__type": "Date", "iso": "2024-05-06T07:08:09.010Z"}
            readers = await api.get("/users", params={"where": {"$relatedTo": {
                "object": {"__type": "Pointer", "className": "Chart", "objectId": cid}, "key": "readers"}}},
                master=True)
            assert [u["objectId"] for u in readers.body["results"]] == [uid]
    finally:
        await server.close()
