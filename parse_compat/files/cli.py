"""`parse-compat files rotate-key --old OLD --new NEW [server options]`.

Finds the files the server would use (same `databaseURI`, `dataDir`, `filesAdapter` options,
environment and config file as the server) and re-encrypts them: `--old` is the key they are
encrypted with (omit it for files stored plain), `--new` the key to use from now on (omit it to
store them plain). Prints a JSON report; exits 1 if any file could not be rotated.
"""

from __future__ import annotations

import argparse
import asyncio
import json
from dataclasses import asdict
from typing import Any

from ..settings import OPTIONS, build_settings, resolve
from ..storage.loader import open_storage
from .rotation import RotationReport, rotate_keys
from .setup import build_adapter

MONGO_SCHEMES = ("mongodb://", "mongodb+srv://", "mongomock://")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="parse-compat files", description="Stored files administration.")
    commands = parser.add_subparsers(dest="command", required=True)
    rotate = commands.add_parser("rotate-key", help="re-encrypt every stored file under a new fileKey")
    rotate.add_argument("config", nargs="?", help="optional JSON config file with Parse option names")
    rotate.add_argument("--old", default=None, help="the fileKey the files are encrypted with now")
    rotate.add_argument("--new", default=None, help="the fileKey to encrypt them with")
    for spec in OPTIONS:
        if spec.name != "fileKey":
            rotate.add_argument(f"--{spec.name}", dest=spec.name, default=None, help=f"server option (Env: {spec.env})")
    return parser


async def run_rotation(values: dict[str, Any], old: str | None, new: str | None) -> RotationReport:
    settings = build_settings(values)
    storage = None
    kind, _, arg = (settings.filesAdapter or "").partition(":")
    if (kind == "gridfs" and not arg) or (not kind and (settings.databaseURI or "").startswith(MONGO_SCHEMES)):
        storage = open_storage(settings.databaseURI or "")  # GridFS in the app's own database
        await storage.connect()
    adapter = build_adapter(settings, storage)
    try:
        return await rotate_keys(adapter, old or None, new or None)
    finally:
        await adapter.close()
        if storage is not None:
            await storage.close()


def main(argv: list[str]) -> int:
    args = build_parser().parse_args(argv)
    cli_values = {spec.name: getattr(args, spec.name, None) for spec in OPTIONS}
    values = resolve(cli_values, config_file=args.config)
    values.pop("fileKey", None)
    report = asyncio.run(run_rotation(values, args.old, args.new))
    print(json.dumps(asdict(report), indent=2))
    return 1 if report.failed else 0
