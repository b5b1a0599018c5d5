"""`parse-compat import` into PostgreSQL (any store the server runs on): a partial run (the
mongodump alone) continued by a full one, which skips what the first wrote; then the rows,
ACLs, relation rows and bcrypt hashes are read back from the database."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from parse_compat.app import build_state
from parse_compat.auth.passwords import verify_password
from parse_compat.importer.cli import import_app
from parse_compat.importer.load import ImportSources
from parse_compat.settings import Settings, build_settings, resolve
from parse_compat.state import AppState
from parse_compat.storage.base import ClassSchema, FindOptions
from tests.postgres.database import app_uri, session_database

from .conftest import OldServer, report_rows
from .parse_dump import CHART_ID, OLD_FILE_NAME, PASSWORDS, ROLE_ID, USER_IDS, VISIT_IDS, ParseDump

postgres_database = session_database("import")


@asynccontextmanager
async def opened(settings: Settings) -> AsyncIterator[AppState]:
    state = await build_state(settings)
    try:
        yield state
    finally:
        for closer in state.services.on_close:
            await closer()
        await state.storage.close()


async def test_a_partial_import_into_postgresql_is_continued(postgres_database: str, parse_dump: ParseDump,
                                                             old_server: OldServer, tmp_path: Path) -> None:
    settings = build_settings(resolve({"appId": "import-pg", "masterKey": "import-pg-master", "logLevel": "warn",
                                       "databaseURI": app_uri(postgres_database), "dataDir": str(tmp_path)}, env={}))
    partial = report_rows((await import_app(settings, ImportSources(dump=parse_dump.dump_dir))).render())
    assert partial["_User"] == (2, 2, 0, 0) and partial["_Join:visits:Chart"] == (2, 2, 0, 0)
    assert "Visit" not in partial

    full = await import_app(settings, ImportSources([parse_dump.export_dir], parse_dump.dump_dir,
                                                    parse_dump.schemas_file, old_server.files_url))
    rows = report_rows(full.render())
    assert rows["_User"] == (2, 0, 2, 0) and rows["Chart"] == (2, 0, 1, 1)
    assert rows["_Join:visits:Chart"] == (2, 0, 2, 0)
    assert rows["Visit"] == (3, 2, 0, 1)

    async with opened(settings) as state:
        async def schema(name: str) -> ClassSchema:
            found = await state.schemas.find_class(name)
            assert found is not None, name
            return found

        users = await state.storage.find(await schema("_User"), {}, FindOptions(sort=[("username", True)]))
        assert [user["objectId"] for user in users] == [USER_IDS["ann"], USER_IDS["ben"]]
        for user, name in zip(users, ("ann", "ben"), strict=True):
            assert await verify_password(PASSWORDS[name], user["_hashed_password"])
            assert not await verify_password("guess", user["_hashed_password"])
        chart = (await state.storage.find(await schema("Chart"), {"objectId": CHART_ID}, FindOptions()))[0]
        assert (chart["_rperm"], chart["_wperm"]) == (["role:radiology"], ["role:radiology"])
        assert chart["clinic"] == {"__type": "Pointer", "className": "Clinic", "objectId": "cNorth0001"}
        assert sorted(await state.storage.related_ids("Chart", "visits", [CHART_ID])) == list(VISIT_IDS)
        assert await state.storage.related_ids("_Role", "users", [ROLE_ID]) == [USER_IDS["ann"]]
        visit = (await state.storage.find(await schema("Visit"), {"objectId": VISIT_IDS[0]}, FindOptions()))[0]
        assert visit["xray"]["name"].endswith("_xray.png") and visit["xray"]["name"] != OLD_FILE_NAME
        assert (await schema("Visit")).fields["xray"] == {"type": "File"}
