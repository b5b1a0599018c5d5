"""`parse-compat migrate` there and back: a dental app on SQLite copied to PostgreSQL (Parse
Server's layout) or MongoDB (mongomock-motor; a real server with PARSE_COMPAT_TEST_MONGO_URI),
then back to a new SQLite file. Every class, relation and the file store match at each step,
the audit chain verifies on the middle store, and a server started on the final copy lets the
staff log in with their original passwords, keeps ACLs, roles and sessions, and serves the x-ray."""

from __future__ import annotations

import io
import os
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from parse_compat.audit.cli import run_verify
from parse_compat.migrate.cli import migrate
from parse_compat.migrate.copy import MigrationOptions
from parse_compat.migrate.stores import Endpoint, files_identity
from parse_compat.settings import build_settings, resolve
from parse_compat.storage.mongo import MongoAdapter
from parse_compat.storage.mongo.connection import create_client
from tests.contract.conftest import MONGO_URI_ENV, unique_database_uri
from tests.postgres.database import app_uri, session_database

from .conftest import FILE_BYTES, PASSWORDS, DentalApp, make_dental_app, pointer, report_rows, serve

postgres_database = session_database("migrate")


@pytest.fixture(scope="module")
def dental(tmp_path_factory: pytest.TempPathFactory) -> DentalApp:
    import asyncio

    return asyncio.run(make_dental_app(tmp_path_factory.mktemp("dental")))


async def run(source: Endpoint, target: Endpoint, data_dir: Path, **options: bool) -> tuple[int, str]:
    out = io.StringIO()
    status = await migrate(source, target, MigrationOptions(**options), data_dir, out)
    return status, out.getvalue()


async def audit_verifies(uri: str, data_dir: Path) -> None:
    """`parse-compat audit verify` on that store."""
    out = io.StringIO()
    settings = build_settings(resolve({"appId": "migrate", "masterKey": "migrate-master", "databaseURI": uri,
                                       "dataDir": str(data_dir)}, env={}))
    assert await run_verify(settings, out) == 0, out.getvalue()
    assert "audit chain intact: 8 entries" in out.getvalue()


def assert_all_match(report: str) -> None:
    rows = report_rows(report)
    assert {"_User", "_Role", "_Session", "_Audit", "Patient", "XRayLog", "Clinic", "Invoice", "_Join:users:_Role",
            "_Join:staff:Clinic", "(files)", "(schemas)"} <= set(rows), report
    assert all(result == "ok" for *_, result in rows.values()), report
    assert rows["Patient"][:2] == (6, 6) and rows["_Join:staff:Clinic"][:2] == (3, 3)
    assert rows["_User"][:2] == (2, 2) and rows["_Session"][:2] == (2, 2) and rows["(files)"][:2] == (1, 1)
    assert "verification: every class matches" in report


@pytest.fixture
async def middle(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Endpoint]:
    """The store in the middle of the round trip, with its own file store."""
    if request.param == "postgres":
        database = request.getfixturevalue("postgres_database")
        yield Endpoint.of(app_uri(database), f"local:{tmp_path / 'middle-files'}", tmp_path)
        return
    real = os.environ.get(MONGO_URI_ENV)
    if real:  # a real MongoDB: its own database, dropped afterwards (files in its GridFS)
        uri = unique_database_uri(real, f"pc_migrate_{uuid.uuid4().hex[:12]}")
        yield Endpoint.of(uri, None, tmp_path)
        cleanup = MongoAdapter(uri)
        await cleanup.connect()
        await cleanup.drop_database()
        await cleanup.close()
        return
    # mongomock keeps data per client: both migrations share one (files in its GridFS)
    uri = f"mongomock://migrate{uuid.uuid4().hex[:12]}"
    yield Endpoint(uri, MongoAdapter(uri, client=create_client(uri)), "", files_identity("", uri, tmp_path))


@pytest.mark.parametrize("middle", ["postgres", "mongo"], indirect=True)
async def test_an_app_goes_there_and_back(dental: DentalApp, middle: Endpoint, tmp_path: Path) -> None:
    status, report = await run(Endpoint.of(dental.uri, None, dental.data_dir), middle, dental.data_dir)
    assert status == 0, report
    assert_all_match(report)
    assert "copied 24 rows" in report

    if middle.uri.startswith("postgres"):  # the audit CLI opens the store by URI (not a shared mock client)
        await audit_verifies(middle.uri, tmp_path)

    back = tmp_path / "back"
    middle_again = Endpoint(middle.uri, middle.storage, middle.files_spec, middle.files_id)
    status, report = await run(middle_again, Endpoint.of(str(back / "test.db"), None, back), back)
    assert status == 0, report
    assert_all_match(report)
    await audit_verifies(f"sqlite:///{back / 'test.db'}", back)

    async with serve(back) as api:
        login = await api.post("/login", {"username": "ann", "password": PASSWORDS["ann"]})
        assert login.status == 200, login.body
        token = login.body["sessionToken"]
        wrong = await api.post("/login", {"username": "ann", "password": "not-her-password"})
        assert wrong.status == 404
        patients = await api.get("/classes/Patient", session_token=token)
        assert sorted(row["objectId"] for row in patients.body["results"]) == sorted(dental.patients)
        assert patients.body["results"][0]["ACL"] == {dental.users["ann"]: {"read": True, "write": True},
                                                      "role:administrator": {"read": True}}
        ben = await api.get("/classes/Patient", session_token=dental.tokens["ben"])  # his session came along
        assert ben.status == 200 and ben.body["results"] == []
        me = await api.get("/users/me", session_token=dental.tokens["ben"])
        assert me.status == 200 and me.body["username"] == "ben"
        roles = await api.get("/roles", params={"where": {"users": pointer("_User", dental.users["ann"])}},
                              master=True)
        assert [role["name"] for role in roles.body["results"]] == ["administrator"]
        clinics = (await api.get("/classes/Clinic", master=True)).body["results"]
        for clinic in clinics:
            staff = await api.get("/users", master=True, params={"where": {"$relatedTo": {
                "object": pointer("Clinic", clinic["objectId"]), "key": "staff"}}})
            assert sorted(user["username"] for user in staff.body["results"]) == {
                "North": ["ann", "ben"], "South": ["ann"], "East": []}[clinic["name"]]
        xray = await api.get(f"/classes/XRayLog/{dental.xray}", session_token=token)
        assert xray.body["image"]["name"] == dental.file_name
        async with api.session.get(xray.body["image"]["url"]) as response:
            assert response.status == 200
            assert await response.read() == FILE_BYTES
