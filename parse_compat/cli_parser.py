"""The server's command line: every Parse option as `--name`, plus the config file and `--workers`.

Shared by `parse-compat` (cli.py) and `parse-compat admin create` (admin_cli.py).
"""

from __future__ import annotations

import argparse

from .settings import OPTIONS


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="parse-compat",
        description="A Parse Server compatible backend. Options: CLI > environment > config file.",
    )
    parser.add_argument("config", nargs="?", help="optional JSON config file with Parse option names")
    for spec in OPTIONS:
        default = f" Default: {spec.default!r}." if spec.default not in (None, []) else ""
        parser.add_argument(f"--{spec.name}", dest=spec.name, default=None,
                            help=f"{spec.help}{default} Env: {spec.env}.")
    parser.add_argument("--workers", type=int, default=1,
                        help="Server processes sharing the port (SO_REUSEPORT); with Live Query, also set "
                             "liveQuery.redisURL. Default: 1.")
    return parser
