"""What Parse Server 9.10 leaves in a PostgreSQL database, as the adapter must take it: internal
tables without ``objectId`` / ``createdAt`` / ACL columns, ``_SCHEMA`` rows without the implicit
fields; and the ``_SCHEMA`` rows the adapter writes, as Parse Server stores them."""

from __future__ import annotations

import json
from typing import Any

from parse_compat.storage.base import ClassSchema
from parse_compat.storage.postgres import PostgresAdapter

DEFAULTS = {"objectId": {"type": "String"}, "createdAt": {"type": "Date"}, "updatedAt": {"type": "Date"},
            "ACL": {"type": "ACL"}}
ACL_ARRAYS = {"_rperm": {"type": "Array", "contents": {"type": "String"}},
              "_wperm": {"type": "Array", "contents": {"type": "String"}}}


async def test_a_parse_server_hooks_table_without_base_columns_is_completed(pg: PostgresAdapter, sql: Any) -> None:
    # Parse Server creates _Hooks with only its four text columns (no objectId, no _rperm).
    await sql.execute('CREATE TABLE "_Hooks" ("functionName" text, "className" text, "triggerName" text, "url" text)')
    await sql.execute('INSERT INTO "_Hooks" VALUES (\'sendReminder\', NULL, NULL, \'https://hooks.example/r\')')
    await pg.close()
    await pg.connect()  # a new process on that database
    hooks = ClassSchema("_Hooks", {**DEFAULTS, "functionName": {"type": "String"}, "className": {"type": "String"},
                                   "triggerName": {"type": "String"}, "url": {"type": "String"}})
    await pg.save_schema(hooks)
    columns = {row[0] for row in await sql.fetch("SELECT column_name FROM information_schema.columns "
                                                 "WHERE table_schema = current_schema() AND table_name = '_Hooks'")}
    assert {"objectId", "createdAt", "updatedAt", "_rperm", "_wperm", "functionName"} <= columns
    assert await sql.fetchval('SELECT count(*) FROM "_Hooks"') == 1


async def test_schema_rows_without_implicit_fields_load_with_them(pg: PostgresAdapter, sql: Any) -> None:
    # Parse Server's rows: no ACL, no _User.password; _rperm/_wperm and _hashed_password listed.
    rows = {
        "XRay": {"className": "XRay", "fields": {"tooth": {"type": "Number"}, **ACL_ARRAYS}},
        "_User": {"className": "_User", "fields": {
            "objectId": {"type": "String"}, "createdAt": {"type": "Date"}, "updatedAt": {"type": "Date"},
            "username": {"type": "String"}, "email": {"type": "String"}, "emailVerified": {"type": "Boolean"},
            "authData": {"type": "Object"}, "_hashed_password": {"type": "String"}, **ACL_ARRAYS}},
    }
    for name, schema in rows.items():
        await sql.execute('INSERT INTO "_SCHEMA" ("className", "schema", "isParseClass") VALUES ($1, $2, true)',
                          name, json.dumps(schema))
    loaded = {schema.class_name: schema for schema in await pg.load_schemas()}
    assert loaded["XRay"].fields == {**DEFAULTS, "tooth": {"type": "Number"}}
    assert loaded["_User"].fields == {
        **DEFAULTS, "username": {"type": "String"}, "email": {"type": "String"},
        "emailVerified": {"type": "Boolean"}, "authData": {"type": "Object"}, "password": {"type": "String"}}


async def test_schema_rows_are_stored_as_parse_server_stores_them(pg: PostgresAdapter, sql: Any) -> None:
    user = ClassSchema("_User", {**DEFAULTS, "username": {"type": "String"}, "password": {"type": "String"},
                                 "email": {"type": "String"}})
    await pg.save_schema(user)
    stored = json.loads(await sql.fetchval('SELECT "schema" FROM "_SCHEMA" WHERE "className" = \'_User\''))
    assert stored["fields"] == {
        "objectId": {"type": "String"}, "createdAt": {"type": "Date"}, "updatedAt": {"type": "Date"},
        "username": {"type": "String"}, "email": {"type": "String"}, "_hashed_password": {"type": "String"},
        **ACL_ARRAYS}
    columns = {row[0] for row in await sql.fetch("SELECT column_name FROM information_schema.columns "
                                                 "WHERE table_schema = current_schema() AND table_name = '_User'")}
    assert "password" not in columns and {"_hashed_password", "_password_history"} <= columns
    assert {s.class_name: s for s in await pg.load_schemas()}["_User"].fields == user.fields


async def test_rows_without_object_id_are_updated_and_deleted(pg: PostgresAdapter, sql: Any) -> None:
    # Parse Server's _Hooks rows have no objectId; parse-compat's webhooks update and delete them.
    await sql.execute('CREATE TABLE "_Hooks" ("functionName" text, "className" text, "triggerName" text, "url" text)')
    await sql.execute('INSERT INTO "_Hooks" ("functionName", "url") VALUES '
                      "('sendReminder', 'https://hooks.example/r'), ('billInsurer', 'https://hooks.example/b')")
    await pg.close()
    await pg.connect()
    hooks = ClassSchema("_Hooks", {**DEFAULTS, "functionName": {"type": "String"}, "url": {"type": "String"}})
    await pg.save_schema(hooks)
    updated = await pg.update(hooks, {"functionName": "sendReminder"}, {"url": "https://hooks.example/r2"})
    assert updated == {"functionName": "sendReminder", "url": "https://hooks.example/r2"}
    deleted = await pg.delete(hooks, {"functionName": "billInsurer"})
    assert deleted == {"functionName": "billInsurer", "url": "https://hooks.example/b"}
    assert [tuple(r) for r in await sql.fetch('SELECT "functionName", "url" FROM "_Hooks"')] == [
        ("sendReminder", "https://hooks.example/r2")]
