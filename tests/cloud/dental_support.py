"""Helpers for the dental-rule tests: a practice with two staff users and one administrator."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from parse_compat.codec.dates import format_iso

from .conftest import Client, Reply

STAFF = {"read": True, "write": True}


def date_in(**delta: float) -> dict[str, str]:
    return {"__type": "Date", "iso": format_iso(datetime.now(UTC) + timedelta(**delta))}


def pointer(class_name: str, object_id: str) -> dict[str, str]:
    return {"__type": "Pointer", "className": class_name, "objectId": object_id}


@dataclass
class Member:
    id: str
    token: str


@dataclass
class Practice:
    api: Client
    staff1: Member
    staff2: Member
    admin: Member

    async def as_(self, who: Member | None, method: str, path: str, body: Any = None, **kw: Any) -> Reply:
        token = who.token if who is not None else None
        return await self.api.request(method, path, body, session_token=token, **kw)

    async def patient(self, who: Member, name: str = "Pat", **extra: Any) -> str:
        reply = await self.as_(who, "POST", "/classes/Patient",
                               {"name": name, "email": f"{name.lower()}@patients.example", "phone": "555", **extra})
        assert reply.status == 201, reply.body
        return str(reply.body["objectId"])

    async def record(self, who: Member, class_name: str, patient_id: str, **fields: Any) -> Reply:
        defaults: dict[str, dict[str, Any]] = {
            "XRayLog": {"xrayDate": date_in(days=-1), "fileUrl": "https://files.example/x.png"},
            "TreatmentPlan": {"treatmentDetails": "Filling", "status": "planned"},
            "AppointmentReminder": {"appointmentDate": date_in(days=3)},
        }
        body = {"patient": pointer("Patient", patient_id), **defaults[class_name], **fields}
        return await self.as_(who, "POST", f"/classes/{class_name}", body)

    async def acl_of(self, class_name: str, object_id: str) -> dict[str, Any]:
        reply = await self.api.get(f"/classes/{class_name}/{object_id}", master=True)
        assert reply.status == 200, reply.body
        return dict(reply.body.get("ACL") or {})


PASSWORD = "long-enough-and-rare-7"  # passes the template's password policy (12+, not common)
SIGNUP_OFF = {"code": 119, "error": "Signing up is disabled on this server: ask an administrator for an invitation."}


async def signup(api: Client, username: str, **extra: Any) -> Reply:
    """A client's own signup (refused on the template: allowPublicSignup is false there)."""
    return await api.post("/users", {"username": username, "password": PASSWORD,
                                     "email": f"{username}@clinic.example", **extra})


async def member(api: Client, username: str, role: str = "staff", password: str = PASSWORD) -> Member:
    """An account made with the master key (as `parse-compat admin create` does), then logged in."""
    created = await api.post("/users", {"username": username, "password": password, "role": role,
                                        "email": f"{username}@clinic.example"}, master=True)
    assert created.status == 201, created.body
    login = await api.post("/login", {"username": username, "password": password})
    assert login.status == 200, login.body
    return Member(created.body["objectId"], login.body["sessionToken"])


async def practice(api: Client) -> Practice:
    staff1, staff2 = await member(api, "staff1"), await member(api, "staff2")
    # The first administrator is made with the master key (nobody else may grant the role).
    admin = await member(api, "admin", role="administrator")
    return Practice(api, staff1, staff2, admin)
