"""The property suite's reach, checked: its strategies generate every field type of the schema
format, and every route of the JSON API that writes (POST / PUT / DELETE) is sent by one of its
modules — so a route added later without a property fails here until the suite covers it."""

from __future__ import annotations

from parse_compat.http.api import Router
from parse_compat.http.routes import register_all
from parse_compat.schema.model import FIELD_TYPES

from . import test_route_invariants as routes
from . import test_system_write_invariants as system
from .strategies import WELL_TYPED
from .world import DATA_FIELDS

# What each module sends (paths with sample ids), beside the `/files/<name>` raw route.
SENT: dict[str, tuple[str, ...]] = {
    "test_write_invariants": ("POST /classes/Open", "PUT /classes/Open/x1", "DELETE /classes/Open/x1",
                              "POST /batch", "POST /functions/propWrite"),
    "test_system_write_invariants": (*(f"{verb} {base}{tail}" for base in system.ALIAS.values()
                                       for verb, tail in (("POST", ""), ("PUT", "/x1"), ("DELETE", "/x1"))),
                                     "PUT /config"),
    "test_route_invariants": ("POST /schemas", "POST /schemas/Open", "PUT /schemas/Open", "DELETE /schemas/Open",
                              "DELETE /purge/Open", "POST /jobs/propJob", "POST /jobs", "POST /cloud_code/jobs",
                              "PUT /cloud_code/jobs/x1", "DELETE /cloud_code/jobs/x1", "POST /hooks/functions",
                              "PUT /hooks/functions/generated", "POST /hooks/triggers",
                              "PUT /hooks/triggers/Open/beforeSave", "PUT /config", "POST /push",
                              "POST /push_audiences", "PUT /push_audiences/x1", "DELETE /push_audiences/x1",
                              "POST /events/propEvent", "POST /loginAs", "POST /challenge",
                              "POST /upgradeToRevocableSession",
                              *(f"POST {path}" for path in routes.ACCOUNT_PATHS.values())),
}


def test_every_field_type_of_the_schema_format_is_generated() -> None:
    generated = {spec["type"] for spec in DATA_FIELDS.values()} | {"ACL"}  # ACL: every class's own field
    assert FIELD_TYPES <= generated
    assert set(DATA_FIELDS) <= set(WELL_TYPED)  # a well-typed value for each, so writes get through


def test_every_route_that_writes_is_sent_by_the_suite() -> None:
    router = Router()
    register_all(router)
    sent = [line.split(" ", 1) for lines in SENT.values() for line in lines]
    for verb, path in sent:
        router.find(verb, path)  # each line names a real route (NotFound otherwise)
    writes = [(method, regex) for method, regex, _ in router._routes if method in ("POST", "PUT", "DELETE")]
    missing = [regex.pattern for method, regex in writes
               if not any(verb == method and regex.match(path) for verb, path in sent)]
    assert missing == []
    assert set(routes.ROUTES) >= {"files_upload", "files_delete"}  # the raw /files route, both verbs
