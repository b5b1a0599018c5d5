"""`parse-compat migrate` throughput: N TreatmentPlan-like rows (pointer, date, ACL lists) in a
new SQLite file, copied to a throw-away PostgreSQL database, verification included.

Usage: .venv/bin/python bench/migrate.py [--rows 50000] [--pg postgres://postgres@127.0.0.1:5432]
Prints the migration's report and its rows/s; drops the database at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
from pathlib import Path

import asyncpg

from parse_compat.migrate.cli import main as migrate_main
from parse_compat.rest.write.store import StorageWrites
from parse_compat.storage.base import ClassSchema
from parse_compat.storage.sqlite.adapter import SQLiteAdapter

FIELDS = {"objectId": {"type": "String"}, "createdAt": {"type": "Date"}, "updatedAt": {"type": "Date"},
          "ACL": {"type": "ACL"}, "patient": {"type": "Pointer", "targetClass": "Patient"},
          "treatmentDetails": {"type": "String"}, "status": {"type": "String"}, "cost": {"type": "Number"},
          "plannedFor": {"type": "Date"}}


async def fill(path: Path, rows: int) -> None:
    storage = SQLiteAdapter(str(path))
    await storage.connect()
    writes = StorageWrites(storage)
    schema = ClassSchema("TreatmentPlan", FIELDS)
    await writes.save_schema(schema)
    for start in range(0, rows, 1000):
        await writes.insert_many(schema, [{
            "objectId": f"plan{i:08d}", "createdAt": "2024-01-01T00:00:00.000Z",
            "updatedAt": "2024-01-02T00:00:00.000Z",
            "patient": {"__type": "Pointer", "className": "Patient", "objectId": f"pat{i % 500:05d}"},
            "treatmentDetails": f"Crown on {i % 32}", "status": "planned", "cost": 100 + i % 7 * 12.5,
            "plannedFor": {"__type": "Date", "iso": "2024-03-01T09:30:00.000Z"},
            "_rperm": [f"user{i % 50}", "role:administrator"], "_wperm": [f"user{i % 50}"]}
            for i in range(start, min(rows, start + 1000))])
    await storage.close()


async def admin(server: str, statement: str) -> None:
    connection = await asyncpg.connect(server + "/postgres")
    try:
        await connection.execute(statement)
    finally:
        await connection.close()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=50_000)
    parser.add_argument("--pg", default="postgres://postgres@127.0.0.1:5432")
    args = parser.parse_args()
    database = f"pc_bench_migrate_{os.getpid()}"
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / "source.db"
        asyncio.run(fill(source, args.rows))
        asyncio.run(admin(args.pg, f'CREATE DATABASE "{database}"'))
        try:
            started = time.monotonic()
            status = migrate_main(["--from", str(source), "--to", f"{args.pg}/{database}", "--dataDir", tmp])
            print(f"wall time {time.monotonic() - started:.1f} s, exit status {status}")
        finally:
            asyncio.run(admin(args.pg, f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))
    sys.exit(status)


if __name__ == "__main__":
    main()
