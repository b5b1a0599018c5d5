"""Command line: `parse-compat [options]` starts the server; `parse-compat schema docs` writes docs;
`parse-compat admin create` makes an administrator; `parse-compat import` loads an exported app;
`parse-compat migrate` copies an app to another store."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any, NoReturn

from .cli_parser import build_parser
from .logconfig import configure_logging
from .logflood import install_flood_guard
from .settings import OPTIONS, build_settings, cluster_size, load_or_create_credentials, resolve

EXIT_BOOT_FAILED = 2


def main(argv: list[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["files"]:  # `parse-compat files rotate-key ...` (parse_compat/files/cli.py)
        from .files.cli import main as files_main

        sys.exit(files_main(argv[1:]))
    if argv[:1] == ["admin"]:  # `parse-compat admin create --username … --email …` (parse_compat/admin_cli.py)
        from .admin_cli import main as admin_main

        sys.exit(admin_main(argv[1:]))
    if argv[:1] == ["audit"]:  # `parse-compat audit verify | export --csv` (parse_compat/audit/cli.py)
        from .audit.cli import main as audit_main

        sys.exit(audit_main(argv[1:]))
    if argv[:1] == ["schema"]:  # `parse-compat schema docs --out DIR` (parse_compat/schema/docs.py)
        from .schema.docs import main as schema_main

        sys.exit(schema_main(argv[1:]))
    if argv[:1] == ["import"]:  # `parse-compat import --dump DIR …` (parse_compat/importer/cli.py)
        from .importer.cli import main as import_main

        sys.exit(import_main(argv[1:]))
    if argv[:1] == ["migrate"]:  # `parse-compat migrate --from URI --to URI` (parse_compat/migrate/cli.py)
        from .migrate.cli import main as migrate_main

        sys.exit(migrate_main(argv[1:]))
    args = build_parser().parse_args(argv)
    cli_values: dict[str, Any] = {spec.name: getattr(args, spec.name) for spec in OPTIONS}
    try:
        values = resolve(cli_values, config_file=args.config)
        data_dir = Path(values.get("dataDir") or "data")
        values = load_or_create_credentials(data_dir, values)
        settings = build_settings(values)
    except (OSError, ValueError, TypeError) as exc:
        boot_failed(f"bad configuration: {exc}")
    try:
        configure_logging(settings)  # logLevel, verbose, silent, jsonLogs, logsFolder, maxLogFiles
    except (OSError, ValueError) as exc:
        boot_failed(f"bad logging configuration: {exc}")

    install_flood_guard()
    from .app import banner  # imported late so --help stays fast

    try:
        workers = args.workers if args.workers != 1 else cluster_size(settings.cluster)  # Parse's `cluster`
    except ValueError as exc:
        boot_failed(str(exc))
    if workers != 1:  # parse_compat/workers.py
        from .workers import run_workers

        run_workers(settings, workers)
    from .cloud.loader import CloudCodeError
    from .serving import BootError, serve

    try:
        sys.exit(serve(settings, on_ready=lambda: print(banner(settings), flush=True)))
    except CloudCodeError as exc:  # the user's traceback, without ours around it
        sys.exit(f"parse-compat: {exc}")
    except BootError as exc:
        boot_failed(str(exc))


def boot_failed(sentence: str) -> NoReturn:
    """One line on stderr and status 2 (a usage/configuration error), never a traceback."""
    print(f"parse-compat: cannot start: {sentence}", file=sys.stderr, flush=True)
    sys.exit(EXIT_BOOT_FAILED)


if __name__ == "__main__":  # pragma: no cover
    main()
