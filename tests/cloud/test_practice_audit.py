"""Issue 12, the access audit trail: reads and writes of patient data leave `_Audit` entries
(who, what, when — field names, never values), `_Audit` is closed to every non-master route and
append-only even for the master key, and `patientAccessLog` shows an administrator the trail."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest

from parse_compat.audit import AuditLog, audit_of
from parse_compat.audit.journal import read_entries
from parse_compat.audit.log import journal_directory
from parse_compat.auth.identity import Auth
from parse_compat.cloud.sdk import CloudSDK
from parse_compat.errors import ParseError
from parse_compat.rest.context import RequestContext
from parse_compat.storage.base import FindOptions
from parse_compat.storage.sqlite.adapter import SQLiteAdapter

from .conftest import Client, Running
from .dental_support import Member, practice

SECRETS = ("Vera Secretname", "vera@patients.example", "555-0199")


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return {"cloud": "cloud_code"}


async def entries(running: Running, **where: Any) -> list[dict[str, Any]]:
    await audit_of(running.state).sync()
    reply = await running.client.get("/classes/_Audit", master=True,
                                     params={"where": json.dumps(where), "order": "seq", "limit": "1000"})
    assert reply.status == 200, reply.body
    return list(reply.body["results"])


async def new_patient(running: Running, who: Member) -> str:
    clinic_api = running.client
    reply = await clinic_api.post("/classes/Patient", {"name": SECRETS[0], "email": SECRETS[1], "phone": SECRETS[2]},
                                  session_token=who.token)
    assert reply.status == 201, reply.body
    return str(reply.body["objectId"])


def no_values(rows: list[dict[str, Any]]) -> None:
    text = json.dumps(rows)
    for secret in SECRETS:
        assert secret not in text


async def test_reading_a_patient_is_recorded_for_staff_admin_and_master(running: Running, api: Client) -> None:
    clinic = await practice(api)
    patient = await new_patient(running, clinic.staff1)
    before = len(await entries(running))
    assert (await clinic.as_(clinic.staff1, "GET", f"/classes/Patient/{patient}")).status == 200
    found = await clinic.as_(clinic.admin, "GET", "/classes/Patient",
                             params={"where": json.dumps({"objectId": patient})})
    assert [row["objectId"] for row in found.body["results"]] == [patient]
    assert (await api.get(f"/classes/Patient/{patient}", master=True)).status == 200
    rows = (await entries(running, targetId=patient))
    reads = [row for row in rows if row["action"] in ("get", "find")]
    assert [row.get("ids") for row in reads] == [None, [patient], None]
    assert [(row["action"], (row["user"] or {}).get("objectId"), row["master"]) for row in reads] == [
        ("get", clinic.staff1.id, False), ("find", clinic.admin.id, False), ("get", None, True)]
    assert reads[0]["roles"] == ["staff"] and reads[1]["roles"] == ["administrator"]
    assert all(row["targetClass"] == "Patient" and row["fields"] == [] for row in reads)
    assert reads[0]["session"] and not reads[0]["session"].startswith("r:")  # the session's objectId
    assert reads[0]["ip"] == "127.0.0.1"
    assert len(await entries(running)) == before + 3 + 0  # the master reads of _Audit are not recorded
    no_values(rows)


async def test_writes_are_recorded_with_field_names_only(running: Running, api: Client) -> None:
    clinic = await practice(api)
    patient = await new_patient(running, clinic.staff1)
    changed = await clinic.as_(clinic.staff1, "PUT", f"/classes/Patient/{patient}", {"phone": "555-0100"})
    assert changed.status == 200, changed.body
    plan = await clinic.record(clinic.staff1, "TreatmentPlan", patient)
    assert (await clinic.as_(clinic.admin, "DELETE", f"/classes/TreatmentPlan/{plan.body['objectId']}")).status == 200
    rows = await entries(running)
    created = next(row for row in rows if row["action"] == "create" and row["targetId"] == patient)
    assert {"name", "email", "phone", "owner", "ACL"} <= set(created["fields"])
    updated = [row for row in rows if row["action"] == "update" and row["targetId"] == patient]
    assert updated[0]["fields"] == ["phone"] and updated[0]["user"]["objectId"] == clinic.staff1.id
    deleted = [row for row in rows if row["action"] == "delete"]
    assert [(row["targetClass"], row["targetId"], row["user"]["objectId"]) for row in deleted] == [
        ("TreatmentPlan", plan.body["objectId"], clinic.admin.id)]
    no_values(rows)
    assert "555-0100" not in json.dumps(rows)


async def test_an_xray_download_is_recorded_against_its_xray_log(running: Running, api: Client) -> None:
    clinic = await practice(api)
    patient = await new_patient(running, clinic.staff1)
    upload = await api.post("/files/xray.png", raw=b"\x89PNG\r\n\x1a\n" + bytes(64), session_token=clinic.staff1.token,
                            headers={"Content-Type": "image/png"})
    assert upload.status == 201, upload.body
    xray = await clinic.record(clinic.staff1, "XRayLog", patient,
                               image={"__type": "File", "name": upload.body["name"], "url": upload.body["url"]})
    assert xray.status == 201, xray.body
    got = await running.client.session.get(upload.body["url"], headers={"X-Parse-Session-Token": clinic.staff1.token})
    assert got.status == 200
    await got.read()
    rows = [row for row in await entries(running, action="download")]
    assert [(row["targetClass"], row["targetId"], row["user"]["objectId"]) for row in rows] == [
        ("XRayLog", xray.body["objectId"], clinic.staff1.id)]


async def test_clients_cannot_reach_audit_by_any_route(running: Running, api: Client) -> None:
    clinic = await practice(api)
    patient = await new_patient(running, clinic.staff1)
    assert (await clinic.as_(clinic.staff1, "GET", f"/classes/Patient/{patient}")).status == 200
    rows = await entries(running)
    target = rows[-1]["objectId"]
    for who in (clinic.staff1, clinic.admin, None):
        for method, path, body in (("GET", "/classes/_Audit", None), ("GET", f"/classes/_Audit/{target}", None),
                                   ("POST", "/classes/_Audit", {"action": "get"}),
                                   ("PUT", f"/classes/_Audit/{target}", {"action": "x"}),
                                   ("DELETE", f"/classes/_Audit/{target}", None),
                                   ("GET", "/schemas/_Audit", None), ("DELETE", "/schemas/_Audit", None),
                                   ("POST", "/aggregate/_Audit", None)):
            reply = await clinic.as_(who, method, path, body)
            assert reply.status in (400, 401, 403, 404), (who, method, path, reply.body)
            assert "hash" not in json.dumps(reply.body)
        batch = await clinic.as_(who, "POST", "/batch", {"requests": [
            {"method": "GET", "path": f"/parse/classes/_Audit/{target}"},
            {"method": "PUT", "path": f"/parse/classes/_Audit/{target}", "body": {"action": "x"}},
            {"method": "DELETE", "path": f"/parse/classes/_Audit/{target}"}]})
        assert "hash" not in json.dumps(batch.body)
        assert all("error" in item for item in batch.body), batch.body
        for operator in ("$inQuery", "$notInQuery"):
            sub = await clinic.as_(who, "GET", "/classes/Patient", params={"where": json.dumps(
                {"owner": {operator: {"className": "_Audit", "where": {}}}})})
            assert sub.body.get("code") in ((119,) if who else (101, 119)), sub.body
        for operator in ("$select", "$dontSelect"):
            sub = await clinic.as_(who, "GET", "/classes/Patient", params={"where": json.dumps(
                {"name": {operator: {"query": {"className": "_Audit", "where": {}}, "key": "action"}}})})
            assert sub.body.get("code") in ((119,) if who else (101, 119)), sub.body
    # include through a pointer retargeted at _Audit (the master key made the pointer, public ACL)
    probe = await api.post("/classes/Probe", {"ref": {"__type": "Pointer", "className": "_Audit", "objectId": target}},
                           master=True)
    assert probe.status == 201, probe.body
    included = await clinic.as_(clinic.admin, "GET", f"/classes/Probe/{probe.body['objectId']}",
                                params={"include": "ref"})
    assert "hash" not in json.dumps(included.body) and included.body.get("code") == 119, included.body
    # the cloud SDK as a user
    user_ctx = RequestContext(running.state, Auth(user={"objectId": clinic.admin.id}, session_token=clinic.admin.token))
    with pytest.raises(ParseError) as refused:
        await CloudSDK(user_ctx).query("_Audit").find()
    assert refused.value.code == 119
    with pytest.raises(ParseError):
        await CloudSDK(user_ctx).get("_Audit", target)
    # nothing changed
    assert await entries(running, objectId=target) == [rows[-1]]


async def test_audit_is_append_only_even_for_the_master_key(running: Running, api: Client) -> None:
    clinic = await practice(api)
    patient = await new_patient(running, clinic.staff1)
    assert (await clinic.as_(clinic.staff1, "GET", f"/classes/Patient/{patient}")).status == 200
    target = (await entries(running))[-1]
    for method, path, body in (("POST", "/classes/_Audit", {"action": "get"}),
                               ("PUT", f"/classes/_Audit/{target['objectId']}", {"action": "x"}),
                               ("DELETE", f"/classes/_Audit/{target['objectId']}", None),
                               ("PUT", "/schemas/_Audit", {"fields": {"hash": {"__op": "Delete"}}}),
                               ("DELETE", "/schemas/_Audit", None), ("DELETE", "/purge/_Audit", None)):
        reply = await api.request(method, path, body, master=True)
        assert reply.status >= 400 and reply.body["code"] == 119, (method, reply.body)
    assert await entries(running, objectId=target["objectId"]) == [target]


async def test_patient_access_log_lists_the_patient_and_its_records_newest_first(running: Running,
                                                                                  api: Client) -> None:
    clinic = await practice(api)
    patient = await new_patient(running, clinic.staff1)
    other = await new_patient(running, clinic.staff2)
    second = await clinic.record(clinic.staff1, "TreatmentPlan", patient)
    plan = await clinic.record(clinic.staff1, "TreatmentPlan", patient)
    assert (await clinic.as_(clinic.staff1, "GET", f"/classes/TreatmentPlan/{plan.body['objectId']}")).status == 200
    assert (await clinic.as_(clinic.staff2, "GET", f"/classes/Patient/{other}")).status == 200
    assert (await clinic.as_(clinic.admin, "GET", f"/classes/Patient/{patient}")).status == 200
    refused = await clinic.as_(clinic.staff1, "POST", "/functions/patientAccessLog", {"patientId": patient})
    assert refused.body["code"] == 142
    plans = await clinic.as_(clinic.staff1, "GET", "/classes/TreatmentPlan")  # a find: one entry, every id
    assert len(plans.body["results"]) == 2
    reply = await clinic.as_(clinic.admin, "POST", "/functions/patientAccessLog", {"patientId": patient})
    assert reply.status == 200, reply.body
    got = reply.body["result"]["entries"]
    # the function's own lookups of the patient's records are recorded too (as the administrator's
    # finds); they show here only when a background flush stored them before it read the trail
    while got and got[0]["user"] == clinic.admin.id and got[0]["action"] == "find":
        got = got[1:]
    assert got[0]["action"] == "find" and got[0]["targetId"] is None and got[0]["user"] == clinic.staff1.id
    assert sorted(got[0]["ids"]) == sorted([plan.body["objectId"], second.body["objectId"]])
    got = got[1:]
    seen = [(row["action"], row["targetClass"], row["user"]) for row in got]
    assert seen[:3] == [("get", "Patient", clinic.admin.id), ("get", "TreatmentPlan", clinic.staff1.id),
                        ("create", "TreatmentPlan", clinic.staff1.id)]
    assert seen[-1] == ("create", "Patient", clinic.staff1.id)
    # between them: the second plan's create and the cloud code's reads of the patient while it checked
    # the plans (as staff1)
    assert ("create", "TreatmentPlan", clinic.staff1.id) in seen[3:-1]
    assert set(seen[3:-1]) <= {("get", "Patient", clinic.staff1.id), ("find", "Patient", clinic.staff1.id),
                               ("create", "TreatmentPlan", clinic.staff1.id)}
    assert [row["seq"] for row in got] == sorted((row["seq"] for row in got), reverse=True)
    assert other not in json.dumps(got)
    no_values(got)


async def test_sharing_and_exporting_name_the_administrator_who_did_it(running: Running, api: Client) -> None:
    clinic = await practice(api)
    patient = await new_patient(running, clinic.staff1)
    shared = await clinic.as_(clinic.staff1, "POST", "/functions/sharePatient",
                              {"patientId": patient, "userId": clinic.staff2.id, "access": "read"})
    assert shared.status == 200, shared.body
    exported = await clinic.as_(clinic.admin, "POST", "/functions/exportPatient", {"patientId": patient})
    assert exported.status == 200, exported.body
    rows = await entries(running, targetId=patient)
    named = [(row["action"], row["user"]["objectId"], row["fields"]) for row in rows if row["user"]
             and row["action"] in ("share", "export")]
    assert named == [("share", clinic.staff1.id, ["ACL"]), ("export", clinic.admin.id, [])]
    assert clinic.staff2.id not in json.dumps(rows)  # the share names the field, not the new ACL


async def test_cloud_code_reads_as_master_name_the_user_who_called_the_function(running: Running,
                                                                              api: Client) -> None:
    clinic = await practice(api)
    patient = await new_patient(running, clinic.staff1)
    plan = await clinic.record(clinic.staff1, "TreatmentPlan", patient)
    before = {row["objectId"] for row in await entries(running)}
    # patientAccessLog reads the patient's records with request.sdk.as_master()
    reply = await clinic.as_(clinic.admin, "POST", "/functions/patientAccessLog", {"patientId": patient})
    assert reply.status == 200, reply.body
    rows = [row for row in await entries(running) if row["objectId"] not in before]
    reads = {(row["action"], row["targetClass"], tuple(row["ids"] or [row["targetId"]])): row for row in rows}
    read = reads[("find", "TreatmentPlan", (plan.body["objectId"],))]
    assert (read["user"]["objectId"], read["master"], read["roles"]) == (clinic.admin.id, True, ["administrator"])
    assert read["session"] and read["ip"] == "127.0.0.1"
    assert all(row["user"]["objectId"] == clinic.admin.id and row["master"] for row in rows), rows


@pytest.mark.parametrize("ids", [2, 60])  # 60: past the inline IN list, the ids travel as one JSON parameter
async def test_patient_access_log_looks_entries_up_through_an_index(running: Running, api: Client, ids: int) -> None:
    clinic = await practice(api)
    await new_patient(running, clinic.staff1)
    await entries(running)
    storage, schema = running.state.storage, running.state.schemas.get("_Audit")
    assert schema is not None
    wanted = [f"id{n:08d}" for n in range(ids)]
    if isinstance(storage, SQLiteAdapter):
        sql, params = storage._select(schema, {"targetId": {"$in": wanted}},
                                      FindOptions(limit=1000, sort=[("seq", False)]))
        plan = " | ".join(str(row[-1]) for row in storage.db.execute("EXPLAIN QUERY PLAN " + sql, params))
        assert "USING INDEX" in plan and "targetId_1" in plan and "SCAN t" not in plan, plan
        # append-only, no ACL: no updatedAt or read-list index to write on every insert
        names = {row[1] for row in storage.db.execute("PRAGMA index_list('_Audit')")}
        assert not {'idx__Audit_updatedAt', 'idx__Audit__rperm_createdAt'} & names, names
    else:
        indexes = await storage.database["_Audit"].index_information()
        keys = {tuple(name for name, _direction in spec["key"]) for spec in indexes.values()}
        assert {("targetId",), ("ids",)} <= keys, keys


async def test_reads_are_journaled_at_once_and_stored_together_in_one_insert(
        running: Running, api: Client, monkeypatch: pytest.MonkeyPatch) -> None:
    clinic = await practice(api)
    patient = await new_patient(running, clinic.staff1)
    path = f"/classes/Patient/{patient}"
    log = audit_of(running.state)
    await log.pause()  # only sync() stores from here on
    await log.sync()
    writes = running.state.services.server_writes
    batches: list[int] = []
    insert_many = writes.insert_many

    async def counted(schema: Any, docs: list[Any]) -> None:
        batches.append(len(docs))
        await insert_many(schema, docs)
    monkeypatch.setattr(writes, "insert_many", counted)
    replies = await asyncio.gather(*(api.get(path, master=True) for _ in range(8)))
    assert [reply.status for reply in replies] == [200] * 8
    assert batches == []  # answered without waiting for the store...
    lines = journal_lines(running)
    # ...each one journaled first
    assert [line["targetId"] for line in lines if line["action"] == "get"] == [patient] * 8
    text = json.dumps(lines)
    assert clinic.staff1.token not in text and "r:" not in text  # sessions by id, never by token
    no_values(lines)
    assert len([row for row in await entries(running, targetId=patient) if row["action"] == "get"]) == 8
    assert batches == [8]  # one multi-row insert for all of them
    assert journal_lines(running) == []  # the journal keeps only what is not stored yet


def journal_lines(running: Running) -> list[dict[str, Any]]:
    directory = journal_directory(running.state.settings)
    return [entry for path in sorted(directory.glob("*.jsonl")) for entry in read_entries(path)]


def record_reads(running: Running, *ids: str) -> None:
    log = audit_of(running.state)
    for object_id in ids:
        log.record_as("get", "Patient", [object_id], user_id=None, roles=None, token=None, ip="127.0.0.1",
                      master=True, read_only=False)


async def test_a_failed_store_keeps_the_entries_for_the_next_attempt(
        running: Running, monkeypatch: pytest.MonkeyPatch) -> None:
    log = audit_of(running.state)
    await log.pause()
    writes = running.state.services.server_writes
    insert_many = writes.insert_many

    async def failing(schema: Any, docs: list[Any]) -> None:
        raise OSError("disk full")
    monkeypatch.setattr(writes, "insert_many", failing)
    record_reads(running, "retried1", "retried2")
    with pytest.raises(OSError):
        await log.sync()
    record_reads(running, "later3")
    assert [line["targetId"] for line in journal_lines(running)] == ["retried1", "retried2", "later3"]
    monkeypatch.setattr(writes, "insert_many", insert_many)
    stored = [row["targetId"] for row in await entries(running, action="get")]
    assert stored[-3:] == ["retried1", "retried2", "later3"]  # kept, in order, and stored by the next attempt
    assert journal_lines(running) == []


async def test_a_read_that_cannot_be_journaled_is_not_answered(running: Running, api: Client,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    clinic = await practice(api)
    patient = await new_patient(running, clinic.staff1)
    log = audit_of(running.state)

    def full(line: bytes) -> None:
        raise OSError(28, "No space left on device")
    monkeypatch.setattr(log._journal, "append", full)
    reply = await api.get(f"/classes/Patient/{patient}", session_token=clinic.staff1.token)
    assert reply.status == 500
    assert SECRETS[0] not in json.dumps(reply.body)


async def test_entries_left_in_the_journal_by_a_process_that_died_are_stored_at_the_next_start(
        running: Running) -> None:
    log = audit_of(running.state)
    await log.pause()
    await log.sync()
    record_reads(running, "orphan1", "orphan2")
    log._journal.close(keep=True)  # the process "dies": its journal stays, unlocked, nothing stored
    log._lines.clear()
    log._tokens.clear()
    other = AuditLog(running.state, log.classes, None)  # the next process on the same database
    await other.open()
    try:
        stored = [row["targetId"] for row in await entries(running, action="get")]
        assert stored[-2:] == ["orphan1", "orphan2"]
        assert journal_lines(running) == []
    finally:
        await other.stop()
        log._journal.open()  # so the fixture's shutdown finds an open journal


async def test_purging_an_audited_class_is_recorded(running: Running, api: Client) -> None:
    clinic = await practice(api)
    await new_patient(running, clinic.staff1)
    assert (await api.delete("/purge/Patient", master=True)).status == 200
    purges = [row for row in await entries(running, action="purge")]
    assert [(row["targetClass"], row.get("targetId"), row["master"]) for row in purges] == [("Patient", None, True)]
    assert (await api.get("/classes/Patient", master=True)).body["results"] == []
