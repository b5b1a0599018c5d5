"""Round trip with Parse Server 9.10 on one PostgreSQL database: Parse Server (npm `parse-server`,
with its own file-system files adapter, `FileSystemAdapter`) writes a dental-like app through its
REST API — every field type, ACL'd rows, roles (one inherited), users with passwords and an
anonymous one, sessions, relations, a file, the config, webhooks, an installation. parse-compat,
started on the same database, files directory, port, appId and masterKey, must answer every read
and a set of queries exactly as Parse did, enforce the ACLs Parse stored, log in with the
passwords Parse hashed and follow its relations; then it writes (every type again, relations, an
ACL, an unset, a create, a delete, users, a role member, a file, config, webhooks) and Parse Server,
started again, must answer all of that exactly as parse-compat did.

The two servers never run at the same time; each is a real process (`node`, `python -m
parse_compat`) on the same port, so file URLs are comparable as they are.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from tests.api.server_process import free_port
from tests.postgres.database import server_uri, session_database

ROOT = Path(__file__).resolve().parents[2]
PARSE_MODULES = ROOT / "tests" / "graphql" / "parse_server" / "node_modules"
START_PARSE = Path(__file__).resolve().parent / "start_parse_server.mjs"
APP_ID = "dental-roundtrip"
MASTER_KEY = "dental-roundtrip-master"
STARTUP_TIMEOUT = 30.0
PHOTO = b"panoramic x-ray of the lower jaw\n"
SCAN = b"intraoral scan, tooth 36\n"
KIOSK = {"authData": {"anonymous": {"id": "6f0c1d2e-3a4b-4c5d-8e6f-70819a2b3c4d"}}}  # an anonymous user
TABLET = {"authData": {"anonymous": {"id": "9a8b7c6d-5e4f-4a3b-9c2d-1e0f2a3b4c5d"}}}

postgres_database = session_database("parse_roundtrip")
USERS = ("dr_lee", "nurse_kim", "receptionist", "outsider")
APP_CLASSES = ("Patient", "XRay", "_User", "_Role", "_Session")

SCHEMAS = {
    "XRay": {"tooth": {"type": "Number"}, "note": {"type": "String"}},
    "Patient": {
        "name": {"type": "String"}, "age": {"type": "Number"}, "balance": {"type": "Number"},
        "insured": {"type": "Boolean"}, "birthDate": {"type": "Date"}, "chart": {"type": "Object"},
        "allergies": {"type": "Array"}, "dentist": {"type": "Pointer", "targetClass": "_User"},
        "xrays": {"type": "Relation", "targetClass": "XRay"}, "photo": {"type": "File"},
        "clinic": {"type": "GeoPoint"}, "jaw": {"type": "Polygon"}, "signature": {"type": "Bytes"},
    },
}


class Api:
    """Parse's REST API on 127.0.0.1:<port>/parse, whichever server answers it."""

    def __init__(self, port: int) -> None:
        self.base = f"http://127.0.0.1:{port}/parse"

    def call(self, method: str, path: str, body: Any = None, *, master: bool = False,
             session: str | None = None) -> tuple[int, Any]:
        headers = {"X-Parse-Application-Id": APP_ID, "Content-Type": "application/json"}
        if master:
            headers["X-Parse-Master-Key"] = MASTER_KEY
        if session:
            headers["X-Parse-Session-Token"] = session
        data = None if body is None else json.dumps(body).encode()
        return self._send(urllib.request.Request(self.base + path, data=data, method=method, headers=headers))

    def upload(self, name: str, content: bytes) -> tuple[int, Any]:
        headers = {"X-Parse-Application-Id": APP_ID, "X-Parse-Master-Key": MASTER_KEY,
                   "Content-Type": "text/plain"}
        return self._send(urllib.request.Request(f"{self.base}/files/{urllib.parse.quote(name)}", data=content,
                                                 method="POST",
                                                 headers=headers))

    @staticmethod
    def download(url: str) -> bytes:
        request = urllib.request.Request(url, headers={"X-Parse-Application-Id": APP_ID,
                                                       "X-Parse-Master-Key": MASTER_KEY})
        with urllib.request.urlopen(request, timeout=10) as resp:
            return bytes(resp.read())

    @staticmethod
    def _send(request: urllib.request.Request) -> tuple[int, Any]:
        try:
            with urllib.request.urlopen(request, timeout=10) as resp:
                return resp.status, json.loads(resp.read() or b"null")
        except urllib.error.HTTPError as exc:
            return exc.code, json.loads(exc.read() or b"null")

    def ok(self, method: str, path: str, body: Any = None, **kwargs: Any) -> Any:
        status, answer = self.call(method, path, body, **kwargs)
        assert status in (200, 201), (method, path, status, answer)
        return answer

    def query(self, path: str, where: dict[str, Any] | None = None, **kwargs: Any) -> list[dict[str, Any]]:
        params = "?order=createdAt&limit=1000"
        if where is not None:
            params += "&where=" + urllib.parse.quote(json.dumps(where))
        return list(self.ok("GET", path + params, **kwargs)["results"])


class Servers:
    """Starts one server at a time on the same port, database and files directory."""

    def __init__(self, tmp: Path, database_uri: str) -> None:
        self.tmp = tmp
        self.database_uri = database_uri
        self.port = free_port()
        self.api = Api(self.port)
        (tmp / "files").mkdir()

    @contextmanager
    def parse_server(self) -> Iterator[Api]:
        command = ["node", str(START_PARSE), str(self.port), self.database_uri, APP_ID, MASTER_KEY,
                   str(self.tmp / "parse-server-logs"), str(PARSE_MODULES)]
        with self._running(command, "parse-server.log"):
            yield self.api

    @contextmanager
    def parse_compat(self) -> Iterator[Api]:
        command = [sys.executable, "-m", "parse_compat", "--appId", APP_ID, "--masterKey", MASTER_KEY,
                   "--port", str(self.port), "--host", "127.0.0.1", "--serverURL", self.api.base,
                   "--databaseURI", self.database_uri, "--filesAdapter", f"local:{self.tmp / 'files'}",
                   "--dataDir", str(self.tmp / "compat"), "--schema", "", "--cloud", "", "--logLevel", "warn"]
        with self._running(command, "parse-compat.log"):
            yield self.api

    @contextmanager
    def _running(self, command: list[str], log_name: str) -> Iterator[None]:
        log_path = self.tmp / log_name
        with log_path.open("ab") as log:
            process = subprocess.Popen(command, cwd=self.tmp, stdout=log, stderr=subprocess.STDOUT,
                                       start_new_session=True, env={**os.environ, "PYTHONPATH": str(ROOT)})
        try:
            self._wait_healthy(process, log_path)
            yield
        finally:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
                process.wait(timeout=15)

    def _wait_healthy(self, process: subprocess.Popen[bytes], log_path: Path) -> None:
        deadline = time.monotonic() + STARTUP_TIMEOUT
        while time.monotonic() < deadline:
            assert process.poll() is None, log_path.read_text()[-3000:]
            try:
                with urllib.request.urlopen(self.api.base + "/health", timeout=1) as resp:
                    if resp.status == 200:
                        return
            except OSError:
                pass
            time.sleep(0.1)
        raise AssertionError(f"{log_path.name}: no answer on /health\n" + log_path.read_text()[-3000:])


@pytest.fixture
def servers(tmp_path: Path, postgres_database: str) -> Servers:
    return Servers(tmp_path, f"{server_uri()}/{postgres_database}")


def pointer(class_name: str, object_id: str) -> dict[str, str]:
    return {"__type": "Pointer", "className": class_name, "objectId": object_id}


def snapshot(api: Api) -> dict[str, Any]:
    """Everything the master key reads back, per class, in creation order; the config, the
    installations and the webhooks (without `updatedAt`, see hook_entries)."""
    return {
        "config": api.ok("GET", "/config", master=True),
        "_Installation": api.query("/installations", master=True),
        "hooks": hook_entries(api),
        "Patient": api.query("/classes/Patient", master=True),
        "XRay": api.query("/classes/XRay", master=True),
        "_User": api.query("/users", master=True),
        "_Role": api.query("/roles", master=True),
        "_Session": api.query("/sessions", master=True),
    }


def hook_entries(api: Api) -> list[dict[str, Any]]:
    # Known difference (parse_compat/webhooks): parse-compat's write pipeline stamps the hook rows
    # it writes with createdAt/updatedAt, which Parse Server (which stamps neither) then lists;
    # the test compares what a hook is.
    hooks = api.ok("GET", "/hooks/functions", master=True)
    return sorted(({"functionName": h["functionName"], "url": h["url"]} for h in hooks),
                  key=lambda h: h["functionName"])


def app_schemas(api: Api) -> dict[str, Any]:
    """The app's classes as `/schemas` answers them."""
    return {schema["className"]: schema for schema in api.ok("GET", "/schemas", master=True)["results"]
            if schema["className"] in APP_CLASSES}


def without_id_index(schemas: dict[str, Any]) -> dict[str, Any]:
    # parse-compat: /schemas lists the primary key index as `_id_` (as Parse does on MongoDB);
    # Parse Server on PostgreSQL lists none.
    out = {}
    for name, schema in schemas.items():
        indexes = {k: v for k, v in schema.get("indexes", {}).items() if k != "_id_"}
        out[name] = {**{k: v for k, v in schema.items() if k != "indexes"}, **({"indexes": indexes} if indexes else {})}
    return out


def related_xrays(api: Api, patient_id: str, **kwargs: Any) -> list[str]:
    where = {"$relatedTo": {"object": pointer("Patient", patient_id), "key": "xrays"}}
    return sorted(x["objectId"] for x in api.query("/classes/XRay", where, **kwargs))


def role_users(api: Api, role_id: str) -> list[str]:
    where = {"$relatedTo": {"object": pointer("_Role", role_id), "key": "users"}}
    return sorted(u["username"] for u in api.query("/users", where, master=True))


def query_cases(app: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """Queries on the values Parse Server wrote, answered by each server from the same rows.
    (Not here: `$nearSphere` / `$centerSphere`, which Parse Server runs with PostGIS functions — a
    500 without PostGIS; equality with an element of a mixed-type Array, a 500 in Parse Server;
    a dotted path with a numeric key (`chart.teeth.36`), which Parse Server reads as an array
    index and so never matches an Object.)"""
    dentist = pointer("_User", app["ids"]["dr_lee"])
    cases: list[tuple[str, dict[str, Any]]] = [
        ("/classes/Patient", {"where": {"age": {"$gt": 40}}, "order": "-age"}),
        ("/classes/Patient", {"where": {"clinic": {"$within": {"$box": [
            {"__type": "GeoPoint", "latitude": 50, "longitude": 20},
            {"__type": "GeoPoint", "latitude": 53, "longitude": 22}]}}}}),
        ("/classes/Patient", {"where": {"jaw": {"$geoIntersects": {"$point": {
            "__type": "GeoPoint", "latitude": 3.5, "longitude": 3.0}}}}}),
        ("/classes/Patient", {"where": {"allergies": {"$all": ["penicillin", 7]}}}),
        ("/classes/Patient", {"where": {"chart.plan.phase": "implant"}}),
        ("/classes/Patient", {"where": {"chart.plan.visits": {"$gte": 2}}}),
        ("/classes/Patient", {"where": {"name": {"$regex": "^ada", "$options": "i"}}}),
        ("/classes/Patient", {"where": {"dentist": dentist}, "include": "dentist"}),
        ("/classes/Patient", {"where": {"birthDate": {"$lt": {"__type": "Date", "iso": "1990-01-01T00:00:00Z"}}}}),
        ("/classes/Patient", {"where": {"$or": [{"insured": False}, {"balance": {"$gte": 100}}]}, "keys": "name,age"}),
        ("/classes/Patient", {"where": {"photo": {"$exists": True}, "signature": {"$exists": True}}}),
        ("/classes/Patient", {"where": {"age": {"$in": [30, 61]}}, "count": "1", "limit": "1", "order": "age"}),
        ("/classes/Patient", {"where": {"dentist": {"$inQuery": {"where": {"username": "dr_lee"},
                                                                   "className": "_User"}}}}),
        ("/classes/XRay", {"where": {"note": {"$text": {"$search": {"$term": "caries"}}}}}),
        ("/classes/XRay", {"order": "-tooth", "skip": "1"}),
    ]
    return cases


def answers(api: Api, cases: list[tuple[str, dict[str, Any]]]) -> list[Any]:
    out = []
    for path, params in cases:
        query = urllib.parse.urlencode({k: json.dumps(v) if k == "where" else v for k, v in params.items()})
        out.append(api.call("GET", f"{path}?{query}", master=True))
    return out


def write_with_parse_server(api: Api) -> dict[str, Any]:
    """The app as Parse Server writes it; returns the ids and tokens the later steps need."""
    for name, fields in SCHEMAS.items():
        api.ok("POST", f"/schemas/{name}", {"className": name, "fields": fields}, master=True)
    users = {name: api.ok("POST", "/users", {"username": name, "password": f"{name}-pw-1",
                                             "email": f"{name}@clinic.test"})
             for name in USERS}
    ids = {name: user["objectId"] for name, user in users.items()}
    # the receptionist is staff through a child role: staff.roles holds reception
    reception = api.ok("POST", "/roles", {"name": "reception", "ACL": {"*": {"read": True}}, "users": {
        "__op": "AddRelation", "objects": [pointer("_User", ids["receptionist"])]}}, master=True)
    staff = api.ok("POST", "/roles", {"name": "staff", "ACL": {"*": {"read": True}}, "users": {
        "__op": "AddRelation", "objects": [pointer("_User", ids["nurse_kim"])]}, "roles": {
        "__op": "AddRelation", "objects": [pointer("_Role", reception["objectId"])]}}, master=True)
    xrays = [api.ok("POST", "/classes/XRay", {"tooth": tooth, "note": note})["objectId"]
             for tooth, note in ((36, "caries distal"), (11, "root fill ok"), (48, "impacted"))]
    # names with a space and an @: stored raw, URL-encoded in the url and on disk (FileSystemAdapter)
    photo = api.upload("x ray@lower jaw.txt", PHOTO)
    assert photo[0] == 201, photo
    assert photo[1]["name"].endswith("_x ray@lower jaw.txt") and photo[1]["url"].endswith("_x%20ray%40lower%20jaw.txt")
    file = {"__type": "File", "name": photo[1]["name"], "url": photo[1]["url"]}
    private = {"name": "Ada Kowalska", "age": 42, "balance": 120.5, "insured": True,
               "birthDate": {"__type": "Date", "iso": "1983-04-05T06:07:08.009Z"},
               "chart": {"teeth": {"36": "crown"}, "notes": ["sensitive"], "plan": {"phase": "implant", "visits": 3},
                         "lastVisit": {"__type": "Date", "iso": "2025-01-02T03:04:05.678Z"}},
               "allergies": ["penicillin", 7, {"kind": "latex"}], "dentist": pointer("_User", ids["dr_lee"]),
               "xrays": {"__op": "AddRelation", "objects": [pointer("XRay", x) for x in xrays[:2]]},
               "photo": file, "clinic": {"__type": "GeoPoint", "latitude": 52.2297, "longitude": 21.0122},
               "jaw": {"__type": "Polygon", "coordinates": [[1.5, 2.5], [3.5, 4.5], [5.5, 2.5], [1.5, 2.5]]},
               "signature": {"__type": "Bytes", "base64": "c2lnbmVkIGJ5IEFkYQ=="},
               "ACL": {ids["dr_lee"]: {"read": True, "write": True}, "role:staff": {"read": True}}}
    api.ok("PUT", "/config", {"params": {"clinicName": "Smile Dental", "slotsPerDay": 12},
                              "masterKeyOnly": {"slotsPerDay": True}}, master=True)
    for function, url in (("sendReminder", "https://hooks.clinic.test/remind"),
                          ("billInsurer", "https://hooks.clinic.test/bill")):
        api.ok("POST", "/hooks/functions", {"functionName": function, "url": url}, master=True)
    api.ok("POST", "/installations", {"deviceType": "ios", "channels": ["reception"],
                                      "installationId": "5d1e0b6a-7c1f-4b7e-9a51-2f3c9e0d4a11"}, master=True)
    kiosk = api.ok("POST", "/users", KIOSK)["objectId"]
    p_private = api.ok("POST", "/classes/Patient", private, master=True)["objectId"]
    p_public = api.ok("POST", "/classes/Patient", {"name": "Public Demo", "age": 30, "insured": False},
                      master=True)["objectId"]
    p_doctor = api.ok("POST", "/classes/Patient", {
        "name": "Jan Nowak", "age": 61, "ACL": {ids["dr_lee"]: {"read": True, "write": True}}}, master=True)["objectId"]
    return {"kiosk": kiosk, "ids": ids, "tokens": {name: user["sessionToken"] for name, user in users.items()},
            "staff": staff["objectId"], "xrays": xrays, "private": p_private, "public": p_public,
            "doctor": p_doctor}


def check_reads_and_acls(api: Api, app: dict[str, Any], server: str) -> None:
    """What every server must do with the app: passwords, sessions, ACLs, roles, relations."""
    tokens = {name: api.ok("GET", "/login?" + urllib.parse.urlencode({"username": name, "password": f"{name}-pw-1"}))
              ["sessionToken"] for name in USERS}
    status, refused = api.call("GET", "/login?username=dr_lee&password=wrong")
    assert (status, refused["code"]) == (404, 101), (server, refused)
    # the sessions created by Parse Server at sign-up are valid tokens here too
    me = api.ok("GET", "/users/me", session=app["tokens"]["dr_lee"])
    assert me["username"] == "dr_lee", server

    status, hidden = api.call("GET", f"/classes/Patient/{app['private']}", session=tokens["outsider"])
    assert (status, hidden["code"]) == (404, 101), (server, "outsider read a private row")
    for name in ("dr_lee", "nurse_kim", "receptionist"):
        api.ok("GET", f"/classes/Patient/{app['private']}", session=tokens[name])
    status, _ = api.call("PUT", f"/classes/Patient/{app['private']}", {"age": 1}, session=tokens["nurse_kim"])
    assert status == 404, (server, "the role grants read only")
    visible = sorted(p["objectId"] for p in api.query("/classes/Patient", session=tokens["outsider"]))
    assert visible == app["outsider_sees"], server
    assert role_users(api, app["staff"]) == app["staff_members"], server
    assert related_xrays(api, app["private"], session=tokens["dr_lee"]) == app["related"], server


def write_with_parse_compat(api: Api, app: dict[str, Any]) -> None:
    """parse-compat changes the app: every type, relations, an ACL, a create, a delete, a user,
    a file, a role member."""
    ids, xrays = app["ids"], app["xrays"]
    scan = api.upload("scan @36.txt", SCAN)
    assert scan[0] == 201, scan
    assert scan[1]["name"].endswith("_scan @36.txt") and scan[1]["url"].endswith("_scan%20%4036.txt")
    app["scan_url"] = scan[1]["url"]
    api.ok("PUT", f"/classes/Patient/{app['private']}", {
        "name": "Ada Kowalska-Nowak", "age": {"__op": "Increment", "amount": 1}, "balance": 99.25,
        "insured": False, "birthDate": {"__type": "Date", "iso": "1983-04-06T00:00:00.000Z"},
        "chart": {"teeth": {"36": "extracted", "11": "filled"}, "notes": []},
        "allergies": {"__op": "AddUnique", "objects": ["ibuprofen"]},
        "dentist": pointer("_User", ids["nurse_kim"]),
        "xrays": {"__op": "AddRelation", "objects": [pointer("XRay", xrays[2])]},
        "photo": {"__type": "File", "name": scan[1]["name"], "url": scan[1]["url"]},
        "clinic": {"__type": "GeoPoint", "latitude": -33.8688, "longitude": 151.2093},
        "jaw": {"__type": "Polygon", "coordinates": [[0, 0], [0, 10], [10, 10], [10, 0], [0, 0]]},
        "signature": {"__type": "Bytes", "base64": "cmUtc2lnbmVk"},
    }, master=True)
    api.ok("PUT", f"/classes/Patient/{app['private']}", {
        "xrays": {"__op": "RemoveRelation", "objects": [pointer("XRay", xrays[0])]}}, master=True)
    app["related"] = sorted(xrays[1:])
    app["outsider_sees"] = [app["doctor"]]
    api.ok("PUT", f"/classes/Patient/{app['doctor']}", {
        "age": {"__op": "Delete"},
        "ACL": {ids["dr_lee"]: {"read": True, "write": True}, ids["outsider"]: {"read": True}}}, master=True)
    api.ok("DELETE", f"/classes/Patient/{app['public']}", master=True)
    app["created"] = api.ok("POST", "/classes/Patient", {
        "name": "Adam Nowy", "age": 7, "balance": 0.5, "insured": True,
        "birthDate": {"__type": "Date", "iso": "2018-09-10T11:12:13.140Z"},
        "chart": {"milkTeeth": 20, "plan": {"phase": "implant", "visits": 2}},
        "allergies": [], "dentist": pointer("_User", ids["dr_lee"]),
        "xrays": {"__op": "AddRelation", "objects": [pointer("XRay", xrays[0])]},
        "photo": {"__type": "File", "name": scan[1]["name"], "url": scan[1]["url"]},
        "clinic": {"__type": "GeoPoint", "latitude": 0, "longitude": 0},
        "jaw": {"__type": "Polygon", "coordinates": [[1, 1], [1, 2], [2, 2], [1, 1]]},
        "signature": {"__type": "Bytes", "base64": "AAEC"},
        "ACL": {"role:staff": {"read": True, "write": True}}}, master=True)["objectId"]
    api.ok("PUT", "/config", {"params": {"clinicName": "Smile Dental Group"}}, master=True)
    api.ok("PUT", "/hooks/functions/sendReminder", {"url": "https://hooks.clinic.test/remind-v2"}, master=True)
    api.ok("PUT", "/hooks/functions/billInsurer", {"__op": "Delete"}, master=True)
    api.ok("POST", "/hooks/functions", {"functionName": "notifyLab", "url": "https://hooks.clinic.test/lab"},
           master=True)
    installation = api.query("/installations", master=True)[0]["objectId"]
    api.ok("PUT", f"/installations/{installation}", {"channels": ["reception", "surgery"], "badge": 2},
           master=True)
    status, kiosk = api.call("POST", "/users", KIOSK)  # the same anonymous user logs in again
    assert (status, kiosk["objectId"]) == (200, app["kiosk"]), kiosk
    app["tablet"] = api.ok("POST", "/users", TABLET)["objectId"]
    hygienist = api.ok("POST", "/users", {"username": "hygienist_ola", "password": "hygienist_ola-pw-1"})
    api.ok("PUT", f"/roles/{app['staff']}", {"users": {
        "__op": "AddRelation", "objects": [pointer("_User", hygienist["objectId"])]}}, master=True)
    app["staff_members"] = ["hygienist_ola", "nurse_kim"]


def test_parse_server_database_round_trips_through_parse_compat(servers: Servers) -> None:
    with servers.parse_server() as api:
        app = write_with_parse_server(api)
        app["staff_members"] = ["nurse_kim"]
        app["related"] = sorted(app["xrays"][:2])
        app["outsider_sees"] = [app["public"]]
        check_reads_and_acls(api, app, "parse-server")
        written_by_parse = snapshot(api)
        schemas_by_parse = app_schemas(api)
        parse_answers = answers(api, query_cases(app))
        assert api.download(written_by_parse["Patient"][0]["photo"]["url"]) == PHOTO
    assert [path.name for path in (servers.tmp / "files").iterdir() if "ray" in path.name][0].endswith(
        "_x%20ray%40lower%20jaw.txt")

    with servers.parse_compat() as api:
        assert snapshot(api) == written_by_parse
        assert without_id_index(app_schemas(api)) == schemas_by_parse
        for case, parse_answer, compat_answer in zip(query_cases(app), parse_answers, answers(api, query_cases(app)),
                                                     strict=True):
            assert compat_answer == parse_answer, case
        assert api.download(written_by_parse["Patient"][0]["photo"]["url"]) == PHOTO
        check_reads_and_acls(api, app, "parse-compat")
        write_with_parse_compat(api, app)
        check_reads_and_acls(api, app, "parse-compat")
        written_by_compat = snapshot(api)
        compat_answers = answers(api, query_cases(app))
    assert [path.name for path in (servers.tmp / "files").iterdir() if "scan" in path.name][0].endswith(
        "_scan%20%4036.txt")

    with servers.parse_server() as api:
        assert snapshot(api) == written_by_compat
        assert written_by_compat["hooks"] == [
            {"functionName": "notifyLab", "url": "https://hooks.clinic.test/lab"},
            {"functionName": "sendReminder", "url": "https://hooks.clinic.test/remind-v2"}]
        assert written_by_compat["config"]["params"] == {"clinicName": "Smile Dental Group", "slotsPerDay": 12}
        assert written_by_compat["_Installation"][0]["channels"] == ["reception", "surgery"]
        assert "age" not in next(p for p in written_by_compat["Patient"] if p["objectId"] == app["doctor"])
        assert app_schemas(api) == schemas_by_parse
        for case, compat_answer, parse_answer in zip(query_cases(app), compat_answers, answers(api, query_cases(app)),
                                                     strict=True):
            assert parse_answer == compat_answer, case
        assert api.download(app["scan_url"]) == SCAN
        check_reads_and_acls(api, app, "parse-server")
        outsider = api.ok("GET", "/login?username=outsider&password=outsider-pw-1")["sessionToken"]
        api.ok("GET", f"/classes/Patient/{app['doctor']}", session=outsider)
        hygienist = api.ok("GET", "/login?username=hygienist_ola&password=hygienist_ola-pw-1")["sessionToken"]
        api.ok("GET", f"/classes/Patient/{app['private']}", session=hygienist)
        api.ok("PUT", f"/classes/Patient/{app['created']}", {"age": 8}, session=hygienist)
        status, tablet = api.call("POST", "/users", TABLET)
        assert (status, tablet["objectId"]) == (200, app["tablet"]), tablet
        status, gone = api.call("GET", f"/classes/Patient/{app['public']}", master=True)
        assert (status, gone["code"]) == (404, 101)
