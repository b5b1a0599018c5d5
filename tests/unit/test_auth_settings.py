"""`auth` and `enableAnonymousUsers` come from the CLI, the environment or the config file, as
every other option (issue 14)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from parse_compat.auth.adapters import AuthAdapters
from parse_compat.settings import build_settings, resolve

GOOGLE = {"google": {"clientId": "c.apps.example"}}


def test_auth_from_the_environment() -> None:
    env = {"PARSE_SERVER_AUTH_PROVIDERS": json.dumps(GOOGLE), "PARSE_SERVER_ENABLE_ANON_USERS": "false"}
    values = resolve({}, env=env)
    settings = build_settings(values)
    assert settings.auth == GOOGLE and settings.enableAnonymousUsers is False


def test_auth_from_the_config_file_and_the_cli_wins(tmp_path: Path) -> None:
    config = tmp_path / "config.json"
    config.write_text(json.dumps({"auth": GOOGLE, "enableAnonymousUsers": False}), encoding="utf-8")
    assert build_settings(resolve({}, env={}, config_file=str(config))).auth == GOOGLE
    cli = {"auth": json.dumps({"apple": {"clientId": "com.example"}}), "enableAnonymousUsers": "true"}
    settings = build_settings(resolve(cli, env={}, config_file=str(config)))
    assert settings.auth == {"apple": {"clientId": "com.example"}} and settings.enableAnonymousUsers is True


def test_defaults_offer_anonymous_only() -> None:
    settings = build_settings(resolve({}, env={}))
    adapters = AuthAdapters(settings.auth, settings.enableAnonymousUsers)
    assert settings.enableAnonymousUsers is True
    assert adapters.get("anonymous") is not None and adapters.get("google") is None


def test_a_provider_can_be_switched_off() -> None:
    adapters = AuthAdapters({"anonymous": {"enabled": False}, "google": {"enabled": False}})
    assert adapters.get("anonymous") is None and adapters.get("google") is None


def test_bad_auth_json_names_the_option() -> None:
    with pytest.raises(ValueError, match="option auth"):
        resolve({"auth": "{not json"}, env={})
