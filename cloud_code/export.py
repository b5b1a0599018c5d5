"""`exportPatient {patientId}` (administrators): one zip archive of everything the server holds
on a patient — `patient.json` (the patient, its x-ray logs, treatment plans and reminders, as
the REST API returns them to the master key) and the x-ray image files under `xrays/` — stored as
a Parse File and returned as `{"__type": "File", "name", "url"}`. With protected files (on with
the template) the url is signed and short-lived, and no object refers to the archive, so only
the administrator who asked (and the master key) can fetch it. The server logs the export with
ids and counts only.
"""

from __future__ import annotations

import io
import json
import logging
import re
import zipfile
from datetime import UTC, datetime
from typing import Any

from parse_compat.cloud import Cloud, CloudSDK, FunctionRequest, ParseError, ParseObject
from parse_compat.codec.dates import format_iso
from parse_compat.errors import OBJECT_NOT_FOUND, VALIDATION_ERROR

from .access import ADMINISTRATOR
from .patients import CHILD_CLASSES

log = logging.getLogger("cloud_code.export")
PAGE = 1000
SAFE_NAME = re.compile(r"[^A-Za-z0-9._-]")


async def records_of(master: CloudSDK, class_name: str, patient_id: str) -> list[ParseObject]:
    pointer = {"__type": "Pointer", "className": "Patient", "objectId": patient_id}
    found: list[ParseObject] = []
    last = ""
    while True:
        rows = await (master.query(class_name).equal_to("patient", pointer).greater_than("objectId", last)
                      .ascending("objectId").limit(PAGE).find())
        found.extend(rows)
        if len(rows) < PAGE:
            return found
        last = rows[-1].id or ""


async def export_patient(request: FunctionRequest) -> dict[str, Any]:
    patient_id = request.params.get("patientId")
    if not isinstance(patient_id, str) or not patient_id:
        raise ParseError(VALIDATION_ERROR, "patientId is required.")
    master = request.sdk.as_master()
    try:
        patient = await master.get("Patient", patient_id)
    except ParseError as exc:
        if exc.code == OBJECT_NOT_FOUND:
            raise ParseError(OBJECT_NOT_FOUND, "Patient not found.") from exc
        raise
    if not master.files_available:
        raise ParseError(VALIDATION_ERROR, "Files are not available on this server.")
    records = {class_name: await records_of(master, class_name, patient_id) for class_name in CHILD_CLASSES}
    buffer = io.BytesIO()
    images = 0
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        document = {"exportedAt": format_iso(datetime.now(UTC)), "patient": patient.to_json(),
                    "records": {name: [row.to_json() for row in rows] for name, rows in records.items()}}
        archive.writestr("patient.json", json.dumps(document, indent=2, sort_keys=True))
        for xray in records["XRayLog"]:
            image = xray.get("image")
            if not isinstance(image, dict) or not isinstance(image.get("name"), str):
                continue
            data = await master.read_file(image["name"])
            if data is not None:
                archive.writestr(f"xrays/{xray.id}-{SAFE_NAME.sub('_', image['name'])[-100:]}", data)
                images += 1

    saved = await master.save_file(f"patient-export-{patient_id}.zip", "application/zip", buffer.getvalue())
    request.sdk.audit("export", "Patient", [patient_id])  # the audit trail names who exported
    log.info("patient %s exported: %d record(s), %d x-ray file(s)", patient_id,
             sum(len(rows) for rows in records.values()), images)
    return {"__type": "File", "name": saved["name"], "url": saved["url"]}


def register(cloud: Cloud) -> None:
    cloud.define("exportPatient", export_patient, require_any_user_roles=[ADMINISTRATOR],
                 fields={"patientId": {"required": True, "type": str}})
