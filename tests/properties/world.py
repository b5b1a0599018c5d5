"""The world the property suite runs in: one real server per storage adapter per module, the
callers (anonymous, owner A, stranger B, role member M, read-only master, master), classes with
every field type under different class-level permissions, seeded objects under different ACLs,
and the model the invariants are checked against.

The model is written from the generated ACLs and CLPs (Parse's rules, restated here on
purpose instead of asking `parse_compat.security`), so a policy bug cannot hide behind itself.
Stored state is read directly from the storage adapter, never through the API under test.
"""

from __future__ import annotations

import asyncio
import json
import os
from collections.abc import Coroutine
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import aiohttp
from aiohttp.test_utils import TestServer

from parse_compat.app import STATE_KEY, create_app
from parse_compat.storage.base import FindOptions
from tests.api.conftest import Client, Reply, make_settings

T = TypeVar("T")


def budget(examples: int) -> int:
    """The fixed example budget `make test` runs; `PROPERTY_SCALE=10` multiplies it for a longer,
    still deterministic, hunt by hand."""
    return examples * max(1, int(os.environ.get("PROPERTY_SCALE", "1")))
RO_KEY = "prop-read-only-key"
CALLERS = ("anon", "A", "B", "M", "ro", "master")
USERS = ("A", "B", "M")
ROLE = "members"

# Every field type of the schema format (ACL is the default field every class has).
DATA_FIELDS: dict[str, dict[str, Any]] = {
    "str": {"type": "String"}, "num": {"type": "Number"}, "flag": {"type": "Boolean"},
    "when": {"type": "Date"}, "obj": {"type": "Object"}, "arr": {"type": "Array"},
    "ptr": {"type": "Pointer", "targetClass": "Target"}, "rel": {"type": "Relation", "targetClass": "Target"},
    "file": {"type": "File"}, "geo": {"type": "GeoPoint"}, "poly": {"type": "Polygon"},
    "bytes": {"type": "Bytes"}, "owner": {"type": "Pointer", "targetClass": "_User"},
    # pointers at system and master-only classes (for include / keys / sub-queries)
    "cfg": {"type": "Pointer", "targetClass": "_GlobalConfig"}, "sess": {"type": "Pointer", "targetClass": "_Session"},
    "usr": {"type": "Pointer", "targetClass": "_User"}, "inst": {"type": "Pointer", "targetClass": "_Installation"},
    "job": {"type": "Pointer", "targetClass": "_JobStatus"}, "sec": {"type": "Pointer", "targetClass": "Secret"},
}
FIELD_TYPES = sorted({spec["type"] for spec in DATA_FIELDS.values()} | {"ACL"})
SYSTEM_POINTERS = {"cfg": "_GlobalConfig", "sess": "_Session", "usr": "_User", "inst": "_Installation",
                   "job": "_JobStatus", "sec": "Secret", "ptr": "Target", "owner": "_User"}
OPS = ("find", "count", "get", "create", "update", "delete", "addField")


def _open_clp(**changes: Any) -> dict[str, Any]:
    clp: dict[str, Any] = {op: {"*": True} for op in OPS}
    clp.update(changes)
    return clp


def data_clps(user_ids: dict[str, str]) -> dict[str, dict[str, Any]]:
    """The classes the writes and reads target, each with every field type."""
    a = user_ids["A"]
    return {
        "Open": _open_clp(),
        "Owned": {"get": {}, "find": {}, "count": {}, "create": {"requiresAuthentication": True}, "update": {},
                  "delete": {}, "addField": {}, "readUserFields": ["owner"], "writeUserFields": ["owner"]},
        "Guarded": _open_clp(create={"requiresAuthentication": True}, update={f"role:{ROLE}": True, a: True},
                             delete={f"role:{ROLE}": True}, addField={},
                             protectedFields={"*": ["str", "num"], f"role:{ROLE}": [], "userField:owner": ["num"]}),
        "Locked": {op: {} for op in OPS},
    }


DATA_CLASSES = ("Open", "Owned", "Guarded", "Locked")
TARGET_CLP = _open_clp(addField={})
SECRET_CLP = {op: {} for op in OPS}
SYSTEM_CLASSES = ("_User", "_Session", "_Role", "_Installation", "_GlobalConfig", "_JobStatus")
ALL_CLASSES = (*DATA_CLASSES, "Target", "Secret", *SYSTEM_CLASSES)

# ACL variants of seeded and generated objects ($A/$B: the users' ids; None: no ACL → public)
ACLS: dict[str, dict[str, Any] | None] = {
    "public": None,
    "A_rw": {"$A": {"read": True, "write": True}},
    "A_rw_pub_r": {"$A": {"read": True, "write": True}, "*": {"read": True}},
    "members_rw": {f"role:{ROLE}": {"read": True, "write": True}},
    "A_r": {"$A": {"read": True}},
    "B_rw": {"$B": {"read": True, "write": True}},
    "nobody": {},
}


@dataclass
class Seeded:
    class_name: str
    object_id: str
    acl: str
    owner: str
    marker: str


@dataclass
class World:
    """One running server and everything the properties need to talk about it."""

    loop: asyncio.AbstractEventLoop
    server: TestServer
    session: aiohttp.ClientSession
    api: Client
    adapter: str
    ids: dict[str, str] = field(default_factory=dict)      # caller name → user objectId
    tokens: dict[str, str] = field(default_factory=dict)   # caller name → session token
    clps: dict[str, dict[str, Any]] = field(default_factory=dict)
    seeded: list[Seeded] = field(default_factory=list)
    targets: dict[str, Seeded] = field(default_factory=dict)  # ACL name → Target object
    system_ids: dict[str, str] = field(default_factory=dict)  # cfg/sess/usr/inst/job/sec → objectId
    markers: dict[str, str] = field(default_factory=dict)     # secret markers of system objects
    files: dict[str, dict[str, str]] = field(default_factory=dict)  # uploader → File JSON

    def __repr__(self) -> str:
        return f"World({self.adapter})"

    @property
    def state(self) -> Any:
        return self.server.app[STATE_KEY]

    def run(self, coro: Coroutine[Any, Any, T]) -> T:
        return self.loop.run_until_complete(coro)

    def who(self, caller: str) -> dict[str, Any]:
        """Keyword arguments of `Client.request` for one caller."""
        if caller == "master":
            return {"master": True}
        if caller == "ro":
            return {"headers": {"X-Parse-Master-Key": RO_KEY}}
        if caller == "anon":
            return {}
        return {"session_token": self.tokens[caller]}

    async def call(self, caller: str, method: str, path: str, body: Any = None, **kw: Any) -> Reply:
        return await self.api.request(method, path, body, **self.who(caller), **kw)

    def acl(self, name: str) -> dict[str, Any] | None:
        acl = ACLS[name]
        if acl is None:
            return None
        return {self.ids[k[1:]] if k.startswith("$") else k: v for k, v in acl.items()}

    def pointer(self, class_name: str, object_id: str) -> dict[str, str]:
        return {"__type": "Pointer", "className": class_name, "objectId": object_id}

    # --- the model ---------------------------------------------------------------------------
    def group(self, caller: str) -> set[str]:
        if caller in ("anon", "ro", "master"):
            return {"*"}
        out = {"*", self.ids[caller]}
        if caller == "M":
            out.add(f"role:{ROLE}")
        return out

    def clp_allows(self, caller: str, class_name: str, op: str, owner: str | None) -> bool:
        """Parse's class-level permission for one caller, operation and (for pointer permissions)
        the object's `owner` caller name."""
        if caller == "master":
            return True
        if caller == "ro":
            return op in ("find", "count", "get")
        if class_name in SYSTEM_CLASSES or class_name == "Secret":
            raise AssertionError("system classes are modelled by their own tests")
        clp = self.clps[class_name]
        perms = clp.get(op, {})
        group = self.group(caller)
        if perms.get("*") or any(perms.get(entity) for entity in group):
            return True
        if perms.get("requiresAuthentication") and caller in USERS:
            return True
        fields = list(perms.get("pointerFields", []))
        fields += clp.get("readUserFields", []) if op in ("find", "count", "get") else []
        fields += clp.get("writeUserFields", []) if op in ("update", "delete") else []
        return bool(fields) and caller in USERS and owner == caller

    def acl_allows(self, caller: str, acl_name: str, access: str) -> bool:
        if caller in ("master", "ro"):
            return caller == "master" or access == "read"
        acl = self.acl(acl_name)
        if acl is None:
            return True
        return any(acl.get(entity, {}).get(access) for entity in self.group(caller))

    def may_write(self, caller: str, class_name: str, op: str, acl_name: str | None, owner: str | None) -> bool:
        if caller == "ro":
            return False
        if not self.clp_allows(caller, class_name, op, owner):
            return False
        return op == "create" or self.acl_allows(caller, acl_name or "public", "write")

    def may_read(self, caller: str, class_name: str, acl_name: str, owner: str, op: str = "find") -> bool:
        return self.clp_allows(caller, class_name, op, owner) and self.acl_allows(caller, acl_name, "read")

    def hidden(self, caller: str, class_name: str, owner: str | None) -> set[str]:
        """Protected fields of one object for one caller (intersection of the entries that apply)."""
        if caller in ("master", "ro"):
            return set()
        spec = self.clps[class_name].get("protectedFields") or {}
        group = self.group(caller)
        sets = [set(fields) for entity, fields in spec.items()
                if entity in group or (entity == "authenticated" and caller in USERS)
                or (entity == "userField:owner" and caller in USERS and owner == caller)]
        return set.intersection(*sets) if sets else set()

    def query_hidden(self, caller: str, class_name: str) -> set[str]:
        """Protected fields a query may not use (before `userField:` narrowing)."""
        if caller in ("master", "ro") or class_name not in self.clps:
            return set()
        spec = self.clps[class_name].get("protectedFields") or {}
        group = self.group(caller)
        sets = [set(fields) for entity, fields in spec.items()
                if entity in group or (entity == "authenticated" and caller in USERS)]
        return set.intersection(*sets) if sets else set()

    # --- stored state, straight from storage -------------------------------------------------
    async def snapshot(self, classes: tuple[str, ...] = ALL_CLASSES) -> dict[str, Any]:
        """Every stored object (and relation) of `classes`, and every class schema, as the
        storage adapter holds them."""
        state = self.state
        storage = state.storage
        schemas = {s.class_name: s for s in await storage.load_schemas()}
        out: dict[str, Any] = {"__schemas": {name: json.dumps(s.to_json(), sort_keys=True, default=str)
                                             for name, s in schemas.items()}}
        for name in classes:
            schema = schemas.get(name)
            if schema is None:
                out[name] = None
                continue
            docs = await storage.find(schema, {}, FindOptions())
            rows = {str(doc["objectId"]): _comparable(doc) for doc in docs}
            ids = list(rows)
            for fname, spec in schema.fields.items():
                if spec.get("type") == "Relation" and ids:
                    for oid in ids:
                        rows[oid]["__rel:" + fname] = sorted(await storage.related_ids(name, fname, [oid]))
            out[name] = rows
        return out


def _comparable(doc: dict[str, Any]) -> dict[str, Any]:
    return json.loads(json.dumps(doc, sort_keys=True, default=str))


def diff(before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    """Human-readable differences between two snapshots (class/object/field)."""
    out: list[str] = []
    for name in sorted(set(before) | set(after)):
        b, a = before.get(name), after.get(name)
        if b == a:
            continue
        if not isinstance(b, dict) or not isinstance(a, dict):
            out.append(f"{name}: {b!r} -> {a!r}")
            continue
        for oid in sorted(set(b) | set(a)):
            bo, ao = b.get(oid), a.get(oid)
            if bo == ao:
                continue
            if not isinstance(bo, dict) or not isinstance(ao, dict):
                out.append(f"{name}/{oid}: {'created' if bo is None else 'deleted' if ao is None else 'changed'}")
                continue
            for key in sorted(set(bo) | set(ao)):
                if bo.get(key) != ao.get(key):
                    out.append(f"{name}/{oid}.{key}: {bo.get(key)!r} -> {ao.get(key)!r}")
    return out


# --- building the world ----------------------------------------------------------------------
def full_values(world: World, owner: str, marker: str) -> dict[str, Any]:
    """A value of every field type (the `str` field carries the object's marker)."""
    sys_ptr = {name: world.pointer(cls, world.system_ids[name]) for name, cls in SYSTEM_POINTERS.items()
               if name in world.system_ids}
    return {
        "str": marker, "num": 7, "flag": True, "when": {"__type": "Date", "iso": "2030-01-02T03:04:05.000Z"},
        "obj": {"a": {"b": 1}, "note": marker + "-obj"}, "arr": [1, "two"],
        "ptr": world.pointer("Target", world.targets["public"].object_id),
        "file": world.files[owner], "geo": {"__type": "GeoPoint", "latitude": 10, "longitude": 20},
        "poly": {"__type": "Polygon", "coordinates": [[0, 0], [0, 1], [1, 1]]},
        "bytes": {"__type": "Bytes", "base64": "aGVsbG8="},
        "owner": world.pointer("_User", world.ids[owner]),
        **{k: v for k, v in sys_ptr.items() if k not in ("ptr", "owner")},
    }


async def _ok(reply: Reply, what: str, status: tuple[int, ...] = (200, 201)) -> Any:
    assert reply.status in status, (what, reply.status, reply.body)
    return reply.body


async def build(tmp_path: Path, adapter: str) -> World:
    settings = make_settings(tmp_path, adapter, schema=None, cloud="tests.properties.cloud_module",
                             readOnlyMasterKey=RO_KEY)
    server = TestServer(create_app(settings), host="127.0.0.1")
    await server.start_server()
    settings.serverURL = f"http://127.0.0.1:{server.port}/parse"
    settings.publicServerURL = settings.serverURL
    session = aiohttp.ClientSession()
    api = Client(session, settings.serverURL, server.app[STATE_KEY].storage.capabilities, server.app[STATE_KEY])
    world = World(asyncio.get_running_loop(), server, session, api, adapter)
    for name in USERS:
        body = await _ok(await api.post("/users", {"username": "user" + name, "password": "pw-" + name,
                                                   "email": f"{name.lower()}@example.com"}), "signup")
        world.ids[name], world.tokens[name] = body["objectId"], body["sessionToken"]
    await _ok(await api.post("/roles", {"name": ROLE, "ACL": {"*": {"read": True}}, "users": {
        "__op": "AddRelation", "objects": [world.pointer("_User", world.ids["M"])]}}, master=True), "role")
    for name in USERS:
        upload = await api.post(f"/files/{name.lower()}.txt", raw=b"file of " + name.encode(),
                                session_token=world.tokens[name], headers={"Content-Type": "text/plain"})
        body = await _ok(upload, "upload")
        world.files[name] = {"__type": "File", "name": body["name"]}
    world.markers["config"] = "mk-config-secret"
    await _ok(await api.put("/config", {"params": {"shown": "cfg-open", "hush": world.markers["config"]},
                                        "masterKeyOnly": {"hush": True}}, master=True), "config")
    world.system_ids["cfg"] = "1"
    world.markers["device"] = "mk-device-token"
    inst = await _ok(await api.post("/installations", {"installationId": "0f6a4e1c-aaaa-4bbb-8ccc-000000000001",
                                                        "deviceType": "ios", "deviceToken": world.markers["device"]},
                                     master=True), "installation")
    world.system_ids["inst"] = inst["objectId"]
    world.markers["job"] = "mk-job-status"
    job = await _ok(await api.post("/classes/_JobStatus", {"status": "running", "message": world.markers["job"]},
                                   master=True), "job status")
    world.system_ids["job"] = job["objectId"]
    me = await _ok(await api.get("/sessions/me", session_token=world.tokens["B"]), "session")
    world.system_ids["sess"] = me["objectId"]
    world.system_ids["usr"] = world.ids["B"]
    world.clps = data_clps(world.ids)
    for name, clp in (("Target", TARGET_CLP), ("Secret", SECRET_CLP)):
        await _ok(await api.post(f"/schemas/{name}", {"className": name, "fields": {"str": {"type": "String"},
                                                                                    "n": {"type": "Number"}},
                                                      "classLevelPermissions": clp}, master=True), "schema")
    secret = await _ok(await api.post("/classes/Secret", {"str": "mk-secret"}, master=True), "secret")
    world.system_ids["sec"] = secret["objectId"]
    world.markers["secret"] = "mk-secret"
    for acl_name in ACLS:
        marker = f"mk-Target-{acl_name}"
        body: dict[str, Any] = {"str": marker, "n": 1}
        if world.acl(acl_name) is not None:
            body["ACL"] = world.acl(acl_name)
        made = await _ok(await api.post("/classes/Target", body, master=True), "target")
        world.targets[acl_name] = Seeded("Target", made["objectId"], acl_name, "A", marker)
    for name in DATA_CLASSES:
        await _ok(await api.post(f"/schemas/{name}", {"className": name, "fields": DATA_FIELDS,
                                                      "classLevelPermissions": world.clps[name]}, master=True),
                  "schema " + name)
        for acl_name in ACLS:
            for owner in ("A", "B"):
                world.seeded.append(await seed(world, name, acl_name, owner, f"mk-{name}-{acl_name}-{owner}"))
    return world


async def seed(world: World, class_name: str, acl_name: str, owner: str, marker: str,
               target_acl: str = "public") -> Seeded:
    """One object with a value of every field type, stored by the master key."""
    body = full_values(world, owner, marker)
    body["ptr"] = world.pointer("Target", world.targets[target_acl].object_id)
    if world.acl(acl_name) is not None:
        body["ACL"] = world.acl(acl_name)
    made = await _ok(await world.api.post(f"/classes/{class_name}", body, master=True), "seed " + class_name)
    oid = made["objectId"]
    await _ok(await world.api.put(f"/classes/{class_name}/{oid}", {"rel": {
        "__op": "AddRelation", "objects": [world.pointer("Target", world.targets[target_acl].object_id)]}},
        master=True), "relation")
    return Seeded(class_name, oid, acl_name, owner, marker)


async def close(world: World) -> None:
    await world.session.close()
    await world.server.close()
