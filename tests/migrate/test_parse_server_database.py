"""A database Parse Server 9.10 wrote on PostgreSQL (its own layout, its FileSystemAdapter files:
the app of tests/postgres/test_parse_server_roundtrip.py) migrated to SQLite, served there by
parse-compat exactly as Parse Server served it (every class, the config, the webhooks Parse
keeps outside `_SCHEMA`, logins with Parse's bcrypt hashes, ACLs, relations, the file), then
migrated again to a new PostgreSQL database where Parse Server itself serves it unchanged."""

from __future__ import annotations

import io
from pathlib import Path

from parse_compat.migrate.cli import main
from tests.postgres.database import server_uri, session_database
from tests.postgres.test_parse_server_roundtrip import (
    PHOTO,
    Servers,
    check_reads_and_acls,
    snapshot,
    write_with_parse_server,
)

from .conftest import report_rows

postgres_database = session_database("migrate_parse")
second_database = session_database("migrate_parse_again")


def migrate(*argv: str) -> str:
    out = io.StringIO()
    status = main(list(argv), out)
    assert status == 0, out.getvalue()
    rows = report_rows(out.getvalue())
    assert all(row[2] == "ok" for row in rows.values()), out.getvalue()
    return out.getvalue()


def test_a_parse_server_database_moves_to_sqlite_and_back(tmp_path: Path, postgres_database: str,
                                                           second_database: str) -> None:
    servers = Servers(tmp_path, f"{server_uri()}/{postgres_database}")
    files = f"local:{tmp_path / 'files'}"  # one directory: the files stay where Parse put them
    with servers.parse_server() as api:
        app = write_with_parse_server(api)
        app["staff_members"] = ["nurse_kim"]
        app["related"] = sorted(app["xrays"][:2])
        app["outsider_sees"] = [app["public"]]
        written_by_parse = snapshot(api)

    copy = f"sqlite:///{tmp_path / 'copy.db'}"
    report = report_rows(migrate("--from", servers.database_uri, "--to", copy, "--filesFrom", files,
                                 "--filesTo", files, "--dataDir", str(tmp_path)))
    assert report["_GlobalConfig"][:2] == (1, 1) and report["_Hooks"][:2] == (2, 2)  # not in Parse's _SCHEMA
    assert report["_Join:xrays:Patient"][:2] == (2, 2) and report["_User"][:2] == (5, 5)
    servers.database_uri = copy
    with servers.parse_compat() as api:
        assert snapshot(api) == written_by_parse
        check_reads_and_acls(api, app, "parse-compat")  # logs in: new sessions
        assert api.download(written_by_parse["Patient"][0]["photo"]["url"]) == PHOTO
        written_by_compat = snapshot(api)

    again = f"{server_uri()}/{second_database}"
    migrate("--from", copy, "--to", again, "--filesFrom", files, "--filesTo", files, "--dataDir", str(tmp_path))
    servers.database_uri = again
    with servers.parse_server() as api:
        assert snapshot(api) == written_by_compat
        check_reads_and_acls(api, app, "parse-server")
        assert api.download(written_by_parse["Patient"][0]["photo"]["url"]) == PHOTO
