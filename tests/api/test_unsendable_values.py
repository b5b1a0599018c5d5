"""Values a client cannot send (issue 11, deliver 6): lone surrogates, non-finite and out-of-range
numbers, a body that claims gzip but is not — each a Parse 4xx with nothing stored. A value that
is already bad in the database never breaks a list: it is served repaired and logged once."""

from __future__ import annotations

import asyncio
import gzip
import json
import logging
from typing import Any

import pytest

from .conftest import Client

pytestmark = pytest.mark.asyncio

JSON = {"Content-Type": "application/json"}


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return {"schema": None}


async def _box(api: Client) -> None:
    fields = {"name": {"type": "String"}, "n": {"type": "Number"}, "meta": {"type": "Object"},
              "tags": {"type": "Array"}}
    reply = await api.post("/schemas/Box", {"className": "Box", "fields": fields}, master=True)
    assert reply.status == 200, reply.body


async def _count(api: Client) -> int:
    reply = await api.get("/classes/Box", params={"count": 1, "limit": 0}, master=True)
    assert reply.status == 200, reply.body
    return int(reply.body["count"])


# Raw JSON texts: the escapes are written out as a client would send them.
REFUSED_BODIES = [
    ("lone high surrogate in a value", '{"name": "a\\ud800b"}'),
    ("lone low surrogate in a value", '{"name": "\\udc00"}'),
    ("reversed pair", '{"name": "\\ude00\\ud83d"}'),
    ("lone surrogate in a nested key", '{"meta": {"k\\ud800": 1}}'),
    ("lone surrogate deep in an array", '{"tags": [1, [2, {"x": ["ok", "\\uDBFF"]}]]}'),
    ("lone surrogate in a top-level key", '{"\\ud800": 1}'),
    ("NaN", '{"n": NaN}'),
    ("Infinity", '{"n": Infinity}'),
    ("-Infinity", '{"n": -Infinity}'),
    ("1e999", '{"n": 1e999}'),
    ("-1e999 nested", '{"meta": {"x": [-1e999]}}'),
    ("huge integer literal", '{"n": ' + "9" * 400 + "}"),
    ("Increment by Infinity-sized amount", '{"n": {"__op": "Increment", "amount": 1e308}}'),
]


@pytest.mark.parametrize("case", REFUSED_BODIES, ids=[c[0] for c in REFUSED_BODIES])
async def test_unsendable_value_is_a_parse_error_and_nothing_is_stored(api: Client, case: tuple[str, str]) -> None:
    await _box(api)
    reply = await api.post("/classes/Box", raw=case[1], headers=JSON, master=True)
    assert reply.status == 400, reply.body
    assert reply.body["code"] in (107, 111), reply.body
    assert await _count(api) == 0


async def test_surrogate_pairs_and_big_finite_numbers_are_fine(api: Client) -> None:
    await _box(api)
    reply = await api.post("/classes/Box", raw='{"name": "\\ud83d\\ude00", "n": 1.7e308}', headers=JSON)
    assert reply.status == 201, reply.body
    got = await api.get(f"/classes/Box/{reply.body['objectId']}", master=True)
    assert got.body["name"] == "\U0001F600" and got.body["n"] == 1.7e308


async def test_increment_can_never_overflow_to_infinity(api: Client) -> None:
    await _box(api)
    created = await api.post("/classes/Box", {"n": 1.7976931348623157e308}, master=True)
    oid = created.body["objectId"]
    for _ in range(3):
        reply = await api.put(f"/classes/Box/{oid}", {"n": {"__op": "Increment", "amount": 1e291}}, master=True)
        assert reply.status == 200, reply.body
    reply = await api.put(f"/classes/Box/{oid}", {"n": {"__op": "Increment", "amount": 1e300}}, master=True)
    assert reply.status == 400 and reply.body["code"] == 107
    got = await api.get(f"/classes/Box/{oid}", master=True)
    assert got.status == 200 and got.body["n"] == 1.7976931348623157e308


async def test_surrogate_in_a_query_is_a_parse_error(api: Client) -> None:
    await _box(api)
    reply = await api.get("/classes/Box", params={"where": '{"name": "\\ud800"}'}, master=True)
    assert reply.status == 400 and reply.body["code"] == 107, reply.body
    reply = await api.get("/classes/Box", params={"where": '{"n": {"$lt": Infinity}}'}, master=True)
    assert reply.status == 400 and reply.body["code"] == 107, reply.body


async def test_surrogate_inside_a_batch_item_stores_nothing(api: Client) -> None:
    await _box(api)
    raw = ('{"requests": [{"method": "POST", "path": "/parse/classes/Box", "body": {"name": "ok"}},'
           ' {"method": "POST", "path": "/parse/classes/Box", "body": {"name": "\\ud800"}}]}')
    reply = await api.post("/batch", raw=raw, headers=JSON, master=True)
    assert reply.status == 400 and reply.body["code"] == 107, reply.body
    assert await _count(api) == 0


async def test_body_claiming_gzip_that_is_not_gzip_is_a_400(api: Client) -> None:
    await _box(api)
    headers = {**JSON, "Content-Encoding": "gzip"}
    reply = await api.post("/classes/Box", raw=b'{"name": "plain"}', headers=headers, master=True)
    assert reply.status == 400, reply.body
    assert reply.body["code"] == 107
    corrupt = bytearray(gzip.compress(b'{"name": "xxxxxxxxxxxxxxxxxxxxxxxxxxxx"}'))
    corrupt[12:20] = b"\xff" * 8
    reply = await api.post("/classes/Box", raw=bytes(corrupt), headers=headers, master=True)
    assert reply.status == 400 and reply.body["code"] == 107, reply.body
    assert await _count(api) == 0
    reply = await api.post("/classes/Box", raw=gzip.compress(b'{"name": "zipped"}'), headers=headers, master=True)
    assert reply.status == 201, reply.body


@pytest.mark.settings(maxUploadSize=64 * 1024)
async def test_gzip_bomb_is_limited_by_its_inflated_size(api: Client) -> None:
    await _box(api)
    bomb = gzip.compress(b'{"name": "' + b"a" * (4 * 1024 * 1024) + b'"}')
    assert len(bomb) < 64 * 1024
    headers = {**JSON, "Content-Encoding": "gzip"}
    reply = await api.post("/classes/Box", raw=bomb, headers=headers, master=True)
    assert reply.status == 413 and reply.body["code"] == 130, reply.body
    assert await _count(api) == 0


async def test_rows_already_bad_in_the_database_never_break_a_list(
        api: Client, caplog: pytest.LogCaptureFixture) -> None:
    """Rows written before these checks, or imported: served repaired, logged once."""
    await _box(api)
    state = api.state
    schema = state.schemas.get("Box")
    ids = []
    for n in range(3):
        created = await api.post("/classes/Box", {"name": f"row{n}"}, master=True)
        ids.append(created.body["objectId"])
        where = {"objectId": created.body["objectId"]}
        await state.storage.update(schema, where, {"meta": {"k": float("nan")}, "n": float("inf")})
    try:  # SQLite keeps the JSON escape of a surrogate; BSON (MongoDB) cannot hold one at all
        await state.storage.update(schema, {"objectId": ids[0]}, {"name": "bad\ud800", "meta": {"k\udc00": 1}})
        surrogates = True
    except UnicodeEncodeError:
        surrogates = False
    caplog.set_level(logging.WARNING, logger="parse_compat")
    for _ in range(3):
        reply = await api.get("/classes/Box", params={"order": "createdAt"}, master=True)
        assert reply.status == 200, reply.body
        rows = reply.body["results"]
        assert [row["name"] for row in rows[1:]] == ["row1", "row2"]
        assert all(row["n"] is None for row in rows)
        if surrogates:
            assert rows[0]["name"] == "bad\ufffd" and rows[0]["meta"] == {"k\ufffd": 1}
        else:
            assert rows[0]["name"] == "row0" and rows[0]["meta"] == {"k": None}
    got = await api.get(f"/classes/Box/{ids[1]}", master=True)
    assert got.status == 200 and got.body["n"] is None
    warnings = [r for r in caplog.records if "stored data holds" in r.getMessage()]
    # one line per kind of bad value, not one per row or per request
    assert len(warnings) == (2 if surrogates else 1), [r.getMessage() for r in warnings]
    assert json.dumps(reply.body)  # what the client got is plain JSON


async def test_header_bytes_that_are_not_utf8_are_a_400_and_store_nothing(api: Client) -> None:
    """aiohttp keeps such bytes as lone surrogates; an installation id like that once reached SQLite."""
    host, port = api.base.split("//")[1].split("/")[0].split(":")
    body = b'{"username": "zed", "password": "pw-zed"}'
    for header in (b"X-Parse-Installation-Id: ab\xed\xa0\x80cd", b"X-Parse-Installation-Id: ab\xffcd"):
        reader, writer = await asyncio.open_connection(host, int(port))
        writer.write(b"POST /parse/users HTTP/1.1\r\nHost: x\r\nX-Parse-Application-Id: test-app\r\n"
                     b"Content-Type: application/json\r\n" + header + b"\r\nContent-Length: "
                     + str(len(body)).encode() + b"\r\nConnection: close\r\n\r\n" + body)
        await writer.drain()
        status_line = (await reader.readline()).decode()
        rest = await reader.read()
        writer.close()
        assert " 400 " in status_line, status_line + rest.decode("latin-1")[-200:]
        assert b'"code":107' in rest
    users = await api.get("/users", params={"count": 1, "limit": 0}, master=True)
    assert users.body["count"] == 0
