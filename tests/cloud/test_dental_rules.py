"""The dental practice's rules (cloud_code/) end to end over REST, with two staff users and one
administrator: each rule allowed and refused."""

from __future__ import annotations

import json
from typing import Any

import pytest

from .conftest import Client
from .dental_support import SIGNUP_OFF, STAFF, Practice, date_in, pointer, practice, signup


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return {"cloud": "cloud_code"}


@pytest.fixture
async def clinic(api: Client) -> Practice:
    return await practice(api)


async def role_members(api: Client, role: str) -> set[str]:
    roles = (await api.get("/roles", master=True, params={"where": json.dumps({"name": role})})).body["results"]
    assert len(roles) == 1, roles
    where = {"$relatedTo": {"object": pointer("_Role", roles[0]["objectId"]), "key": "users"}}
    users = (await api.get("/users", master=True, params={"where": json.dumps(where)})).body["results"]
    return {user["objectId"] for user in users}


async def test_new_patient_belongs_to_its_creator_and_the_administrators(clinic: Practice) -> None:
    patient = await clinic.patient(clinic.staff1, ACL={"*": {"read": True, "write": True}})
    assert await clinic.acl_of("Patient", patient) == {clinic.staff1.id: STAFF, "role:administrator": STAFF}
    assert (await clinic.as_(clinic.staff1, "GET", f"/classes/Patient/{patient}")).status == 200
    assert (await clinic.as_(clinic.admin, "GET", f"/classes/Patient/{patient}")).status == 200
    refused = await clinic.as_(clinic.staff2, "GET", f"/classes/Patient/{patient}")
    assert refused.status == 404 and refused.body["code"] == 101
    assert (await clinic.as_(clinic.staff2, "GET", "/classes/Patient")).body["results"] == []
    anonymous = await clinic.as_(None, "POST", "/classes/Patient", {"name": "x", "email": "x@y.z", "phone": "1"})
    assert anonymous.body["code"] == 101  # the class CLP (requiresAuthentication) answers before any hook


async def test_records_take_the_patients_acl_and_need_a_readable_patient(clinic: Practice) -> None:
    patient = await clinic.patient(clinic.staff1)
    patient_acl = await clinic.acl_of("Patient", patient)
    for class_name in ("XRayLog", "TreatmentPlan", "AppointmentReminder"):
        created = await clinic.record(clinic.staff1, class_name, patient, ACL={"*": {"read": True}})
        assert created.status == 201, created.body
        assert await clinic.acl_of(class_name, created.body["objectId"]) == patient_acl
        hidden = await clinic.as_(clinic.staff2, "GET", f"/classes/{class_name}/{created.body['objectId']}")
        assert hidden.status == 404
        refused = await clinic.record(clinic.staff2, class_name, patient)
        assert refused.status == 404 and refused.body == {"code": 101, "error": "Patient not found."}
        by_admin = await clinic.record(clinic.admin, class_name, patient)
        assert by_admin.status == 201, by_admin.body
    assert (await clinic.as_(clinic.staff2, "GET", "/classes/TreatmentPlan")).body["results"] == []
    missing = await clinic.record(clinic.staff1, "XRayLog", "doesNotExist")
    assert missing.body["code"] == 101


async def test_moving_a_record_to_an_unreadable_patient_is_refused(clinic: Practice) -> None:
    mine = await clinic.patient(clinic.staff1, "Mine")
    theirs = await clinic.patient(clinic.staff2, "Theirs")
    plan = (await clinic.record(clinic.staff1, "TreatmentPlan", mine)).body["objectId"]
    moved = await clinic.as_(clinic.staff1, "PUT", f"/classes/TreatmentPlan/{plan}",
                             {"patient": pointer("Patient", theirs)})
    assert moved.body["code"] == 101
    reacl = await clinic.as_(clinic.staff1, "PUT", f"/classes/TreatmentPlan/{plan}", {"ACL": {"*": STAFF}})
    assert reacl.status == 200
    assert await clinic.acl_of("TreatmentPlan", plan) == await clinic.acl_of("Patient", mine)


async def test_sharing_a_patient_shares_its_records(clinic: Practice) -> None:
    patient = await clinic.patient(clinic.staff1)
    plan = (await clinic.record(clinic.staff1, "TreatmentPlan", patient)).body["objectId"]
    shared = {clinic.staff1.id: STAFF, clinic.staff2.id: {"read": True}}
    reply = await clinic.as_(clinic.staff1, "PUT", f"/classes/Patient/{patient}", {"ACL": shared})
    assert reply.status == 200
    assert (await clinic.acl_of("Patient", patient))["role:administrator"] == STAFF  # always kept
    assert (await clinic.as_(clinic.staff2, "GET", f"/classes/TreatmentPlan/{plan}")).status == 200
    change = await clinic.as_(clinic.staff2, "PUT", f"/classes/TreatmentPlan/{plan}", {"status": "in_progress"})
    assert change.status == 404  # read-only sharing: no write


async def test_treatment_plan_status_values_and_forward_transitions(clinic: Practice) -> None:
    patient = await clinic.patient(clinic.staff1)
    bad = await clinic.record(clinic.staff1, "TreatmentPlan", patient, status="done")
    assert bad.body == {"code": 142, "error": "Validation failed. Invalid option for status. Expected: planned, "
                                              "in_progress, completed, cancelled"}
    plan = (await clinic.record(clinic.staff1, "TreatmentPlan", patient)).body["objectId"]

    async def move(plan_id: str, status: str) -> Any:
        return await clinic.as_(clinic.staff1, "PUT", f"/classes/TreatmentPlan/{plan_id}", {"status": status})

    assert (await move(plan, "in_progress")).status == 200
    back = await move(plan, "planned")
    assert back.body["code"] == 142 and "only moves forward" in back.body["error"]
    assert (await move(plan, "completed")).status == 200
    closed = await move(plan, "cancelled")
    assert closed.body["code"] == 142 and "completed" in closed.body["error"]
    other = (await clinic.record(clinic.staff1, "TreatmentPlan", patient)).body["objectId"]
    assert (await move(other, "cancelled")).status == 200  # cancelled from any open state
    assert (await move(other, "in_progress")).body["code"] == 142
    third = (await clinic.record(clinic.staff1, "TreatmentPlan", patient)).body["objectId"]
    assert (await move(third, "completed")).status == 200  # skipping ahead is forward
    assert (await clinic.api.put(f"/classes/TreatmentPlan/{plan}", {"status": "in_progress"}, master=True)
            ).status == 200  # the master key may repair data
    stored = (await clinic.api.get(f"/classes/TreatmentPlan/{plan}", master=True)).body
    assert stored["status"] == "in_progress"


async def test_appointment_dates_must_be_in_the_future(clinic: Practice) -> None:
    patient = await clinic.patient(clinic.staff1)
    past = await clinic.record(clinic.staff1, "AppointmentReminder", patient, appointmentDate=date_in(hours=-1))
    assert past.body == {"code": 142, "error": "appointmentDate must be in the future."}
    created = await clinic.record(clinic.staff1, "AppointmentReminder", patient)
    assert created.status == 201
    reminder = created.body["objectId"]
    await clinic.api.put(f"/classes/AppointmentReminder/{reminder}", {"reminderSent": True}, master=True)
    moved_back = await clinic.as_(clinic.staff1, "PUT", f"/classes/AppointmentReminder/{reminder}",
                                  {"appointmentDate": date_in(days=-2)})
    assert moved_back.body["code"] == 142
    moved = await clinic.as_(clinic.staff1, "PUT", f"/classes/AppointmentReminder/{reminder}",
                             {"appointmentDate": date_in(days=5)})
    assert moved.status == 200
    stored = (await clinic.api.get(f"/classes/AppointmentReminder/{reminder}", master=True)).body
    assert stored["reminderSent"] is False  # rescheduled: a new reminder will go out


async def test_roles_are_set_only_by_administrators_and_mirrored(clinic: Practice) -> None:
    api = clinic.api
    assert await role_members(api, "administrator") == {clinic.admin.id}
    assert await role_members(api, "staff") == {clinic.staff1.id, clinic.staff2.id}
    assert (await signup(api, "climber", role="administrator")).body == SIGNUP_OFF  # nobody signs up
    self_promotion = await clinic.as_(clinic.staff1, "PUT", f"/users/{clinic.staff1.id}", {"role": "administrator"})
    assert self_promotion.body["code"] == 119
    invalid = await api.put(f"/users/{clinic.staff1.id}", {"role": "boss"}, master=True)
    assert invalid.body == {"code": 142, "error": "role must be staff or administrator."}
    refused = await clinic.as_(clinic.staff1, "POST", "/functions/setUserRole",
                               {"userId": clinic.staff2.id, "role": "administrator"})
    assert refused.body == {"code": 142, "error": "Validation failed. User does not match the required roles."}
    # CLP protectedFields name role:administrator: only administrators see other users' roles.
    assert (await clinic.as_(clinic.staff1, "GET", f"/users/{clinic.staff2.id}")).status == 404
    seen = (await clinic.as_(clinic.admin, "GET", f"/users/{clinic.staff2.id}")).body
    assert seen["role"] == "staff" and seen["email"] == "staff2@clinic.example"
    patient = await clinic.patient(clinic.staff1)
    assert (await clinic.as_(clinic.staff2, "GET", f"/classes/Patient/{patient}")).status == 404
    promoted = await clinic.as_(clinic.admin, "POST", "/functions/setUserRole",
                                {"userId": clinic.staff2.id, "role": "administrator"})
    assert promoted.body == {"result": {"userId": clinic.staff2.id, "role": "administrator"}}
    assert await role_members(api, "administrator") == {clinic.admin.id, clinic.staff2.id}
    assert clinic.staff2.id not in await role_members(api, "staff")
    assert (await clinic.as_(clinic.staff2, "GET", f"/classes/Patient/{patient}")).status == 200  # role ACL
    demoted = await clinic.as_(clinic.staff2, "POST", "/functions/setUserRole",
                               {"userId": clinic.staff2.id, "role": "staff"})
    assert demoted.status == 200
    assert await role_members(api, "administrator") == {clinic.admin.id}
    assert (await clinic.as_(clinic.staff2, "GET", f"/classes/Patient/{patient}")).status == 404


async def test_only_administrators_delete_patients_and_never_with_records(clinic: Practice) -> None:
    patient = await clinic.patient(clinic.staff1)
    xray = (await clinic.record(clinic.staff1, "XRayLog", patient)).body["objectId"]
    plan = (await clinic.record(clinic.staff1, "TreatmentPlan", patient)).body["objectId"]
    reminder = (await clinic.record(clinic.staff1, "AppointmentReminder", patient)).body["objectId"]
    by_owner = await clinic.as_(clinic.staff1, "DELETE", f"/classes/Patient/{patient}")
    assert by_owner.body == {"code": 119, "error": "Only administrators may delete patients."}
    with_records = await clinic.as_(clinic.admin, "DELETE", f"/classes/Patient/{patient}")
    assert with_records.body == {"code": 142, "error": "Cannot delete this patient: 1 x-ray log and 1 treatment "
                                                       "plan still refer to it. Delete those records first."}
    by_master = await clinic.api.delete(f"/classes/Patient/{patient}", master=True)
    assert by_master.body["code"] == 142  # no orphans, whoever asks
    assert (await clinic.as_(clinic.staff1, "DELETE", f"/classes/XRayLog/{xray}")).status == 200
    assert (await clinic.as_(clinic.staff1, "DELETE", f"/classes/TreatmentPlan/{plan}")).status == 200
    assert (await clinic.as_(clinic.admin, "DELETE", f"/classes/Patient/{patient}")).status == 200
    gone = await clinic.api.get(f"/classes/AppointmentReminder/{reminder}", master=True)
    assert gone.status == 404  # reminders go with their patient
