"""Issue 10, "Permission first": the write-side exploits, each refused with a Parse error and
nothing stored, through the one write pipeline (the dental template's cloud code is loaded)."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest

from parse_compat.auth.identity import Auth
from parse_compat.cloud.sdk import CloudSDK
from parse_compat.errors import ParseError
from parse_compat.rest.context import RequestContext
from parse_compat.storage.base import FindOptions
from tests.cloud.dental_support import STAFF, Practice, date_in, pointer, practice

from .conftest import Client


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return {"cloud": "cloud_code"}


@pytest.fixture
async def clinic(api: Client) -> Practice:
    return await practice(api)


async def sessions_of(api: Client, user_id: str) -> list[dict[str, Any]]:
    where = json.dumps({"user": pointer("_User", user_id)})
    reply = await api.get("/sessions", master=True, params={"where": where})
    assert reply.status == 200, reply.body
    return list(reply.body["results"])


async def stored(api: Client, class_name: str, object_id: str) -> dict[str, Any]:
    reply = await api.get(f"/classes/{class_name}/{object_id}", master=True)
    assert reply.status == 200, reply.body
    return dict(reply.body)


# --- exploit 1: a dotted key makes a session for someone else -------------------------------------
@pytest.mark.parametrize("body", [
    {"user.objectId": "ADMIN"},
    {"user": {"__type": "Pointer", "className": "_User", "objectId": "ADMIN"}},
    {"sessionToken": "r:chosen"},
    {"installationId": "someone-elses-device"},
])
async def test_a_client_cannot_create_a_session_for_another_user(clinic: Practice, body: dict[str, Any]) -> None:
    api = clinic.api
    body = json.loads(json.dumps(body).replace("ADMIN", clinic.admin.id))
    before = await sessions_of(api, clinic.admin.id)
    mine_before = await sessions_of(api, clinic.staff1.id)
    for path in ("/sessions", "/classes/_Session"):
        reply = await clinic.as_(clinic.staff1, "POST", path, body)
        assert reply.status == 400 and reply.body["code"] == 105, reply.body
    batched = await clinic.as_(clinic.staff1, "POST", "/batch", {"requests": [
        {"method": "POST", "path": "/parse/sessions", "body": body}]})
    assert batched.body[0]["error"]["code"] == 105, batched.body
    assert await sessions_of(api, clinic.admin.id) == before
    assert len(await sessions_of(api, clinic.staff1.id)) == len(mine_before)


# --- exploit 9: server-owned session fields ------------------------------------------------------
async def test_a_client_cannot_set_expires_at_or_other_server_fields_of_its_session(clinic: Practice) -> None:
    api = clinic.api
    forever = {"__type": "Date", "iso": "2999-01-01T00:00:00.000Z"}
    for body in ({"expiresAt": forever}, {"createdWith": {"action": "login"}}, {"restricted": False}):
        created = await clinic.as_(clinic.staff1, "POST", "/sessions", body)
        assert created.status == 400 and created.body["code"] == 105, created.body
    assert all(s.get("expiresAt") != forever for s in await sessions_of(api, clinic.staff1.id))
    me = await api.get("/sessions/me", session_token=clinic.staff1.token)
    session_id, expires = me.body["objectId"], me.body.get("expiresAt")
    for body, code in (({"expiresAt": forever}, 105), ({"expiresAt.iso": forever["iso"]}, 111),
                       ({"user.objectId": clinic.admin.id}, 111), ({"sessionToken": "r:x"}, 105),
                       ({"restricted": True}, 105)):
        reply = await clinic.as_(clinic.staff1, "PUT", f"/sessions/{session_id}", body)
        assert reply.status == 400 and reply.body["code"] == code, (body, reply.body)
    again = await stored(api, "_Session", session_id)
    assert again.get("expiresAt") == expires and again["user"]["objectId"] == clinic.staff1.id


# --- exploit 6: dotted keys into Pointer and Date fields -------------------------------------------
async def test_dotted_keys_into_pointer_date_file_and_acl_fields_are_refused(clinic: Practice) -> None:
    mine = await clinic.patient(clinic.staff1, "Mine")
    theirs = await clinic.patient(clinic.staff2, "Theirs")
    plan = (await clinic.record(clinic.staff1, "TreatmentPlan", mine)).body["objectId"]
    reminder = (await clinic.record(clinic.staff1, "AppointmentReminder", mine)).body["objectId"]
    plan_before = await stored(clinic.api, "TreatmentPlan", plan)
    reminder_before = await stored(clinic.api, "AppointmentReminder", reminder)
    for class_name, object_id, body in (
        ("TreatmentPlan", plan, {"patient.objectId": theirs}),
        ("TreatmentPlan", plan, {"patient.className": "_User"}),
        ("TreatmentPlan", plan, {f"ACL.{clinic.staff2.id}": {"read": True, "write": True}}),
        ("TreatmentPlan", plan, {"createdAt.iso": "2000-01-01T00:00:00.000Z"}),
        ("AppointmentReminder", reminder, {"appointmentDate.iso": "2001-01-01T00:00:00.000Z"}),
    ):
        reply = await clinic.as_(clinic.staff1, "PUT", f"/classes/{class_name}/{object_id}", body)
        assert reply.status == 400 and reply.body["code"] == 111, (body, reply.body)
    assert await stored(clinic.api, "TreatmentPlan", plan) == plan_before
    assert await stored(clinic.api, "AppointmentReminder", reminder) == reminder_before


async def test_dotted_keys_into_object_fields_still_work(api: Client) -> None:
    created = await api.post("/classes/Note", {"meta": {"a": 1}}, master=True)
    reply = await api.put(f"/classes/Note/{created.body['objectId']}", {"meta.b": 2, "extra.c": 3}, master=True)
    assert reply.status == 200, reply.body
    note = await stored(api, "Note", created.body["objectId"])
    assert note["meta"] == {"a": 1, "b": 2} and note["extra"] == {"c": 3}
    schema = await api.get("/schemas/Note", master=True)
    assert schema.body["fields"]["extra"]["type"] == "Object"  # a missing head becomes an Object, as in Parse
    refused = await api.post("/classes/Note", {"meta.b": 2}, master=True)
    assert refused.body["code"] == 105


# --- exploit 7: no trigger runs for a caller who may not write --------------------------------------
async def test_an_update_without_write_access_runs_no_trigger(clinic: Practice) -> None:
    patient = await clinic.patient(clinic.staff1)
    plan = (await clinic.record(clinic.staff1, "TreatmentPlan", patient)).body["objectId"]
    before = await stored(clinic.api, "TreatmentPlan", plan)
    for body in ({"status": "not-a-status"}, {"status": "planned"}, {"treatmentDetails": "x"}):
        reply = await clinic.as_(clinic.staff2, "PUT", f"/classes/TreatmentPlan/{plan}", body)
        # the same answer as for an id that does not exist: beforeSave (and its validator) never ran
        assert reply.status == 404 and reply.body == {"code": 101, "error": "Object not found."}, reply.body
    missing = await clinic.as_(clinic.staff2, "PUT", "/classes/TreatmentPlan/doesNotExist", {"status": "x"})
    assert missing.body == {"code": 101, "error": "Object not found."}
    assert await stored(clinic.api, "TreatmentPlan", plan) == before


# --- exploit 15: beforeDelete only after the permission check ----------------------------------------
async def test_deleting_someone_elses_patient_answers_101_whether_it_exists_or_not(clinic: Practice) -> None:
    patient = await clinic.patient(clinic.staff1)
    existing = await clinic.as_(clinic.staff2, "DELETE", f"/classes/Patient/{patient}")
    missing = await clinic.as_(clinic.staff2, "DELETE", "/classes/Patient/doesNotExist")
    assert existing.status == missing.status == 404
    assert existing.body == missing.body == {"code": 101, "error": "Object not found."}
    await stored(clinic.api, "Patient", patient)
    own = await clinic.as_(clinic.staff1, "DELETE", f"/classes/Patient/{patient}")
    assert own.status == 400 and own.body["code"] == 119  # the caller may write it: now the rule speaks


# --- exploit 11: an ACL set by beforeSave is echoed ---------------------------------------------------
async def test_a_create_echoes_the_acl_its_before_save_set(clinic: Practice) -> None:
    reply = await clinic.as_(clinic.staff1, "POST", "/classes/Patient",
                             {"name": "Pat", "email": "pat@patients.example", "phone": "555"})
    assert reply.status == 201, reply.body
    expected = {clinic.staff1.id: STAFF, "role:administrator": STAFF}
    assert reply.body["ACL"] == expected
    assert (await clinic.acl_of("Patient", reply.body["objectId"])) == expected


# --- exploit 14: rules see the original that is overwritten ---------------------------------------------
async def test_two_updates_of_one_plan_in_one_batch_are_each_checked_against_the_real_original(
        clinic: Practice) -> None:
    patient = await clinic.patient(clinic.staff1)
    plan = (await clinic.record(clinic.staff1, "TreatmentPlan", patient, status="planned")).body["objectId"]
    path = f"/parse/classes/TreatmentPlan/{plan}"
    reply = await clinic.as_(clinic.staff1, "POST", "/batch", {"requests": [
        {"method": "PUT", "path": path, "body": {"status": "completed"}},
        {"method": "PUT", "path": path, "body": {"status": "in_progress"}},
    ]})
    assert reply.status == 200, reply.body
    # whichever order they land in, no stored status ever moved backwards past the rule
    assert (await stored(clinic.api, "TreatmentPlan", plan))["status"] == "completed"
    outcomes = [("success" in item, item.get("error", {}).get("code")) for item in reply.body]
    assert outcomes in ([(True, None), (False, 142)], [(True, None), (True, None)]), reply.body


# --- Deliver 5: other server-owned fields -------------------------------------------------------------
async def test_server_owned_user_fields_cannot_be_set_by_clients(clinic: Practice) -> None:
    me = clinic.staff1
    for body, code in (({"emailVerified": True}, 119), ({"emailVerified.x": 1}, 111),
                       ({"_failed_login_count": 0}, 105), ({"_account_lockout_expires_at": date_in(days=1)}, 105),
                       ({"_perishable_token": "t"}, 105), ({"_email_verify_token": "t"}, 105),
                       ({"_hashed_password": "x"}, 105), ({"authData.facebook": {"id": "1"}}, 252),
                       ({"authData.anonymous.id": "x"}, 252), ({"authData": {"facebook": {"id": "1"}}}, 252)):
        reply = await clinic.as_(me, "PUT", f"/users/{me.id}", body)
        assert reply.status >= 400 and reply.body["code"] == code, (body, reply.body)
    user = await stored(clinic.api, "_User", me.id)
    assert "authData" not in user and user.get("emailVerified") in (None, False)


async def test_a_role_keeps_its_name(api: Client) -> None:
    role = await api.post("/roles", {"name": "Nurses", "ACL": {"*": {"read": True}}}, master=True)
    assert role.status == 201, role.body
    renamed = await api.put(f"/roles/{role.body['objectId']}", {"name": "administrator"}, master=True)
    assert renamed.status == 400 and renamed.body["code"] == 136, renamed.body
    same = await api.put(f"/roles/{role.body['objectId']}", {"name": "Nurses"}, master=True)
    assert same.status == 200
    assert (await stored(api, "_Role", role.body["objectId"]))["name"] == "Nurses"


async def test_installation_ids_cannot_be_reached_by_dotted_keys(api: Client) -> None:
    created = await api.post("/installations", {"installationId": "abc", "deviceType": "ios"})
    assert created.status == 201, created.body
    object_id = created.body["objectId"]
    for body, code in (({"installationId.x": "y"}, 111), ({"deviceToken": "other"}, 136),
                       ({"installationId": "other"}, 136)):
        reply = await api.put(f"/installations/{object_id}", body)
        assert reply.status == 400 and reply.body["code"] == code, (body, reply.body)
    assert (await stored(api, "_Installation", object_id))["installationId"] == "abc"


async def test_the_cloud_sdk_writes_through_the_same_rules(clinic: Practice) -> None:
    state = clinic.api.state
    user = (await state.storage.find(state.schemas.get("_User"), {"objectId": clinic.staff2.id},
                                     FindOptions(limit=1)))[0]
    sdk = CloudSDK(RequestContext(state, Auth(user=user)))
    mine = await clinic.patient(clinic.staff2, "Mine")
    theirs = await clinic.patient(clinic.staff1, "Theirs")
    plan = (await clinic.record(clinic.staff2, "TreatmentPlan", mine)).body["objectId"]
    theirs_plan = (await clinic.record(clinic.staff1, "TreatmentPlan", theirs)).body["objectId"]
    with pytest.raises(ParseError) as dotted:
        await sdk.update("TreatmentPlan", plan, {"patient.objectId": theirs})
    assert dotted.value.code == 111
    with pytest.raises(ParseError) as not_writable:
        await sdk.update("TreatmentPlan", theirs_plan, {"status": "not-a-status"})
    assert not_writable.value.code == 101  # not the validator's 142: no trigger ran
    with pytest.raises(ParseError) as session:
        await sdk.create("_Session", {"user": pointer("_User", clinic.admin.id)})
    assert session.value.code == 105
    assert (await stored(clinic.api, "TreatmentPlan", plan))["patient"]["objectId"] == mine


FIELD_TYPES: dict[str, dict[str, Any]] = {
    "s": {"type": "String"}, "n": {"type": "Number"}, "b": {"type": "Boolean"}, "d": {"type": "Date"},
    "o": {"type": "Object"}, "a": {"type": "Array"}, "g": {"type": "GeoPoint"}, "poly": {"type": "Polygon"},
    "f": {"type": "File"}, "bytes": {"type": "Bytes"}, "p": {"type": "Pointer", "targetClass": "_User"},
    "r": {"type": "Relation", "targetClass": "_User"},
}


@pytest.mark.parametrize("route", ["rest", "batch", "sdk"])
async def test_a_dotted_key_reaches_only_into_object_fields_of_every_type(api: Client, route: str) -> None:
    made = await api.post("/schemas/Probe", {"className": "Probe", "fields": FIELD_TYPES}, master=True)
    assert made.status == 200, made.body
    created = await api.post("/classes/Probe", {"o": {"k": 0}, "s": "x"}, master=True)
    object_id = created.body["objectId"]
    before = await stored(api, "Probe", object_id)
    sdk = CloudSDK(RequestContext(api.state, Auth(is_master=True)))
    for name in [*FIELD_TYPES, "objectId", "createdAt", "updatedAt", "ACL"]:
        body = {f"{name}.k": 1}
        if route == "rest":
            reply = await api.put(f"/classes/Probe/{object_id}", body, master=True)
            code = reply.body.get("code") if reply.status != 200 else None
        elif route == "batch":
            reply = await api.post("/batch", {"requests": [
                {"method": "PUT", "path": f"/parse/classes/Probe/{object_id}", "body": body}]}, master=True)
            code = reply.body[0]["error"]["code"] if "error" in reply.body[0] else None
        else:
            try:
                await sdk.update("Probe", object_id, body)
                code = None
            except ParseError as exc:
                code = exc.code
        assert code == (None if name == "o" else 111), (name, code)
    after = await stored(api, "Probe", object_id)
    assert after.pop("o") == {"k": 1} and before.pop("o") == {"k": 0}
    assert {k: v for k, v in after.items() if k != "updatedAt"} == {k: v for k, v in before.items()
                                                                   if k != "updatedAt"}


async def test_concurrent_updates_each_overwrite_the_original_their_rules_saw(clinic: Practice) -> None:
    """Exploit 14 without /batch: concurrent writer calls; every stored update replaced exactly
    the version its beforeSave was shown (the listener's `before` chains to the previous `after`)."""
    state = clinic.api.state
    user = (await state.storage.find(state.schemas.get("_User"), {"objectId": clinic.staff1.id},
                                     FindOptions(limit=1)))[0]
    ctx = RequestContext(state, Auth(user=user))
    patient = await clinic.patient(clinic.staff1)
    plan = (await clinic.record(clinic.staff1, "TreatmentPlan", patient, status="planned")).body["objectId"]
    events: list[tuple[dict[str, Any], dict[str, Any]]] = []

    async def listener(_ctx: Any, class_name: str, event: str, after: Any, before: Any) -> None:
        if class_name == "TreatmentPlan" and event == "update":
            events.append((before, after))

    state.writer.listeners.append(listener)
    statuses = ["in_progress", "completed", "in_progress", "cancelled", "planned"]
    results = await asyncio.gather(*(state.writer.update(ctx, "TreatmentPlan", plan, {"status": s})
                                     for s in statuses), return_exceptions=True)
    state.writer.listeners.remove(listener)
    assert all(isinstance(r, ParseError) and r.code == 142 for r in results if isinstance(r, BaseException))
    assert len(events) == sum(not isinstance(r, BaseException) for r in results) >= 1
    chain = [before["status"] for before, _ in events] + [events[-1][1]["status"]]
    assert chain[0] == "planned"
    for (before, _after), (_, previous_after) in zip(events[1:], events, strict=False):
        assert before["updatedAt"] == previous_after["updatedAt"]  # the rules saw what they replaced
    order = {"planned": 0, "in_progress": 1, "completed": 2}
    for old, new in zip(chain, chain[1:], strict=False):
        assert old not in ("completed", "cancelled") and (new == "cancelled" or order[new] >= order[old]), chain
    assert (await stored(clinic.api, "TreatmentPlan", plan))["status"] == chain[-1]


# Generic Parse user behaviour on a server that loads the template: signup on, Parse's password rules.
@pytest.mark.parametrize("settings_overrides", [{"cloud": "cloud_code", "allowPublicSignup": True,
                                                 "passwordPolicy": {}}])
async def test_an_anonymous_id_already_in_use_cannot_be_linked_to_another_account(api: Client) -> None:
    anonymous = {"anonymous": {"id": "11111111-aaaa-bbbb-cccc-555555555555"}}
    victim = await api.post("/users", {"authData": anonymous, "email": "v@x.example"})
    assert victim.status == 201, victim.body
    other = await api.post("/users", {"username": "other", "password": "secret-pw", "email": "o@x.example"})
    reply = await api.put(f"/users/{other.body['objectId']}", {"authData": anonymous},
                          session_token=other.body["sessionToken"])
    assert reply.status == 400 and reply.body["code"] == 208, reply.body
    login = await api.post("/users", {"authData": anonymous})
    assert login.status == 200 and login.body["objectId"] == victim.body["objectId"]
