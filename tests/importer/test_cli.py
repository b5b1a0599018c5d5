"""The `parse-compat import` command line: usage errors exit 2, an unreadable source is reported
(exit 1) without a traceback, a JSON export alone imports and says what it lacks, and a row
changed in the source since the last run (newer `updatedAt`) is updated, an older one skipped."""

from __future__ import annotations

import asyncio
import io
import json
from pathlib import Path

import pytest

from parse_compat.cli import main as parse_compat_main
from parse_compat.importer.cli import main
from parse_compat.storage.base import FindOptions
from parse_compat.storage.loader import open_storage

from .conftest import report_rows


def server_args(tmp_path: Path) -> list[str]:
    return ["--appId", "cli-app", "--masterKey", "cli-master", "--dataDir", str(tmp_path),
            "--databaseURI", f"sqlite:///{tmp_path / 'parse.db'}", "--logLevel", "warn"]


def test_no_source_is_a_usage_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        parse_compat_main(["import", *server_args(tmp_path)])
    assert exited.value.code == 2
    assert "give --json, --dump or --schemas" in capsys.readouterr().err


def test_a_dump_directory_without_bson_files_is_reported(tmp_path: Path) -> None:
    (tmp_path / "empty-dump").mkdir()
    out = io.StringIO()
    assert main([*server_args(tmp_path), "--dump", str(tmp_path / "empty-dump")], out=out) == 1
    assert "failed: - sources:" in out.getvalue() and "expected .bson files" in out.getvalue()


def test_a_json_export_alone_imports_and_notes_what_it_cannot_hold(tmp_path: Path) -> None:
    export = tmp_path / "export"
    export.mkdir()
    (export / "_User.json").write_text(json.dumps([{"objectId": "u1", "username": "ann",
                                                    "createdAt": "2022-01-01T00:00:00.000Z"}]))
    (export / "Note.json").write_text(json.dumps([{"objectId": "n1", "text": "hello",
                                                   "owner": {"__type": "Pointer", "className": "_User",
                                                             "objectId": "u1"}}]))
    out = io.StringIO()
    assert main([*server_args(tmp_path), "--json", str(export)], out=out) == 0
    assert report_rows(out.getvalue()) == {"_User": (1, 1, 0, 0), "Note": (1, 1, 0, 0)}
    assert "1 users came without a password hash" in out.getvalue()
    assert "holds no relation members" in out.getvalue()


def test_a_newer_row_in_the_source_updates_and_an_older_one_is_skipped(tmp_path: Path) -> None:
    export = tmp_path / "export"
    export.mkdir()

    def export_notes(*rows: tuple[str, str, str]) -> dict[str, tuple[int, int, int, int]]:
        (export / "Note.json").write_text(json.dumps([
            {"objectId": object_id, "text": text, "createdAt": "2022-01-01T00:00:00.000Z", "updatedAt": updated}
            for object_id, text, updated in rows]))
        out = io.StringIO()
        assert main([*server_args(tmp_path), "--json", str(export)], out=out) == 0
        return report_rows(out.getvalue())

    assert export_notes(("n1", "first", "2022-01-02T00:00:00.000Z"),
                        ("n2", "first", "2022-01-02T00:00:00.000Z")) == {"Note": (2, 2, 0, 0)}
    assert export_notes(("n1", "edited", "2022-03-01T00:00:00.000Z"),
                        ("n2", "older", "2021-12-01T00:00:00.000Z")) == {"Note": (2, 1, 1, 0)}
    assert _stored_texts(tmp_path) == {"n1": ("edited", "2022-03-01T00:00:00.000Z"),
                                       "n2": ("first", "2022-01-02T00:00:00.000Z")}


def _stored_texts(tmp_path: Path) -> dict[str, tuple[str, str]]:
    async def read() -> dict[str, tuple[str, str]]:
        storage = open_storage(f"sqlite:///{tmp_path / 'parse.db'}", None)
        await storage.connect()
        try:
            schema = next(item for item in await storage.load_schemas() if item.class_name == "Note")
            rows = await storage.find(schema, {}, FindOptions())
            return {row["objectId"]: (row["text"], row["updatedAt"]) for row in rows}
        finally:
            await storage.close()

    return asyncio.run(read())
