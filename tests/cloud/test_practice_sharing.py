"""Issue 12, sharing: the owner or an administrator shares a patient with a colleague or a role;
the patient's x-rays, plans and reminders follow in one storage transaction (all or nothing where
the database has transactions), and the colleague then sees them all."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest

from .conftest import Client, Running
from .dental_support import Practice, date_in, pointer, practice

RECORDS = {"XRayLog": 200, "TreatmentPlan": 200, "AppointmentReminder": 100}


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return {"cloud": "cloud_code"}


async def patient_with_records(clinic: Practice) -> str:
    patient = await clinic.patient(clinic.staff1, "Rosa")
    bodies = {"XRayLog": {"xrayDate": date_in(days=-1), "fileUrl": "https://files.example/x.png"},
              "TreatmentPlan": {"treatmentDetails": "Crown", "status": "planned"},
              "AppointmentReminder": {"appointmentDate": date_in(days=30)}}
    for class_name, count in RECORDS.items():
        for start in range(0, count, 50):
            requests = [{"method": "POST", "path": f"/parse/classes/{class_name}",
                         "body": {"patient": pointer("Patient", patient), **bodies[class_name]}}
                        for _ in range(start, min(count, start + 50))]
            reply = await clinic.as_(clinic.staff1, "POST", "/batch", {"requests": requests})
            assert all("success" in item for item in reply.body), reply.body[:1]
    return patient


async def visible(clinic: Practice, who: Any) -> dict[str, int]:
    counts = {}
    for class_name in RECORDS:
        reply = await clinic.as_(who, "GET", f"/classes/{class_name}", params={"count": 1, "limit": 0})
        counts[class_name] = int(reply.body["count"])
    return counts


def share(clinic: Practice, who: Any, patient: str, **params: Any) -> Any:
    return clinic.as_(who, "POST", "/functions/sharePatient", {"patientId": patient, **params})


async def test_sharing_a_patient_with_500_records_and_taking_it_back(api: Client) -> None:
    clinic = await practice(api)
    patient = await patient_with_records(clinic)
    none = {name: 0 for name in RECORDS}
    assert await visible(clinic, clinic.staff2) == none
    not_owner = await share(clinic, clinic.staff2, patient, userId=clinic.staff2.id, access="write")
    assert not_owner.body == {"code": 101, "error": "Patient not found."}  # cannot even read it
    started = time.monotonic()
    shared = await share(clinic, clinic.staff1, patient, userId=clinic.staff2.id, access="read")
    elapsed = time.monotonic() - started
    assert shared.status == 200, shared.body
    assert shared.body["result"]["recordsUpdated"] == 500
    print(f"sharePatient with 500 records: {elapsed:.2f} s")
    assert await visible(clinic, clinic.staff2) == RECORDS
    assert (await clinic.as_(clinic.staff2, "GET", f"/classes/Patient/{patient}")).status == 200
    listed = await clinic.as_(clinic.staff2, "GET", "/classes/Patient")
    assert [row["objectId"] for row in listed.body["results"]] == [patient]
    read_only = await clinic.as_(clinic.staff2, "PUT", f"/classes/Patient/{patient}", {"phone": "555 0101"})
    assert read_only.body["code"] == 101
    # a colleague with read access cannot share further
    reshare = await share(clinic, clinic.staff2, patient, role="staff", access="read")
    assert reshare.body["code"] == 119
    unshared = await clinic.as_(clinic.staff1, "POST", "/functions/unsharePatient",
                                {"patientId": patient, "userId": clinic.staff2.id})
    assert unshared.body["result"]["recordsUpdated"] == 500
    assert await visible(clinic, clinic.staff2) == none
    assert (await clinic.as_(clinic.staff2, "GET", f"/classes/Patient/{patient}")).status == 404


async def test_sharing_with_a_role_for_writing_and_by_an_administrator(api: Client) -> None:
    clinic = await practice(api)
    patient = await clinic.patient(clinic.staff1, "Ines")
    plan = (await clinic.record(clinic.staff1, "TreatmentPlan", patient)).body["objectId"]
    shared = await share(clinic, clinic.admin, patient, role="staff", access="write")
    assert shared.status == 200, shared.body
    assert shared.body["result"]["acl"] == {clinic.staff1.id: {"read": True, "write": True},
                                            "role:administrator": {"read": True, "write": True},
                                            "role:staff": {"read": True, "write": True}}
    moved = await clinic.as_(clinic.staff2, "PUT", f"/classes/TreatmentPlan/{plan}", {"status": "in_progress"})
    assert moved.status == 200, moved.body
    for bad, code in (({"role": "administrator", "access": "read"}, 142), ({"role": "nobody", "access": "read"}, 101),
                      ({"userId": clinic.staff2.id, "access": "all"}, 142),
                      ({"userId": clinic.staff1.id, "access": "read"}, 142),
                      ({"userId": clinic.staff2.id, "role": "staff", "access": "read"}, 142)):
        refused = await share(clinic, clinic.staff1, patient, **bad)
        assert refused.body["code"] == code, (bad, refused.body)
    owner_change = await clinic.as_(clinic.staff2, "PUT", f"/classes/Patient/{patient}",
                                    {"owner": pointer("_User", clinic.staff2.id)})
    assert owner_change.body["code"] == 119


async def test_a_failed_share_changes_nothing(running: Running, monkeypatch: pytest.MonkeyPatch) -> None:
    api = running.client
    clinic = await practice(api)
    patient = await patient_with_records(clinic)
    storage = running.state.storage
    original_update = storage.update
    calls = {"n": 0}

    async def failing_update(schema: Any, where: Any, update: Any) -> Any:
        if schema.class_name == "AppointmentReminder" and "_rperm" in json.dumps(update):
            calls["n"] += 1
            if calls["n"] == 50:
                raise RuntimeError("disk full")
        return await original_update(schema, where, update)

    monkeypatch.setattr(storage, "update", failing_update)
    failed = await share(clinic, clinic.staff1, patient, userId=clinic.staff2.id, access="read")
    monkeypatch.setattr(storage, "update", original_update)
    assert failed.body["code"] == 141, failed.body
    seen = await visible(clinic, clinic.staff2)
    if storage.capabilities.transactions:
        assert seen == {name: 0 for name in RECORDS}  # rolled back: the patient and all 500 records
        assert (await clinic.as_(clinic.staff2, "GET", f"/classes/Patient/{patient}")).status == 404
    else:  # mongomock has no transactions: what was written before the failure stays
        assert seen["XRayLog"] == 200 and seen["AppointmentReminder"] < 100
