"""`parse-compat admin create --username NAME --email ADDRESS [server options]`: make an
administrator from the command line (the first one of a practice: nobody can sign up).

The password is asked twice without echo when stdin is a terminal, or read from the first line
of stdin otherwise (`echo "$PW" | parse-compat admin create …`). The server options (config file,
environment, flags) pick the database and the cloud code as for `parse-compat` itself; the
account is made with the master key through the same write path as `POST /users`, so the
password policy and the cloud code's rules apply and the template puts the user in the
`administrator` role.
"""

from __future__ import annotations

import asyncio
import getpass
import sys
from pathlib import Path
from typing import Any, TextIO

from .cli_parser import build_parser
from .errors import ParseError
from .settings import OPTIONS, Settings, build_settings, load_or_create_credentials, resolve


def read_password(stdin: TextIO) -> str:
    if stdin.isatty():
        first = getpass.getpass("Password: ")
        if first != getpass.getpass("Password again: "):
            raise ValueError("the two passwords differ")
        return first
    return stdin.readline().rstrip("\r\n")


async def create_admin(settings: Settings, username: str, email: str, password: str, role: str) -> str:
    """The new user's objectId; ParseError when the server refuses it."""
    from .app import build_state
    from .auth.identity import Auth
    from .rest.context import RequestContext

    state = await build_state(settings)
    try:
        ctx = RequestContext(state, Auth(is_master=True, installation_id="cloud"))
        body: dict[str, Any] = {"username": username, "email": email, "password": password}
        if role:
            body["role"] = role
        result = await state.writer.create(ctx, "_User", body)
        return result.object_id
    finally:
        for closer in state.services.on_close:
            await closer()
        await state.storage.close()


def main(argv: list[str], stdin: TextIO | None = None) -> int:

    stdin = stdin or sys.stdin
    if argv[:1] != ["create"]:
        print("usage: parse-compat admin create --username NAME --email ADDRESS [server options]", file=sys.stderr)
        return 2
    parser = build_parser()
    parser.prog = "parse-compat admin create"
    parser.add_argument("--username", required=True)
    parser.add_argument("--email", required=True)
    parser.add_argument("--role", default="administrator",
                        help="User.role to give (the dental template's roles: administrator, staff).")
    args = parser.parse_args(argv[1:])
    try:
        values = resolve({spec.name: getattr(args, spec.name) for spec in OPTIONS}, config_file=args.config)
        values = load_or_create_credentials(Path(values.get("dataDir") or "data"), values)
        password = read_password(stdin)
    except (OSError, ValueError) as exc:
        print(f"parse-compat admin create: {exc}", file=sys.stderr)
        return 2
    if not password:
        print("parse-compat admin create: a password is required", file=sys.stderr)
        return 2
    try:
        user_id = asyncio.run(create_admin(build_settings(values), args.username, args.email, password, args.role))
    except ParseError as exc:
        print(f"parse-compat admin create: refused ({exc.code}): {exc.message}", file=sys.stderr)
        return 1
    print(f"created {args.role} {args.username} (objectId {user_id})")
    return 0
