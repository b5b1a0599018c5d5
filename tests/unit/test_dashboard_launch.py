"""`make dashboard`'s launcher (tools/dashboard/launch.py): the config it writes from the keys the
server generated, its dashboard user, and the refusals that keep the master key on this machine."""

from __future__ import annotations

import json
import stat
from pathlib import Path
from typing import Any

import bcrypt
import pytest

from parse_compat.settings import load_or_create_credentials
from tools.dashboard.launch import LaunchError, is_loopback, parse_args, prepare


@pytest.fixture(autouse=True)
def no_server_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("PARSE_SERVER_APPLICATION_ID", "PARSE_SERVER_MASTER_KEY", "PARSE_SERVER_URL", "PARSE_COMPAT_DATA_DIR"):
        monkeypatch.delenv(name, raising=False)


def launch(data_dir: Path, *extra: str) -> tuple[dict[str, Any], str | None]:
    path, password = prepare(parse_args(["--dataDir", str(data_dir), *extra]))
    assert path == data_dir / "dashboard" / "config.json"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600  # it holds the master key
    return json.loads(path.read_text()), password


def test_config_uses_the_keys_the_server_generated_and_a_hashed_user(tmp_path: Path) -> None:
    keys = load_or_create_credentials(tmp_path, {})  # what the server does on its first start
    config, password = launch(tmp_path, "--serverURL", "http://localhost:1337/parse")
    assert config["apps"] == [{"serverURL": "http://localhost:1337/parse", "appId": keys["appId"],
                               "masterKey": keys["masterKey"], "appName": "parse-compat"}]
    assert config["useEncryptedPasswords"] is True
    [user] = config["users"]
    assert password and len(password) >= 24 and password not in json.dumps(config)
    assert user["user"] == "admin" and bcrypt.checkpw(password.encode(), user["pass"].encode())

    again, none = launch(tmp_path)  # the next start keeps the user and prints no password
    assert none is None and again["users"] == config["users"]
    renewed, new_password = launch(tmp_path, "--new-password")
    assert new_password is not None and new_password != password
    assert bcrypt.checkpw(new_password.encode(), renewed["users"][0]["pass"].encode())


def test_dev_has_no_user_and_binds_loopback_only(tmp_path: Path) -> None:
    load_or_create_credentials(tmp_path, {})
    config, password = launch(tmp_path, "--dev")
    assert password is None and "users" not in config
    for host in ("0.0.0.0", "192.168.1.10", "::", "example.com"):
        with pytest.raises(LaunchError, match="loopback only"):
            prepare(parse_args(["--dataDir", str(tmp_path), "--dev", "--host", host]))
    assert all(is_loopback(host) for host in ("127.0.0.1", "localhost", "::1", "127.0.0.2"))


def test_given_keys_win_and_missing_keys_say_what_to_do(tmp_path: Path) -> None:
    config, _ = launch(tmp_path, "--appId", "my-app", "--masterKey", "my-key")
    assert config["apps"][0]["appId"] == "my-app" and config["apps"][0]["masterKey"] == "my-key"
    with pytest.raises(LaunchError, match="start the server once"):
        prepare(parse_args(["--dataDir", str(tmp_path / "empty")]))
