"""`parse-compat import [--json PATH]… [--dump DIR] [--schemas FILE] [--filesFrom URL] [server options]`.

Loads an app from what Back4app / Parse Server users can download into the store the server
options name (`--databaseURI`, `--dataDir`, `--appId`, `--masterKey`, config file, environment:
as for `parse-compat` itself), then prints a report of counts per class. Exit status: 0 when
every row came through, 1 when some were reported as failed, 2 on a usage or configuration
error. Re-running continues a partial import and skips what is already there.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path
from typing import TextIO

from ..cli_parser import build_parser
from ..settings import OPTIONS, Settings, build_settings, load_or_create_credentials, resolve
from .load import ImportSources, run_import
from .report import ImportReport

USAGE = ("usage: parse-compat import [--json PATH]... [--dump DIR] [--schemas FILE] [--filesFrom URL] "
         "[server options]")


async def import_app(settings: Settings, given: ImportSources) -> ImportReport:
    from ..app import build_state
    from ..auth.identity import Auth
    from ..rest.context import RequestContext

    state = await build_state(settings)
    try:
        return await run_import(RequestContext(state, Auth(is_master=True, installation_id="import")), given)
    finally:
        for closer in state.services.on_close:
            await closer()
        await state.storage.close()


def main(argv: list[str], out: TextIO | None = None) -> int:
    out = out or sys.stdout
    parser = build_parser()
    parser.prog = "parse-compat import"
    parser.usage = USAGE
    source = parser.add_argument_group("Import sources")
    source.add_argument("--json", dest="json_paths", action="append", default=[], type=Path,
                        help="Parse Dashboard's JSON export: a <Class>.json file or a directory of them "
                             "(repeatable).")
    source.add_argument("--dump", type=Path, help="a mongodump directory of the Parse database (.bson files).")
    source.add_argument("--schemas", type=Path, help="the old server's GET /schemas answer, saved as JSON.")
    source.add_argument("--filesFrom", dest="files_from",
                        help="the old server's files URL prefix (e.g. https://old.example.com/parse/files/APPID); "
                             "default: the url each exported File holds.")
    args = parser.parse_args(argv)
    if not (args.json_paths or args.dump or args.schemas):
        print(f"{USAGE}\nparse-compat import: give --json, --dump or --schemas", file=sys.stderr)
        return 2
    try:
        values = resolve({spec.name: getattr(args, spec.name) for spec in OPTIONS}, config_file=args.config)
        values = load_or_create_credentials(Path(values.get("dataDir") or "data"), values)
        settings = build_settings(values)
    except (OSError, ValueError, TypeError) as exc:
        print(f"parse-compat import: bad configuration: {exc}", file=sys.stderr)
        return 2
    given = ImportSources(list(args.json_paths), args.dump, args.schemas, args.files_from)
    report = asyncio.run(import_app(settings, given))
    print(report.render(), file=out, flush=True)
    return 1 if report.failures else 0
