"""Issue 12: sharing a patient on the dental template shows in Live Query for the colleague — the
patient and its records enter their subscriptions on share and leave on unshare."""

from __future__ import annotations

from typing import Any

import pytest

from tests.cloud.dental_support import Member, date_in, member, pointer

from .conftest import LiveEnv


@pytest.fixture
def live_overrides() -> dict[str, Any]:
    return {"cloud": "cloud_code"}


async def call(env: LiveEnv, who: Member, name: str, params: dict[str, Any]) -> Any:
    reply = await env.api.post(f"/functions/{name}", params, session_token=who.token)
    assert reply.status == 200, reply.body
    return reply.body["result"]


async def test_share_and_unshare_enter_and_leave_for_the_colleague(env: LiveEnv) -> None:
    owner, colleague = await member(env.api, "owner"), await member(env.api, "colleague")
    patient = await env.api.post("/classes/Patient", {"name": "Lea", "email": "lea@patients.example",
                                                      "phone": "555"}, session_token=owner.token)
    assert patient.status == 201, patient.body
    patient_id = patient.body["objectId"]
    plan = await env.api.post("/classes/TreatmentPlan", {"patient": pointer("Patient", patient_id),
                                                         "treatmentDetails": "Scaling", "status": "planned"},
                              session_token=owner.token)
    reminder = await env.api.post("/classes/AppointmentReminder", {"patient": pointer("Patient", patient_id),
                                                                   "appointmentDate": date_in(days=2)},
                                  session_token=owner.token)
    socket = await env.socket(sessionToken=colleague.token)
    for request_id, class_name in enumerate(("Patient", "TreatmentPlan", "AppointmentReminder"), start=1):
        assert (await socket.subscribe(request_id, class_name))["op"] == "subscribed"
    await socket.nothing()
    await call(env, owner, "sharePatient", {"patientId": patient_id, "userId": colleague.id, "access": "read"})
    await env.settle()
    entered = {}
    for _ in range(3):
        frame = await socket.recv()
        assert frame["op"] == "enter", frame
        entered[frame["object"]["className"]] = frame["object"]["objectId"]
    assert entered == {"Patient": patient_id, "TreatmentPlan": plan.body["objectId"],
                       "AppointmentReminder": reminder.body["objectId"]}
    await call(env, owner, "unsharePatient", {"patientId": patient_id, "userId": colleague.id})
    await env.settle()
    left = {}
    for _ in range(3):
        frame = await socket.recv()
        assert frame["op"] == "leave", frame
        left[frame["object"]["className"]] = frame["object"]["objectId"]
    assert left == entered
    await socket.nothing()
    await socket.close()
