"""`GET /parse/openapi.json`: a valid OpenAPI 3.1 document (checked by openapi-spec-validator)
generated from the live dental schema, showing each caller only the classes, operations and
fields the security policy lets it use, and rebuilt when the schema changes."""

from __future__ import annotations

from typing import Any

import pytest
from openapi_spec_validator import OpenAPIV31SpecValidator, validate

from tests.cloud.dental_support import member

from .conftest import Client, openapi_document

pytestmark = pytest.mark.asyncio
DENTAL = ("Patient", "XRayLog", "TreatmentPlan", "AppointmentReminder")


def class_paths(document: dict[str, Any]) -> set[str]:
    return {path for path in document["paths"] if path.startswith("/classes/")}


async def test_master_document_is_valid_openapi_with_every_class_and_parse_encodings(api: Client) -> None:
    document = await openapi_document(api, master=True)
    validate(document, cls=OpenAPIV31SpecValidator)
    assert document["openapi"] == "3.1.0" and document["servers"] == [{"url": "/parse"}]
    for name in DENTAL:
        assert {f"/classes/{name}", f"/classes/{name}/{{objectId}}"} <= class_paths(document)
    for path in ("/users", "/login", "/logout", "/users/me", "/sessions", "/roles", "/files/{name}",
                 "/functions/{name}", "/jobs/{name}", "/batch", "/schemas", "/config", "/health",
                 "/aggregate/{className}"):
        assert path in document["paths"], path
    find = document["paths"]["/classes/Patient"]["get"]
    assert find["parameters"][0]["name"] == "where" and find["parameters"][0]["content"]["application/json"][
        "schema"] == {"$ref": "#/components/schemas/PatientWhere"}
    assert [p["$ref"].rsplit("/", 1)[1] for p in find["parameters"][1:]] == [
        "order", "limit", "skip", "keys", "excludeKeys", "include", "count"]
    schemas = document["components"]["schemas"]
    plan = schemas["TreatmentPlan"]["properties"]
    assert plan["patient"]["anyOf"][0]["anyOf"][0] == {"$ref": "#/components/schemas/Pointer"}
    assert schemas["XRayLog"]["properties"]["xrayDate"]["anyOf"][0] == {"$ref": "#/components/schemas/Date"}
    assert schemas["Date"]["properties"]["__type"] == {"const": "Date"}
    status = schemas["TreatmentPlanWhere"]["properties"]["status"]["anyOf"]
    assert status[0] == {"type": "string"} and {"$in", "$regex", "$exists"} <= set(status[1]["properties"])
    assert schemas["PatientCreate"]["required"] == ["email", "name", "phone"]
    assert schemas["Error"]["properties"] == {"code": {"type": "integer"}, "error": {"type": "string"}}
    assert find["responses"]["4XX"] == {"$ref": "#/components/responses/ParseError"}
    headers = {scheme["name"] for scheme in document["components"]["securitySchemes"].values()}
    assert headers == {"X-Parse-Application-Id", "X-Parse-REST-API-Key", "X-Parse-Session-Token",
                       "X-Parse-Master-Key"}
    functions = document["paths"]["/functions/{name}"]["post"]["parameters"][0]["schema"]["enum"]
    assert functions and all(isinstance(name, str) for name in functions)


async def test_a_client_sees_only_what_its_class_level_permissions_allow(api: Client) -> None:
    anonymous = await openapi_document(api)
    validate(anonymous, cls=OpenAPIV31SpecValidator)
    assert class_paths(anonymous) == set()  # the dental classes require a logged-in user
    assert "/schemas" not in anonymous["paths"] and "/jobs/{name}" not in anonymous["paths"]
    assert "Patient" not in anonymous["components"]["schemas"]

    staff = await member(api, "sam")
    seen = await openapi_document(api, session_token=staff.token)
    validate(seen, cls=OpenAPIV31SpecValidator)
    assert {f"/classes/{name}" for name in DENTAL} <= class_paths(seen)
    assert "/schemas" not in seen["paths"] and "/aggregate/{className}" not in seen["paths"]
    user_fields = seen["components"]["schemas"]["_User"]["properties"]
    assert "username" in user_fields and "email" not in user_fields and "role" not in user_fields  # protected
    assert "password" not in user_fields  # never returned
    assert "post" not in seen["paths"]["/roles"]  # the template's roles: clients cannot create them

    admin = await member(api, "ada", role="administrator")
    assert "email" in (await openapi_document(api, session_token=admin.token))[
        "components"]["schemas"]["_User"]["properties"]


def documents_built(api: Client) -> int:
    handler, _ = api.state.services.router.find("GET", "/openapi.json")
    return int(handler.__self__.builds)


async def test_the_document_follows_a_schema_change_without_a_restart(api: Client) -> None:
    before = await openapi_document(api, master=True)
    built = documents_built(api)
    assert await openapi_document(api, master=True) == before and documents_built(api) == built  # cached
    assert "allergies" not in before["components"]["schemas"]["Patient"]["properties"]
    changed = await api.put("/schemas/Patient", {"fields": {"allergies": {"type": "Array"}}}, master=True)
    assert changed.status == 200, changed.body
    after = await openapi_document(api, master=True)
    assert after["components"]["schemas"]["Patient"]["properties"]["allergies"]["anyOf"][0] == {"type": "array"}
    assert documents_built(api) == built + 1
    created = await api.post("/schemas/Supplier", {"fields": {"name": {"type": "String"}}}, master=True)
    assert created.status == 200, created.body
    assert "/classes/Supplier" in (await openapi_document(api, master=True))["paths"]


async def test_the_document_needs_the_application_id(api: Client) -> None:
    reply = await api.get("/openapi.json", app_id=None)
    assert reply.status == 403 and reply.body == {"error": "unauthorized"}


async def test_an_object_id_with_an_encoded_newline_gets_parses_json_answer(api: Client) -> None:
    """Found by Schemathesis: `.` in the mount route did not match a newline, so aiohttp answered
    its own text 404 instead of Parse's 101 (Express routes such a path like any other)."""
    staff = await member(api, "nel")
    reply = await api.delete("/classes/TreatmentPlan/abc%0A", session_token=staff.token)
    assert reply.status == 404 and reply.body == {"code": 101, "error": "Object not found."}
    assert reply.headers["Content-Type"].startswith("application/json")
