"""Parse's `security` option (issue 14, deliverable 6): GET /security (master key) answers Parse's
report shape when enableCheck is on, 409 otherwise; enableCheckLog logs it at boot; a malformed
option stops the boot."""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Any

import pytest

from parse_compat.security_check import security_report
from parse_compat.settings import Settings

from .conftest import Client


@pytest.fixture
def adapter_name() -> str:
    return "sqlite"  # the report reads settings only; one store is enough


def _checks(report: dict[str, Any]) -> dict[str, str]:
    return {check["title"]: check["state"] for group in report["report"]["groups"] for check in group["checks"]}


@pytest.mark.asyncio
@pytest.mark.settings(schema=None, security={"enableCheck": True})
async def test_report_shape_and_master_key_only(api: Client) -> None:
    assert (await api.get("/security")).status == 403
    got = await api.get("/security", master=True)
    assert got.status == 200
    report = got.body["report"]
    assert report["version"] == "1.0.0" and report["state"] == "fail"
    assert [group["name"] for group in report["groups"]] == ["Parse Server Configuration", "Database"]
    master = next(check for check in report["groups"][0]["checks"] if check["title"] == "Secure master key")
    assert master["state"] == "fail" and "brute force" in master["warning"] and master["solution"]  # "test-master"
    passed = next(check for check in report["groups"][0]["checks"] if check["state"] == "success")
    assert set(passed) == {"title", "state"}  # warning and solution only on a failed check


@pytest.mark.asyncio
@pytest.mark.settings(schema=None)
async def test_disabled_is_409(api: Client) -> None:
    got = await api.get("/security", master=True)
    assert got.status == 409
    assert got.body == {"error": "Enable Parse Server option `security.enableCheck` to run security check."}


def test_each_check_follows_its_setting(tmp_path: Path) -> None:
    db = tmp_path / "options2-security.db"
    db.write_bytes(b"")
    os.chmod(db, 0o600)
    strong = Settings(appId="a", masterKey="Str0ng-Master-Key-2026", databaseURI=f"sqlite:///{db}",
                      schema=None, requestComplexity={"includeDepth": 5, "includeCount": 50, "subqueryDepth": 3,
                                                      "subqueryLimit": 100, "queryDepth": 10, "batchRequestLimit": 50,
                                                      "graphQLDepth": 20, "graphQLFields": 200},
                      security={"enableCheck": True})
    report = security_report(strong)
    assert report["report"]["state"] == "success", report
    weak = Settings(appId="a", masterKey="short", databaseURI=f"sqlite:///{db}", schema="schema.json",
                    allowClientClassCreation=True, enforcePrivateUsers=False, masterKeyIps=["0.0.0.0/0"],
                    serverURL="http://api.example.com/parse", allowPublicSignup=True,
                    resetPasswordSuccessOnInvalidEmail=False, security={"enableCheck": True, "enableCheckLog": True})
    os.chmod(db, 0o644)
    states = _checks(security_report(weak))
    for title in ("Secure master key", "Security log disabled", "Client class creation disabled",
                  "Users are created without public access", "Master key IP range restricted",
                  "Server URL uses HTTPS", "Public signup disabled for the practice template",
                  "Password reset endpoint user enumeration mitigated", "Database file readable only by its owner"):
        assert states[title] == "fail", title
    assert states["Email verification endpoint user enumeration mitigated"] == "success"
    only_db = Settings(appId="a", masterKey="m", databaseURI="postgres://app:Sh0rt@127.0.0.1/x", schema=None,
                       security={"checkGroups": ["Database"]})
    assert _checks(security_report(only_db)) == {"Secure database password": "fail",
                                                 "Database file readable only by its owner": "success"}


@pytest.mark.parametrize(("option", "message"), [
    ("yes", "security must be an object"),
    ({"enableCheck": "yes"}, "security.enableCheck must be a boolean"),
    ({"checkGroups": ["Mine"]}, "security.checkGroups must be a list of"),
    ({"enableChek": True}, "has no key 'enableChek'"),
])
def test_malformed_option_is_a_boot_error(option: Any, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        Settings(appId="a", masterKey="m", security=option)


@pytest.mark.asyncio
@pytest.mark.settings(schema=None, security={"enableCheck": True, "enableCheckLog": True})
async def test_enable_check_log_logs_the_report_at_boot(api: Client, caplog: pytest.LogCaptureFixture) -> None:
    # The api fixture booted the app before caplog saw it: log it again the way the boot does.
    from parse_compat.security_check import log_security_report

    with caplog.at_level(logging.INFO, logger="parse_compat"):
        log_security_report(api.state.settings)
    assert "Parse Server Security Check" in caplog.text and "❌ Security log disabled" in caplog.text
    assert any(record.levelno == logging.WARNING for record in caplog.records)


def test_a_real_boot_logs_the_report(tmp_path: Path) -> None:
    from .server_process import free_port, start

    log = tmp_path / "options2-security.log"
    proc = start(tmp_path, free_port(), "--security", '{"enableCheck": true, "enableCheckLog": true}', log=log)
    try:
        text = log.read_text(errors="replace")
        # logged during the boot, before /health answered; "proc-master" is short: a warning
        assert "Parse Server Security Check" in text and "❌ Secure master key" in text
    finally:
        proc.terminate()
        proc.wait(timeout=20)
