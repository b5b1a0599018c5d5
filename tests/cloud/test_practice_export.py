"""Issue 12, patient export: an administrator gets one zip archive (JSON + the x-ray files) of
everything the server holds on a patient, as a Parse File with a signed url; nobody else can."""

from __future__ import annotations

import io
import json
import zipfile
from typing import Any

import pytest

from .conftest import Client
from .dental_support import practice

IMAGE = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return {"cloud": "cloud_code"}


async def test_an_administrator_exports_a_patient(api: Client) -> None:
    clinic = await practice(api)
    patient = await clinic.patient(clinic.staff1, "Vera")
    upload = await api.post("/files/xray.png", raw=IMAGE, session_token=clinic.staff1.token,
                            headers={"Content-Type": "image/png"})
    assert upload.status == 201, upload.body
    image = {"__type": "File", "name": upload.body["name"], "url": upload.body["url"]}
    xray = await clinic.record(clinic.staff1, "XRayLog", patient, image=image)
    assert xray.status == 201, xray.body
    assert (await clinic.record(clinic.staff1, "TreatmentPlan", patient)).status == 201
    assert (await clinic.record(clinic.staff1, "AppointmentReminder", patient)).status == 201
    other = await clinic.patient(clinic.staff2, "Walt")
    assert (await clinic.record(clinic.staff2, "TreatmentPlan", other)).status == 201

    refused = await clinic.as_(clinic.staff1, "POST", "/functions/exportPatient", {"patientId": patient})
    assert refused.body["code"] == 142
    missing = await clinic.as_(clinic.admin, "POST", "/functions/exportPatient", {"patientId": "nope"})
    assert missing.body == {"code": 101, "error": "Patient not found."}
    exported = await clinic.as_(clinic.admin, "POST", "/functions/exportPatient", {"patientId": patient})
    assert exported.status == 200, exported.body
    result = exported.body["result"]
    assert result["__type"] == "File" and result["name"].endswith(f"patient-export-{patient}.zip")
    async with api.session.get(result["url"]) as download:
        assert download.status == 200
        archive = zipfile.ZipFile(io.BytesIO(await download.read()))
    document = json.loads(archive.read("patient.json"))
    assert document["patient"]["objectId"] == patient and document["patient"]["name"] == "Vera"
    assert {name: len(rows) for name, rows in document["records"].items()} == {
        "XRayLog": 1, "TreatmentPlan": 1, "AppointmentReminder": 1}
    xrays = [name for name in archive.namelist() if name.startswith("xrays/")]
    assert len(xrays) == 1 and archive.read(xrays[0]) == IMAGE
    unsigned = result["url"].split("?")[0]
    async with api.session.get(unsigned, headers={"X-Parse-Session-Token": clinic.staff1.token}) as peek:
        assert peek.status != 200  # protected: no object refers to the archive
