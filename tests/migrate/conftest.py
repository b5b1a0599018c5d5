"""A dental practice's app on SQLite, made through the REST API of a real server: staff users
(bcrypt hashes, sessions), an administrator role (relation rows), patients readable by their
owner and the role only, an x-ray with a stored file, a clinic with a relation to its staff,
an invoice with numbers, a date, a geopoint, an array and a nested object, and the `_Audit`
entries these writes and reads leave. `serve` starts a server on any stored app."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp.test_utils import TestServer

from parse_compat.app import create_app
from tests.api.conftest import Client, make_settings

PASSWORDS = {"ann": "ann-molar-2024", "ben": "ben-incisor-2024"}
FILE_BYTES = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 40


@dataclass
class DentalApp:
    data_dir: Path  # the database is data_dir/test.db, its files data_dir/files
    users: dict[str, str] = field(default_factory=dict)  # username → objectId
    tokens: dict[str, str] = field(default_factory=dict)  # username → session token
    patients: list[str] = field(default_factory=list)  # ann's patients
    xray: str = ""
    file_name: str = ""

    @property
    def uri(self) -> str:
        return f"sqlite:///{self.data_dir / 'test.db'}"


@asynccontextmanager
async def serve(data_dir: Path, database_uri: str | None = None) -> AsyncIterator[Client]:
    """A server on the app stored at `database_uri` (default: data_dir/test.db), files in data_dir/files."""
    overrides: dict[str, Any] = {"databaseURI": database_uri} if database_uri else {}
    settings = make_settings(data_dir, "sqlite", **overrides)
    server = TestServer(create_app(settings), host="127.0.0.1")
    await server.start_server()
    settings.serverURL = settings.publicServerURL = f"http://127.0.0.1:{server.port}/parse"
    try:
        async with aiohttp.ClientSession() as session:
            yield Client(session, settings.serverURL)
    finally:
        await server.close()


def pointer(class_name: str, object_id: str) -> dict[str, str]:
    return {"__type": "Pointer", "className": class_name, "objectId": object_id}


async def make_dental_app(data_dir: Path, patients: int = 6) -> DentalApp:
    app = DentalApp(data_dir)
    async with serve(data_dir) as api:
        for name, password in PASSWORDS.items():
            reply = await api.post("/users", {"username": name, "password": password,
                                              "email": f"{name}@clinic.example"})
            assert reply.status == 201, reply.body
            app.users[name], app.tokens[name] = reply.body["objectId"], reply.body["sessionToken"]
        ann, ben = app.users["ann"], app.users["ben"]
        role = await api.post("/roles", {"name": "administrator", "ACL": {"*": {"read": True}},
                                         "users": {"__op": "AddRelation", "objects": [pointer("_User", ann)]}},
                              master=True)
        assert role.status == 201, role.body
        acl = {ann: {"read": True, "write": True}, "role:administrator": {"read": True}}
        for index in range(patients):
            reply = await api.post("/classes/Patient", {
                "name": f"Patient {index}", "email": f"p{index}@example.com", "phone": f"555-01{index:02d}",
                "owner": pointer("_User", ann), "reminderOptOut": index % 2 == 0, "ACL": acl},
                session_token=app.tokens["ann"])
            assert reply.status == 201, reply.body
            app.patients.append(reply.body["objectId"])
        upload = await api.post("/files/xray.png", raw=FILE_BYTES, session_token=app.tokens["ann"],
                                headers={"Content-Type": "image/png"})
        assert upload.status == 201, upload.body
        app.file_name = upload.body["name"]
        xray = await api.post("/classes/XRayLog", {
            "patient": pointer("Patient", app.patients[0]), "fileUrl": "-",
            "xrayDate": {"__type": "Date", "iso": "2024-05-01T10:00:00.000Z"},
            "image": {"__type": "File", "name": app.file_name}, "ACL": acl}, session_token=app.tokens["ann"])
        assert xray.status == 201, xray.body
        app.xray = xray.body["objectId"]
        clinic = await api.post("/classes/Clinic", {
            "name": "North",
            "staff": {"__op": "AddRelation", "objects": [pointer("_User", ann), pointer("_User", ben)]}}, master=True)
        assert clinic.status == 201, clinic.body
        for name, staff in (("South", [pointer("_User", ann)]), ("East", [])):  # fewer staff than clinics
            body: dict[str, Any] = {"name": name}
            if staff:
                body["staff"] = {"__op": "AddRelation", "objects": staff}
            assert (await api.post("/classes/Clinic", body, master=True)).status == 201
        invoice = await api.post("/classes/Invoice", {
            "amount": 120.5, "visits": 3, "paid": False, "lines": ["crown", 2, {"fee": 40.0}],
            "detail": {"tooth": 14, "notes": None, "codes": ["D2740"]}, "where": {"__type": "GeoPoint",
            "latitude": 40.5, "longitude": -73.25}, "due": {"__type": "Date", "iso": "2024-06-01T00:00:00.000Z"},
            "patient": pointer("Patient", app.patients[1])}, master=True)
        assert invoice.status == 201, invoice.body
        listed = await api.get("/classes/Patient", session_token=app.tokens["ann"])  # audited reads
        assert listed.status == 200 and len(listed.body["results"]) == patients
    return app


def report_rows(report: str) -> dict[str, tuple[int, int | None, str]]:
    """The printed report's table: label → (source count, target count or None, result)."""
    rows: dict[str, tuple[int, int | None, str]] = {}
    for line in report.splitlines()[1:]:
        parts = line.split()
        if len(parts) >= 5 and parts[1].isdigit() and (parts[2].isdigit() or parts[2] == "-"):
            rows[parts[0]] = (int(parts[1]), int(parts[2]) if parts[2].isdigit() else None, parts[4])
    return rows
