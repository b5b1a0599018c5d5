"""The PostgreSQL adapter writes Parse Server's layout, reads a database laid out that way by
someone else, answers 124 past ``maxTimeMS``, and serves an ACL constraint from an index."""

from __future__ import annotations

import json
from typing import Any

import pytest

from parse_compat.errors import ParseError
from parse_compat.query.parse import parse_where
from parse_compat.storage.base import ClassSchema, FindOptions
from parse_compat.storage.loader import open_storage
from parse_compat.storage.postgres import PostgresAdapter
from parse_compat.storage.postgres.compile import WhereCompiler

DEFAULTS = {"objectId": {"type": "String"}, "createdAt": {"type": "Date"}, "updatedAt": {"type": "Date"},
            "ACL": {"type": "ACL"}}
PATIENT = ClassSchema("Patient", {
    **DEFAULTS, "name": {"type": "String"}, "age": {"type": "Number"}, "insured": {"type": "Boolean"},
    "born": {"type": "Date"}, "doctor": {"type": "Pointer", "targetClass": "_User"},
    "notes": {"type": "Object"}, "tags": {"type": "Array"}, "home": {"type": "GeoPoint"},
    "xray": {"type": "File"}, "visits": {"type": "Relation", "targetClass": "Visit"},
})
T0 = "2024-01-01T00:00:00.000Z"


async def columns(sql: Any, table: str) -> dict[str, str]:
    rows = await sql.fetch("SELECT column_name, data_type FROM information_schema.columns "
                           "WHERE table_schema = current_schema() AND table_name = $1", table)
    return {row["column_name"]: row["data_type"] for row in rows}


async def test_tables_follow_parse_servers_layout(pg: PostgresAdapter, sql: Any) -> None:
    await pg.save_schema(PATIENT)
    assert await columns(sql, "Patient") == {
        "objectId": "text", "createdAt": "timestamp with time zone", "updatedAt": "timestamp with time zone",
        "_rperm": "ARRAY", "_wperm": "ARRAY", "name": "text", "age": "double precision", "insured": "boolean",
        "born": "timestamp with time zone", "doctor": "text", "notes": "jsonb", "tags": "jsonb", "home": "point",
        "xray": "text",
    }
    assert await columns(sql, "_Join:visits:Patient") == {"relatedId": "character varying",
                                                          "owningId": "character varying"}
    row = await sql.fetchrow('SELECT "schema", "isParseClass" FROM "_SCHEMA" WHERE "className" = $1', "Patient")
    stored = json.loads(row["schema"])
    assert row["isParseClass"] is True
    assert stored["className"] == "Patient"
    assert stored["fields"]["_rperm"] == {"type": "Array", "contents": {"type": "String"}}
    assert stored["fields"]["doctor"] == {"type": "Pointer", "targetClass": "_User"}

    await pg.insert(PATIENT, {
        "objectId": "p1", "createdAt": T0, "updatedAt": T0, "name": "Ada", "age": 36,
        "doctor": {"__type": "Pointer", "className": "_User", "objectId": "d1"},
        "home": {"__type": "GeoPoint", "latitude": 51.5, "longitude": -0.1},
        "xray": {"__type": "File", "name": "abc_chest.png"}, "_rperm": ["d1", "role:Staff"], "_wperm": ["d1"],
    })
    raw = await sql.fetchrow('SELECT "doctor", "xray", "_rperm", "home"[0] AS lng, "home"[1] AS lat '
                             'FROM "Patient" WHERE "objectId" = $1', "p1")
    assert dict(raw) == {"doctor": "d1", "xray": "abc_chest.png", "_rperm": ["d1", "role:Staff"],
                         "lng": -0.1, "lat": 51.5}
    await pg.add_relations("Patient", "visits", "p1", ["v1", "v2"])
    assert sorted(await sql.fetch('SELECT "relatedId" FROM "_Join:visits:Patient" WHERE "owningId" = $1', "p1")) \
        == [("v1",), ("v2",)]


async def test_reads_a_database_laid_out_by_parse_server(pg: PostgresAdapter, sql: Any, pg_uri: str) -> None:
    # What Parse Server's PostgreSQL adapter leaves behind: its own table and _SCHEMA row.
    await sql.execute('CREATE TABLE "Visit" ("objectId" text PRIMARY KEY, "createdAt" timestamptz, '
                      '"updatedAt" timestamptz, "_rperm" text[], "_wperm" text[], "reason" text, '
                      '"cost" double precision, "codes" text[])')
    schema = {"className": "Visit", "fields": {
        **DEFAULTS, "reason": {"type": "String"}, "cost": {"type": "Number"},
        "codes": {"type": "Array", "contents": {"type": "String"}},
        "_rperm": {"type": "Array", "contents": {"type": "String"}},
        "_wperm": {"type": "Array", "contents": {"type": "String"}}}}
    await sql.execute('INSERT INTO "_SCHEMA" ("className", "schema", "isParseClass") VALUES ($1, $2, true)',
                      "Visit", json.dumps(schema))
    await sql.execute('INSERT INTO "Visit" VALUES '
                      "('v1', '2024-01-01T00:00:00Z', '2024-01-02T00:00:00Z', '{*}', '{u1}', 'check-up', 40, "
                      "'{A1,B2}'),"
                      "('v2', '2024-01-03T00:00:00Z', '2024-01-03T00:00:00Z', '{u2}', '{u2}', 'filling', 120, NULL)")
    reopened = open_storage(pg_uri)
    await reopened.connect()
    try:
        visit = {s.class_name: s for s in await reopened.load_schemas()}["Visit"]
        assert "_rperm" not in visit.fields and visit.fields["codes"]["type"] == "Array"
        found = await reopened.find(visit, {"_rperm": {"$in": ["*", "u1"]}}, FindOptions())
        assert found == [{"objectId": "v1", "createdAt": T0, "updatedAt": "2024-01-02T00:00:00.000Z",
                          "_rperm": ["*"], "_wperm": ["u1"], "reason": "check-up", "cost": 40,
                          "codes": ["A1", "B2"]}]
        assert [d["objectId"] for d in await reopened.find(visit, {"codes": "B2"}, FindOptions())] == ["v1"]
        assert [d["objectId"] for d in await reopened.find(visit, {"cost": {"$gt": 100}}, FindOptions())] == ["v2"]
        await reopened.update(visit, {"objectId": "v2"}, {"codes": {"__op": "AddUnique", "objects": ["C3"]}})
        assert await sql.fetchval('SELECT "codes" FROM "Visit" WHERE "objectId" = $1', "v2") == ["C3"]
    finally:
        await reopened.close()


async def test_a_query_past_max_time_ms_answers_124(pg_uri: str, sql: Any) -> None:
    slow = PostgresAdapter(pg_uri, max_time_ms=50)
    await slow.connect()
    try:
        schema = ClassSchema("Big", {**DEFAULTS, "text": {"type": "String"}})
        await slow.save_schema(schema)
        await sql.execute("INSERT INTO \"Big\" (\"objectId\", \"text\") SELECT g::text, repeat('ab', 200) || g "
                          "FROM generate_series(1, 200000) AS g")
        with pytest.raises(ParseError) as caught:
            await slow.find(schema, {"text": {"$regex": "(a|b)*c"}}, FindOptions())
        assert caught.value.code == 124
    finally:
        await slow.close()


async def test_the_acl_constraint_is_served_by_indexes(pg: PostgresAdapter, sql: Any) -> None:
    await pg.save_schema(PATIENT)
    await sql.execute("INSERT INTO \"Patient\" (\"objectId\", \"_rperm\") "
                      "SELECT g::text, ARRAY['u' || g] FROM generate_series(1, 20000) AS g")
    await sql.execute('ANALYZE "Patient"')
    compiled = WhereCompiler({"_rperm": "text[]"}, PATIENT.fields).compile(
        parse_where({"_rperm": {"$in": ["u17", "role:Staff"]}}, {}))
    plan = "\n".join(row[0] for row in await sql.fetch(
        f'EXPLAIN SELECT t."objectId" FROM "Patient" AS t WHERE {compiled.sql}', *compiled.params))
    assert "Seq Scan" not in plan, plan
    assert "Patient_rperm_gin" in plan and "Patient_public" in plan, plan


async def test_a_column_added_by_another_server_is_seen(pg: PostgresAdapter, pg_uri: str) -> None:
    other = PostgresAdapter(pg_uri)
    await other.connect()
    try:
        await pg.save_schema(PATIENT)
        await other.insert(PATIENT, {"objectId": "p1", "createdAt": T0, "updatedAt": T0, "name": "Ada"})
        grown = ClassSchema("Patient", {**PATIENT.fields, "ward": {"type": "String"}})
        await pg.save_schema(grown)  # the other server's column list predates "ward"
        await pg.update(grown, {"objectId": "p1"}, {"ward": "B"})
        found = await other.find(grown, {"ward": "B"}, FindOptions())
        assert [(d["objectId"], d["ward"]) for d in found] == [("p1", "B")]
    finally:
        await other.close()


async def test_a_column_dropped_by_another_server_does_not_break_a_read(pg: PostgresAdapter, pg_uri: str) -> None:
    other = PostgresAdapter(pg_uri)
    await other.connect()
    try:
        await pg.save_schema(PATIENT)
        await pg.insert(PATIENT, {"objectId": "p1", "createdAt": T0, "updatedAt": T0, "name": "Ada", "age": 3})
        assert len(await other.find(PATIENT, {}, FindOptions())) == 1  # its column list includes "age"
        await pg.delete_field(PATIENT, "age")
        shrunk = ClassSchema("Patient", {k: v for k, v in PATIENT.fields.items() if k != "age"})
        found = await other.find(shrunk, {"name": "Ada"}, FindOptions())
        assert [(d["objectId"], "age" in d) for d in found] == [("p1", False)]
    finally:
        await other.close()
