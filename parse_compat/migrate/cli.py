"""`parse-compat migrate --from URI --to URI [--filesFrom SPEC] [--filesTo SPEC] [--dataDir DIR]
[--overwriteTarget | --resume] [--skipSessions] [--verifyOnly] [--pageSize N]`.

URIs are `databaseURI` values (`sqlite:///file.db` or a bare file path, `postgres://…`,
`mongodb://…`); SPECs are `filesAdapter` values (`local:/dir`, `gridfs`, `gridfs:mongodb://…`;
default: the one the server would use beside that database, with `--dataDir` for `local`).
Prints the per-class report (`verify.py`). Exit status: 0 when every class matches, 1 on any
mismatch, 2 on a usage or connection error or a target that is not empty.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path
from typing import TextIO

from .copy import Migration, MigrationOptions, TargetNotEmpty
from .stores import Endpoint

USAGE = ("usage: parse-compat migrate --from URI --to URI [--filesFrom SPEC] [--filesTo SPEC] [--dataDir DIR] "
         "[--overwriteTarget | --resume] [--skipSessions] [--verifyOnly] [--pageSize N]")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="parse-compat migrate", usage=USAGE,
                                     description="Copy a whole app (schemas, rows, relations, users, roles, "
                                                 "sessions, audit trail, files) between stores, then compare "
                                                 "both ends class by class.")
    parser.add_argument("--from", dest="source", required=True, help="the source databaseURI (or a SQLite file).")
    parser.add_argument("--to", dest="target", required=True, help="the target databaseURI (or a SQLite file).")
    parser.add_argument("--filesFrom", dest="files_from", default=None,
                        help="the source's filesAdapter (default: GridFS in a MongoDB source, <dataDir>/files else).")
    parser.add_argument("--filesTo", dest="files_to", default=None,
                        help="the target's filesAdapter (default: as for --filesFrom, beside the target).")
    parser.add_argument("--dataDir", dest="data_dir", type=Path, default=Path("data"),
                        help="where the default local file store lives (<dataDir>/files), as for the server.")
    parser.add_argument("--overwriteTarget", dest="overwrite", action="store_true",
                        help="drop every class the target holds before copying (and replace files of the same "
                             "name); without it a target that holds rows or files is refused.")
    parser.add_argument("--resume", action="store_true",
                        help="continue a copy that was cut off: keep the rows, relation rows and files the target "
                             "already holds (by objectId / name) and copy the rest.")
    parser.add_argument("--skipSessions", dest="skip_sessions", action="store_true",
                        help="do not copy _Session: everybody logs in again on the target.")
    parser.add_argument("--verifyOnly", dest="verify_only", action="store_true",
                        help="copy nothing: compare source and target and print the report.")
    parser.add_argument("--pageSize", dest="page_size", type=int, default=500,
                        help="rows read and written per call (default 500).")
    return parser


async def migrate(source: Endpoint, target: Endpoint, options: MigrationOptions, data_dir: Path,
                  out: TextIO) -> int:
    try:
        await source.open(data_dir, with_files=True)
        await target.open(data_dir, with_files=True)
        migration = Migration(source, target, options)
        try:
            report = await migration.run()
        except TargetNotEmpty as exc:
            print(f"parse-compat migrate: {exc}", file=sys.stderr)
            return 2
    finally:
        await source.close()
        await target.close()
    print(report.render(), file=out)
    if not options.verify_only:
        rate = migration.rows_copied / migration.seconds if migration.seconds else 0.0
        kept = f" ({migration.rows_kept} already there kept)" if options.resume else ""
        print(f"copied {migration.rows_copied} rows{kept} in {migration.seconds:.1f} s ({rate:.0f} rows/s), "
              f"{migration.files_copied} files; target read back in {migration.verify_seconds:.1f} s", file=out)
    return 1 if report.mismatches else 0


def main(argv: list[str], out: TextIO | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.page_size < 1:
        print("parse-compat migrate: --pageSize must be at least 1", file=sys.stderr)
        return 2
    try:
        source = Endpoint.of(args.source, args.files_from, args.data_dir)
        target = Endpoint.of(args.target, args.files_to, args.data_dir)
    except ValueError as exc:
        print(f"parse-compat migrate: {exc}", file=sys.stderr)
        return 2
    if source.uri == target.uri:
        print("parse-compat migrate: --from and --to name the same database", file=sys.stderr)
        return 2
    if args.overwrite and args.resume:
        print("parse-compat migrate: --overwriteTarget and --resume exclude each other", file=sys.stderr)
        return 2
    options = MigrationOptions(args.page_size, args.overwrite, args.skip_sessions, args.verify_only, args.resume)
    try:
        return asyncio.run(migrate(source, target, options, args.data_dir, out or sys.stdout))
    except (OSError, ValueError) as exc:
        print(f"parse-compat migrate: cannot open a store: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 2
