"""In-process cost of the ACL-restricted list on SQLite (a script, not a test): the practice's main
screen, `GET /classes/TreatmentPlan?where={"status":"planned"}&order=-createdAt&limit=20` as a
logged-in user, on `--plans` plans over `--users` owners, each plan readable only by its owner.

Calls the storage adapter directly (no HTTP), so the figure is CPU per request of the query
itself (time.process_time over a loop), which a busy shared machine does not distort as much as
req/s. Measures, on the same data in the same run, the usual plan (walk the class in createdAt
order, probe each row's ACL) and the readable-first plan (acl_plan.py), checks they return the
same rows, and prints each one's EXPLAIN QUERY PLAN.

Example: PYTHONPATH=. .venv/bin/python bench/acl_list.py --plans 100000 --users 20
"""

from __future__ import annotations

import argparse
import asyncio
import random
import tempfile
import time
from pathlib import Path

from parse_compat.storage.base import ClassSchema, FindOptions
from parse_compat.storage.sqlite import acl_plan
from parse_compat.storage.sqlite.adapter import SQLiteAdapter

SCHEMA = ClassSchema("TreatmentPlan", {
    "objectId": {"type": "String"}, "createdAt": {"type": "Date"}, "updatedAt": {"type": "Date"},
    "ACL": {"type": "ACL"}, "status": {"type": "String"}, "treatmentDetails": {"type": "String"},
    "patient": {"type": "Pointer", "targetClass": "Patient"}})
STATUSES = ("planned", "in_progress", "completed")


def stamp(n: int) -> str:
    seconds = 1_700_000_000 + n
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(seconds)) + f".{n % 1000:03d}Z"


async def seed(adapter: SQLiteAdapter, plans: int, users: int, clustered: bool) -> None:
    rng = random.Random(1)
    async with adapter.transaction():
        for n in range(plans):
            owner = f"user{n * users // plans if clustered else n % users:02d}"
            when = stamp(n)
            await adapter.insert(SCHEMA, {
                "objectId": f"p{n:07d}", "createdAt": when, "updatedAt": when, "_rperm": [owner],
                "_wperm": [owner], "status": rng.choice(STATUSES), "treatmentDetails": f"Plan {n}",
                "patient": {"__type": "Pointer", "className": "Patient", "objectId": f"pat{n % 500}"}})


def where_for(user: int) -> dict:
    return {"status": "planned", "_rperm": {"$in": ["*", f"user{user:02d}", f"role:staff{user % 3}"]}}


async def main_async(args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory(prefix="acl-list-") as tmp:
        adapter = SQLiteAdapter(str(Path(tmp) / "bench.db"))
        await adapter.connect()
        await adapter.save_schema(SCHEMA)
        t0 = time.perf_counter()
        await seed(adapter, args.plans, args.users, args.clustered)
        print(f"seeded {args.plans} plans over {args.users} users in {time.perf_counter() - t0:.1f}s")
        adapter.db.execute("ANALYZE")
        options = FindOptions(limit=args.limit, skip=args.skip, sort=[("createdAt", False)])
        plans = {"usual": lambda u: adapter._select(SCHEMA, where_for(u), options),
                 "readable-first": lambda u: acl_plan.find_sql(SCHEMA, where_for(u), options),
                 "count usual": lambda u: adapter._select(SCHEMA, where_for(u), None, columns="COUNT(*)"),
                 "count readable-first": lambda u: acl_plan.count_sql(SCHEMA, where_for(u))}
        for name, make in plans.items():
            sql, params = make(0)
            print(f"{name} plan:", "; ".join(row[3] for row in adapter.db.execute("EXPLAIN QUERY PLAN " + sql, params)))
        for user in (0, args.users - 1):
            assert adapter.db.execute(*plans["usual"](user)).fetchall() == \
                [row[:6] for row in adapter.db.execute(*plans["readable-first"](user)).fetchall()]
        for name, make in plans.items():
            cpu0, wall0 = time.process_time(), time.perf_counter()
            for i in range(args.loops):
                rows = adapter.db.execute(*make(i % args.users)).fetchall()
            cpu, wall = time.process_time() - cpu0, time.perf_counter() - wall0
            print(f"{name:>22}: {cpu / args.loops * 1000:8.3f} ms CPU/call  "
                  f"{wall / args.loops * 1000:8.3f} ms wall/call"
                  f"  ({len(rows)} rows, {args.loops} calls)")
        cpu0 = time.process_time()
        for i in range(args.loops):
            await adapter.find(SCHEMA, where_for(i % args.users), options)
        print(f"{'adapter.find':>22}: {(time.process_time() - cpu0) / args.loops * 1000:8.3f} ms CPU/call")
        await adapter.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--plans", type=int, default=10_000)
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--limit", type=int, default=20)
    parser.add_argument("--skip", type=int, default=0)
    parser.add_argument("--clustered", action="store_true",
                        help="each owner's plans created together (user00's are the oldest), not interleaved")
    parser.add_argument("--loops", type=int, default=200)
    asyncio.run(main_async(parser.parse_args()))


if __name__ == "__main__":
    main()
