"""`parse-compat audit verify` and `parse-compat audit export --csv` [server options]: check the
`_Audit` hash chain (exit 0 when intact; 1 and the first broken entry named otherwise) or write
every entry as CSV to stdout. The server options (config file, environment, flags) pick the
database as for `parse-compat` itself; nothing but `_Audit` is read.
"""

from __future__ import annotations

import asyncio
import csv
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any, TextIO

from ..cli_parser import build_parser
from ..settings import OPTIONS, Settings, build_settings, load_or_create_credentials, resolve
from ..storage.base import FindOptions
from .chain import ChainBroken, verify
from .journal import SUFFIX, read_entries
from .log import CLASS, journal_directory

PAGE = 1000
CSV_COLUMNS = ("seq", "createdAt", "action", "targetClass", "targetId", "user", "roles", "session", "ip", "master",
               "readOnly", "fields", "objectId", "prevHash", "hash")


async def entries(settings: Settings) -> AsyncIterator[dict[str, Any]]:
    """Every `_Audit` entry in chain order."""
    from ..schema.registry import SchemaRegistry
    from ..storage.loader import open_storage

    storage = open_storage(settings.databaseURI or "sqlite:///data/parse.db", settings.databaseOptions)
    await storage.connect()
    try:
        schemas = SchemaRegistry(storage)
        await schemas.load()
        schema = schemas.get(CLASS)
        if schema is None:
            return
        last = ""
        while True:  # objectIds are the zero-padded seqs: their order is the chain's
            rows = await storage.find(schema, {"objectId": {"$gt": last}},
                                      FindOptions(limit=PAGE, sort=[("objectId", True)]))
            for row in rows:
                yield row
            if len(rows) < PAGE:
                return
            last = str(rows[-1]["objectId"])
    finally:
        await storage.close()


async def run_verify(settings: Settings, out: TextIO) -> int:
    rows = [row async for row in entries(settings)]
    try:
        count = verify(rows)
    except ChainBroken as exc:
        print(f"audit chain BROKEN at {exc}", file=out)
        return 1
    span = f" (seq {rows[0]['seq']}..{rows[-1]['seq']})" if rows else ""
    print(f"audit chain intact: {count} entries{span}", file=out)
    waiting = sum(len(read_entries(path)) for path in sorted(journal_directory(settings).glob(f"*{SUFFIX}")))
    if waiting:  # journaled by a running server, or left by a stopped one: stored by the server, not here
        print(f"audit journal: {waiting} entries not stored in _Audit yet (the server stores them)", file=out)
    return 0


def _cell(row: dict[str, Any], column: str) -> Any:
    value = row.get(column)
    if column == "user":
        return value.get("objectId") if isinstance(value, dict) else ""
    if isinstance(value, list):
        return " ".join(str(item) for item in value)
    return "" if value is None else value


async def run_export(settings: Settings, out: TextIO) -> int:
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    async for row in entries(settings):
        writer.writerow([_cell(row, column) for column in CSV_COLUMNS])
    return 0


def main(argv: list[str], out: TextIO | None = None) -> int:
    out = out or sys.stdout
    command = argv[:1]
    if command not in (["verify"], ["export"]):
        print("usage: parse-compat audit verify | export --csv [server options]", file=sys.stderr)
        return 2
    parser = build_parser()
    parser.prog = f"parse-compat audit {command[0]}"
    if command == ["export"]:
        parser.add_argument("--csv", action="store_true", required=True, help="CSV to stdout (the only format).")
    args = parser.parse_args(argv[1:])
    try:
        values = resolve({spec.name: getattr(args, spec.name) for spec in OPTIONS}, config_file=args.config)
        values = load_or_create_credentials(Path(values.get("dataDir") or "data"), values)
    except (OSError, ValueError) as exc:
        print(f"parse-compat audit: {exc}", file=sys.stderr)
        return 2
    settings = build_settings(values)
    runner = run_verify if command == ["verify"] else run_export
    return asyncio.run(runner(settings, out))
