"""`make dashboard`: Parse Dashboard (npm, pinned in tools/dashboard/package.json) for the running server.

Writes `<dataDir>/dashboard/config.json` (mode 0600: it holds the master key) from the server's
application id and master key — `--appId`/`--masterKey`, else PARSE_SERVER_APPLICATION_ID /
PARSE_SERVER_MASTER_KEY, else `<dataDir>/credentials.json`, which the server creates on first
start — then runs the dashboard on it (node replaces this process).

Secure by default: the dashboard gets a user (`admin`) whose password is generated once, printed
once and kept only as a bcrypt hash (`--new-password` makes another). With `--dev` there is no
dashboard user, and the dashboard may then bind a loopback address only: the master key never
leaves this machine without a password in front of it. The browser talks to the server itself,
and the server honours the master key from loopback only unless `--masterKeyIps` says more.
"""

from __future__ import annotations

import argparse
import ipaddress
import json
import os
import secrets
import shutil
import sys
from pathlib import Path
from typing import Any

import bcrypt

HERE = Path(__file__).resolve().parent
DASHBOARD_BIN = HERE / "node_modules" / "parse-dashboard" / "bin" / "parse-dashboard"
DASHBOARD_USER = "admin"
PASSWORD_BYTES = 18  # 24 URL-safe characters


class LaunchError(Exception):
    """Something the person starting the dashboard must fix; the message says what."""


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="make dashboard", description=__doc__.split("\n\n")[0])
    parser.add_argument("--dataDir", default=os.environ.get("PARSE_COMPAT_DATA_DIR", "data"),
                        help="the server's data directory (credentials.json; the config goes in dashboard/)")
    parser.add_argument("--serverURL", default=os.environ.get("PARSE_SERVER_URL", "http://localhost:1337/parse"),
                        help="the server as the browser reaches it")
    parser.add_argument("--appId", default=os.environ.get("PARSE_SERVER_APPLICATION_ID"))
    parser.add_argument("--masterKey", default=os.environ.get("PARSE_SERVER_MASTER_KEY"))
    parser.add_argument("--appName", default="parse-compat")
    parser.add_argument("--host", default="127.0.0.1", help="the dashboard's interface (default loopback)")
    parser.add_argument("--port", type=int, default=4040)
    parser.add_argument("--dev", action="store_true",
                        help="no dashboard user (loopback hosts only)")
    parser.add_argument("--new-password", action="store_true", help="replace the dashboard user's password")
    return parser.parse_args(argv)


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def app_credentials(data_dir: Path, app_id: str | None, master_key: str | None) -> tuple[str, str]:
    """The server's application id and master key: given, or the ones the server generated."""
    if app_id and master_key:
        return app_id, master_key
    path = data_dir / "credentials.json"
    if not path.exists():
        raise LaunchError(f"{path} does not exist: start the server once (make run), or pass --appId and "
                          "--masterKey")
    stored = json.loads(path.read_text(encoding="utf-8"))
    app_id, master_key = app_id or stored.get("appId"), master_key or stored.get("masterKey")
    if not app_id or not master_key:
        raise LaunchError(f"{path} lacks appId or masterKey")
    return str(app_id), str(master_key)


def dashboard_users(previous: dict[str, Any], new_password: bool) -> tuple[list[dict[str, str]], str | None]:
    """The dashboard's users (bcrypt hashes) and the password when one was just made (else None)."""
    users = previous.get("users") if previous.get("useEncryptedPasswords") else None
    if users and not new_password:
        return users, None
    password = secrets.token_urlsafe(PASSWORD_BYTES)
    hashed = bcrypt.hashpw(password.encode(), bcrypt.gensalt()).decode()
    return [{"user": DASHBOARD_USER, "pass": hashed}], password


def dashboard_config(server_url: str, app_id: str, master_key: str, app_name: str,
                     users: list[dict[str, str]] | None) -> dict[str, Any]:
    config: dict[str, Any] = {"apps": [{"serverURL": server_url, "appId": app_id, "masterKey": master_key,
                                        "appName": app_name}]}
    if users:
        config.update(users=users, useEncryptedPasswords=True)
    return config


def write_private(path: Path, config: dict[str, Any]) -> None:
    """Write the config readable by its owner only, never briefly world-readable."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".tmp")
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        json.dump(config, out, indent=2)
        out.write("\n")
    os.replace(partial, path)


def prepare(args: argparse.Namespace) -> tuple[Path, str | None]:
    """Write the config; return its path and the password made for this run (None: none made)."""
    if args.dev and not is_loopback(args.host):
        raise LaunchError(f"--dev has no dashboard user, so it binds loopback only, not {args.host}")
    data_dir = Path(args.dataDir)
    app_id, master_key = app_credentials(data_dir, args.appId, args.masterKey)
    path = data_dir / "dashboard" / "config.json"
    previous = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
    users, password = (None, None) if args.dev else dashboard_users(previous, args.new_password)
    write_private(path, dashboard_config(args.serverURL, app_id, master_key, args.appName, users))
    return path, password


def dashboard_command(config: Path, host: str, port: int) -> list[str]:
    node = shutil.which("node")
    if node is None or not DASHBOARD_BIN.exists():
        raise LaunchError("Parse Dashboard is not installed: run `make dashboard-npm` (needs Node.js 20.19+ and npm)")
    return [node, str(DASHBOARD_BIN), "--config", str(config), "--host", host, "--port", str(port)]


def main(argv: list[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    try:
        config, password = prepare(args)
        command = dashboard_command(config, args.host, args.port)
    except LaunchError as error:
        print(f"dashboard: {error}", file=sys.stderr)
        return 2
    if args.dev:
        print("Parse Dashboard without a user (--dev), on this machine only.")
    elif password is not None:
        print(f"Parse Dashboard user: {DASHBOARD_USER}  password: {password}")
        print("The password is shown only now (its bcrypt hash is kept); --new-password makes another.")
    else:
        print(f"Parse Dashboard user: {DASHBOARD_USER} (the password printed when it was made; "
              "--new-password makes another)")
    print(f"Open http://{args.host}:{args.port}/", flush=True)
    os.execv(command[0], command)
    return 0  # not reached: node has replaced this process


if __name__ == "__main__":
    sys.exit(main())
