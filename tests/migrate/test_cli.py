"""`parse-compat migrate` on the command line: a target that holds data is refused (exit 2,
nothing written) unless `--overwriteTarget`; `--verifyOnly` finds a row and a relation row
changed on the target behind the copy's back (exit 1, the classes named); `--skipSessions`
leaves the sessions behind and says so."""

from __future__ import annotations

import asyncio
import io
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import asyncpg
import pytest

from parse_compat.migrate.cli import main
from tests.postgres.database import app_uri, session_database

from .conftest import DentalApp, make_dental_app, report_rows

postgres_database = session_database("migrate_cli")


@pytest.fixture(scope="module")
def dental(tmp_path_factory: pytest.TempPathFactory) -> DentalApp:
    return asyncio.run(make_dental_app(tmp_path_factory.mktemp("dental")))


def migrate(*argv: str) -> tuple[int, str]:
    out = io.StringIO()
    return main(list(argv), out), out.getvalue()


async def tamper(uri: str, patient_id: str) -> None:
    parts = urlsplit(uri)
    connection = await asyncpg.connect(f"postgresql://{parts.netloc}{parts.path}",
                                       server_settings={"search_path": parse_qs(parts.query)["search_path"][0]})
    try:
        await connection.execute('UPDATE "Patient" SET "name" = $1 WHERE "objectId" = $2', "Mallory", patient_id)
        await connection.execute('DELETE FROM "_Join:staff:Clinic" WHERE ctid IN '
                                 '(SELECT ctid FROM "_Join:staff:Clinic" LIMIT 1)')
    finally:
        await connection.close()


def test_a_tampered_or_non_empty_target(dental: DentalApp, postgres_database: str, tmp_path: Path,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    target = app_uri(postgres_database)
    common = ("--from", dental.uri, "--to", target, "--dataDir", str(dental.data_dir),
              "--filesTo", f"local:{tmp_path / 'files'}")
    status, report = migrate(*common)
    assert status == 0, report

    asyncio.run(tamper(target, dental.patients[2]))
    status, report = migrate(*common, "--verifyOnly")
    rows = report_rows(report)
    assert status == 1
    assert rows["Patient"][:2] == (6, 6) and rows["Patient"][2] == "MISMATCH"
    assert rows["_Join:staff:Clinic"][:2] == (3, 2) and rows["_Join:staff:Clinic"][2] == "MISMATCH"
    assert {label for label, row in rows.items() if row[2] != "ok"} == {"Patient", "_Join:staff:Clinic"}
    assert "verification: FAILED, 2 mismatched" in report
    assert "Mallory" not in report and "Patient 2" not in report  # no value of a row is printed

    capsys.readouterr()
    status, report = migrate(*common)
    assert status == 2 and report == ""
    assert "the target is not empty" in capsys.readouterr().err
    assert migrate(*common, "--verifyOnly")[0] == 1  # nothing was written

    status, report = migrate(*common, "--overwriteTarget")
    assert status == 0, report
    assert migrate(*common, "--verifyOnly")[0] == 0


def test_sessions_can_be_left_behind(dental: DentalApp, postgres_database: str, tmp_path: Path) -> None:
    status, report = migrate("--from", dental.uri, "--to", app_uri(postgres_database), "--skipSessions",
                             "--dataDir", str(dental.data_dir), "--filesTo", f"local:{tmp_path / 'files'}")
    rows = report_rows(report)
    assert status == 0, report
    assert rows["_Session"] == (2, None, "skipped")
    assert rows["_User"] == (2, 2, "ok")


def test_usage_errors(dental: DentalApp, capsys: pytest.CaptureFixture[str]) -> None:
    assert migrate("--from", dental.uri, "--to", dental.uri)[0] == 2
    assert "same database" in capsys.readouterr().err
    assert migrate("--from", dental.uri, "--to", "redis://x")[0] == 2
    assert "unsupported databaseURI" in capsys.readouterr().err


def test_the_report_never_names_a_password() -> None:
    from parse_compat.migrate.stores import files_identity

    assert files_identity("", "mongodb://admin:s3cret@db:27017/parse", Path(".")) == "gridfs:mongodb://db:27017/parse"
    assert files_identity("gridfs:mongodb://u:p@h/files", "x", Path(".")) == "gridfs:mongodb://h/files"


async def cut_off(uri: str) -> None:
    """What a copy stopped half-way leaves: some rows, a relation row, not yet written."""
    parts = urlsplit(uri)
    connection = await asyncpg.connect(f"postgresql://{parts.netloc}{parts.path}",
                                       server_settings={"search_path": parse_qs(parts.query)["search_path"][0]})
    try:
        await connection.execute('DELETE FROM "Patient" WHERE "objectId" IN '
                                 '(SELECT "objectId" FROM "Patient" ORDER BY "objectId" DESC LIMIT 3)')
        await connection.execute('DELETE FROM "_Join:users:_Role"')
    finally:
        await connection.close()


def test_a_cut_off_copy_is_resumed(dental: DentalApp, postgres_database: str, tmp_path: Path) -> None:
    target = app_uri(postgres_database)
    files = tmp_path / "files"
    common = ("--from", dental.uri, "--to", target, "--dataDir", str(dental.data_dir), "--filesTo", f"local:{files}")
    assert migrate(*common)[0] == 0
    asyncio.run(cut_off(target))
    for stored in files.iterdir():
        if stored.is_file():
            stored.unlink()
    assert migrate(*common, "--verifyOnly")[0] == 1
    assert migrate(*common, "--overwriteTarget", "--resume")[0] == 2

    status, report = migrate(*common, "--resume")
    assert status == 0, report
    assert "verification: every class matches" in report
    assert "copied 3 rows (" in report and " already there kept)" in report and ", 1 files;" in report
    status, report = migrate(*common, "--resume")  # again: nothing left to copy
    assert status == 0 and "copied 0 rows (" in report and ", 0 files;" in report
