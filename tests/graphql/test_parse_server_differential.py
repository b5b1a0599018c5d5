"""Differential: Parse Server 9.10 (npm `parse-server`, on the local PostgreSQL) with GraphQL
mounted, and parse-compat, given the same dental schema through `/schemas`, must generate the
same GraphQL types for the dental classes (names, fields, arguments, input fields, enum values
and type signatures) and answer the same operations the same way once ids and dates are
normalised."""

from __future__ import annotations

import asyncio
import json
import os
import re
import signal
import socket
import subprocess
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from parse_compat.graphql.names import from_global_id

from .conftest import APP_ID, MASTER_KEY, Client

pytestmark = [pytest.mark.asyncio, pytest.mark.settings(schema=None, mountGraphQL=True)]
HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
PARSE_DIR = HERE / "parse_server"
ALIASES = {"User": "_User", "Role": "_Role"}
DENTAL = ("Patient", "TreatmentPlan", "XRayLog", "AppointmentReminder", "User")
PER_CLASS = ("{}", "{}Connection", "{}Edge", "{}WhereInput", "{}RelationWhereInput", "{}Order", "Create{}FieldsInput",
             "Update{}FieldsInput", "{}PointerInput", "{}RelationInput", "Create{}Input", "Create{}Payload",
             "Update{}Input", "Update{}Payload", "Delete{}Input", "Delete{}Payload")
SHARED = ("StringWhereInput", "NumberWhereInput", "BooleanWhereInput", "DateWhereInput", "IdWhereInput",
          "ArrayWhereInput", "ObjectWhereInput", "FileWhereInput", "BytesWhereInput", "GeoPointWhereInput",
          "PolygonWhereInput", "KeyValueInput", "SelectInput", "SubqueryInput", "TextInput", "SearchInput",
          "PageInfo", "ACL", "ACLInput", "UserACL", "RoleACL", "PublicACL", "UserACLInput", "RoleACLInput",
          "PublicACLInput", "Viewer", "FileInfo", "FileInput", "GeoPoint", "GeoPointInput", "ReadOptionsInput",
          "ReadPreference", "ParseObject", "Node", "Element", "SignUpInput", "SignUpPayload", "LogInInput",
          "LogInPayload", "LogOutInput", "LogOutPayload", "ResetPasswordInput", "ResetPasswordPayload")
ROOT_FIELDS = ("health", "viewer", "node", "signUp", "logIn", "logOut", "resetPassword")
TYPE_REF = "kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name } } } }"
INTROSPECT = f"""{{ __schema {{
  queryType {{ fields {{ name args {{ name type {{ {TYPE_REF} }} }} type {{ {TYPE_REF} }} }} }}
  mutationType {{ fields {{ name args {{ name type {{ {TYPE_REF} }} }} type {{ {TYPE_REF} }} }} }}
  types {{ name kind
    fields {{ name args {{ name type {{ {TYPE_REF} }} }} type {{ {TYPE_REF} }} }}
    inputFields {{ name type {{ {TYPE_REF} }} }}
    enumValues {{ name }} interfaces {{ name }} possibleTypes {{ name }} }} }} }}"""


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
async def parse_server(tmp_path: Path) -> AsyncIterator[str]:
    database = f"graphql_diff_{uuid.uuid4().hex[:10]}"
    subprocess.run(["createdb", "-h", "127.0.0.1", "-U", "postgres", database], check=True, capture_output=True)
    port = _free_port()
    log = (tmp_path / "parse-server.log").open("wb")
    process = subprocess.Popen(["node", str(PARSE_DIR / "start.mjs"), str(port),
                                f"postgres://postgres@127.0.0.1:5432/{database}", APP_ID, MASTER_KEY,
                                str(tmp_path / "parse-server-logs")],
                               cwd=PARSE_DIR, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        async with aiohttp.ClientSession() as session:
            for _ in range(300):
                try:
                    async with session.get(base + "/parse/health") as resp:
                        if resp.status == 200:
                            break
                except aiohttp.ClientError:
                    pass
                assert process.poll() is None, (tmp_path / "parse-server.log").read_text()[-3000:]
                await asyncio.sleep(0.1)
        yield base
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=10)
        log.close()
        subprocess.run(["dropdb", "-h", "127.0.0.1", "-U", "postgres", "--if-exists", database], capture_output=True)


async def _call(session: aiohttp.ClientSession, method: str, url: str, body: Any = None,
                headers: dict[str, str] | None = None, *, master: bool = True) -> tuple[int, Any]:
    hdrs = {"X-Parse-Application-Id": APP_ID, **({"X-Parse-Master-Key": MASTER_KEY} if master else {}),
            **(headers or {})}
    async with session.request(method, url, json=body, headers=hdrs) as resp:
        return resp.status, await resp.json(content_type=None)


async def _load_dental_schema(session: aiohttp.ClientSession, parse_base: str) -> None:
    """The template's classes, created through /schemas (identically on both servers)."""
    classes = json.loads((ROOT / "schema.json").read_text())["classes"]
    for spec in classes:
        name = ALIASES.get(spec["className"], spec["className"])
        fields = {key: {k: v for k, v in value.items() if not (k == "required" and v is False)}
                  for key, value in spec["fields"].items() if key not in ("objectId", "createdAt", "updatedAt")}
        if name == "_Role":
            continue
        if name == "_User":
            fields = {key: value for key, value in fields.items() if key not in ("username", "email", "password")}
            status, body = await _call(session, "PUT", f"{parse_base}/schemas/_User", {"fields": fields})
        else:
            status, body = await _call(session, "POST", f"{parse_base}/schemas/{name}",
                                       {"className": name, "fields": fields})
        assert status == 200, (parse_base, name, body)


def _ref(node: dict[str, Any] | None) -> str:
    if node is None:
        return ""
    if node["kind"] == "NON_NULL":
        return _ref(node["ofType"]) + "!"
    if node["kind"] == "LIST":
        return "[" + _ref(node["ofType"]) + "]"
    return str(node["name"])


def _fields(items: list[dict[str, Any]] | None) -> dict[str, Any]:
    return {item["name"]: (_ref(item["type"]), {a["name"]: _ref(a["type"]) for a in item.get("args") or []})
            for item in items or []}


def _shape(schema: dict[str, Any]) -> dict[str, Any]:
    types = {t["name"]: t for t in schema["types"]}
    wanted = [pattern.format(name) for name in DENTAL for pattern in PER_CLASS] + list(SHARED)
    out: dict[str, Any] = {}
    for name in wanted:
        found = types.get(name)
        out[name] = None if found is None else {
            "kind": found["kind"], "fields": _fields(found["fields"]), "inputFields": _fields(found["inputFields"]),
            "enumValues": sorted(v["name"] for v in found["enumValues"] or []),
            "interfaces": sorted(i["name"] for i in found["interfaces"] or []),
        }
    queries, mutations = _fields(schema["queryType"]["fields"]), _fields(schema["mutationType"]["fields"])
    roots = [pattern.format(n[0].lower() + n[1:]) for n in DENTAL for pattern in ("{}", "{}s")]
    out["Query"] = {name: queries.get(name) for name in [*roots, *ROOT_FIELDS] if name in queries or name in roots}
    out["Mutation"] = {name: mutations.get(name) for name in
                       [f"{verb}{n}" for n in DENTAL for verb in ("create", "update", "delete")] + list(ROOT_FIELDS)
                       if name in mutations or not name[0].islower() or name.startswith(("create", "update", "delete"))}
    return out


async def test_generated_types_match_parse_server(api: Client, parse_server: str) -> None:
    ours = api.base.rsplit("/parse", 1)[0]
    async with aiohttp.ClientSession() as session:
        for base in (parse_server + "/parse", api.base):
            await _load_dental_schema(session, base)
        shapes = []
        for base in (parse_server, ours):
            status, body = await _call(session, "POST", base + "/graphql", {"query": INTROSPECT})
            assert status == 200 and "errors" not in body, (base, str(body)[:2000])
            shapes.append(_shape(body["data"]["__schema"]))
    theirs, mine = shapes
    differences = {name: {"parse-server": theirs[name], "parse-compat": mine.get(name)}
                   for name in theirs if theirs[name] != mine.get(name)}
    assert not differences, json.dumps(differences, indent=1)[:6000]


class Normaliser:
    """Object ids (plain or inside global ids) → placeholders in order of appearance; dates and
    session tokens → fixed strings; so two servers' answers compare."""

    def __init__(self) -> None:
        self.ids: dict[str, str] = {}

    def placeholder(self, object_id: str) -> str:
        return self.ids.setdefault(object_id, f"<id{len(self.ids)}>")

    def __call__(self, value: Any, key: str = "") -> Any:
        if isinstance(value, dict):
            return {k: self(item, k) for k, item in sorted(value.items())}
        if isinstance(value, list):
            return [self(item, key) for item in value]
        if not isinstance(value, str):
            return value
        if re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z", value):
            return "<date>"
        if key == "sessionToken":
            return "<token>"
        if key == "objectId":
            return self.placeholder(value)
        if key in ("id", "userId"):
            decoded = from_global_id(value)
            return f"{decoded[0]}:{self.placeholder(decoded[1])}" if decoded else value
        return value


OPERATIONS: list[tuple[str, dict[str, Any]]] = [
    ('mutation($f: CreatePatientFieldsInput) { createPatient(input: {fields: $f}) { patient { id objectId name phone '
     'email createdAt updatedAt ACL { public { read write } users { userId } } } } }',
     {"f": {"name": "A", "email": "a@x.org", "phone": "1"}}),
    ('mutation($f: CreatePatientFieldsInput) { createPatient(input: {fields: $f, clientMutationId: "c2"}) '
     '{ clientMutationId patient { objectId name } } }', {"f": {"name": "B", "email": "b@x.org", "phone": "2"}}),
    ('mutation($f: CreatePatientFieldsInput) { createPatient(input: {fields: $f}) { patient { objectId } } }',
     {"f": {"name": "C", "email": "c@x.org", "phone": "3", "reminderOptOut": True}}),
    # parse-compat: each find has a `where`: Parse Server on PostgreSQL estimates unfiltered counts (pg_class)
    ("{ patients(where: {name: {exists: true}}, order: [name_DESC], first: 2) { count "
     "pageInfo { hasNextPage hasPreviousPage startCursor endCursor } edges { cursor node { name phone } } } }", {}),
    ('{ patients(where: {name: {exists: true}}, order: [name_DESC], first: 2, after: "YXJyYXljb25uZWN0aW9uOjA=") '
     "{ edges { cursor node { name } } pageInfo { hasNextPage hasPreviousPage } } }", {}),
    ('{ patients(where: {phone: {in: ["1", "3"]}}, order: [name_ASC]) { edges { node { name } } } }', {}),
    ('{ patients(where: {name: {matchesRegex: "^[ab]", options: "i"}}, order: [name_ASC], last: 1) '
     "{ count edges { node { name } } } }", {}),
    ('{ patients(where: {OR: [{name: {equalTo: "A"}}, {reminderOptOut: {equalTo: true}}]}, order: [phone_DESC]) '
     "{ edges { node { name reminderOptOut } } } }", {}),
    ("{ patients(where: {reminderOptOut: {exists: false}}, skip: 1, order: [createdAt_ASC]) "
     "{ edges { node { name } } } }", {}),
    ('mutation { createTreatmentPlan(input: {fields: {status: "open", treatmentDetails: "crown", '
     'patient: {createAndLink: {name: "D", email: "d@x.org", phone: "4"}}}}) { treatmentPlan { status patient '
     "{ name phone } } } }", {}),
    ('{ treatmentPlans(where: {patient: {have: {name: {equalTo: "D"}}}}) { count edges { node { status treatmentDetails'
     " patient { name } } } } }", {}),
    ('{ treatmentPlans(where: {patient: {have: {name: {equalTo: "A"}}}}) { count } }', {}),
    ('query { patient(id: "nope") { name } }', {}),
    ('mutation { signUp(input: {fields: {username: "u1", password: "pw-u1-123", email: "u1@x.org"}}) '
     "{ viewer { sessionToken user { username email } } } }", {}),
    ('mutation { logIn(input: {username: "u1", password: "pw-u1-123"}) { viewer { user { username } } } }', {}),
    ('mutation { logIn(input: {username: "u1", password: "wrong"}) { viewer { user { username } } } }', {}),
    ("{ health }", {}),
]


def _comparable(status: int, body: Any, normalise: Normaliser) -> Any:
    errors = [error.get("extensions", {}).get("code") for error in body.get("errors") or []]
    return {"status": status, "data": normalise(body.get("data")), "errorCodes": errors}


async def test_operations_answer_as_parse_server(api: Client, parse_server: str) -> None:
    ours = api.base.rsplit("/parse", 1)[0]
    async with aiohttp.ClientSession() as session:
        for base in (parse_server + "/parse", api.base):
            await _load_dental_schema(session, base)
        answers: list[list[Any]] = []
        for base in (parse_server, ours):
            normalise = Normaliser()
            seen = []
            for query, variables in OPERATIONS:
                as_master = not query.startswith(("mutation { signUp", "mutation { logIn"))  # users sign up themselves
                status, body = await _call(session, "POST", base + "/graphql", {"query": query, "variables": variables},
                                           master=as_master)
                seen.append(_comparable(status, body, normalise))
            answers.append(seen)
    differences = [{"operation": op[0][:100], "parse-server": theirs, "parse-compat": mine}
                   for op, theirs, mine in zip(OPERATIONS, *answers, strict=True) if theirs != mine]
    assert not differences, json.dumps(differences, indent=1)[:8000]
