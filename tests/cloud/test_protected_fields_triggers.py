"""`protectedFieldsTriggerExempt` and `protectedFieldsSaveResponseExempt` (Parse 9, issue 14): what an
update's beforeSave is shown of a protected field, and whether a save's answer carries one."""

from __future__ import annotations

from typing import Any

import pytest

from tests.api.test_protected_fields_option import chart_class, make_chart, signup

from .conftest import Client

pytestmark = pytest.mark.asyncio

MODULE = "tests.cloud.protected_fields_module"
PROTECT = {"Chart": {"*": ["secret", "stamp"]}}


def with_options(**options: Any) -> Any:
    overrides = {"cloud": MODULE, "schema": None, "enforcePrivateUsers": False, "protectedFields": PROTECT}
    return pytest.mark.parametrize("settings_overrides", [{**overrides, **options}])


async def update_as(api: Client, chart: str, **auth: Any) -> dict[str, Any]:
    reply = await api.put(f"/classes/Chart/{chart}", {"title": "t2"}, **auth)
    assert reply.status == 200, reply.body
    return dict((await api.get(f"/classes/Chart/{chart}", master=True)).body)


@with_options()
async def test_triggers_do_not_see_fields_protected_from_the_caller_by_default(api: Client) -> None:
    await chart_class(api)
    ann = await signup(api, "ann")
    chart = await make_chart(api, ann)
    stored = await update_as(api, chart, session_token=ann["sessionToken"])
    assert stored["originalSecret"] == "hidden" and stored["objectSecret"] == "hidden"
    assert stored["secret"] == "s3cret"  # not lost by the update
    stored = await update_as(api, chart, master=True)
    assert stored["originalSecret"] == "s3cret" and stored["objectSecret"] == "s3cret"


@with_options(protectedFieldsTriggerExempt=True)
async def test_trigger_exempt_shows_triggers_the_whole_object(api: Client) -> None:
    await chart_class(api)
    ann = await signup(api, "ann")
    chart = await make_chart(api, ann)
    stored = await update_as(api, chart, session_token=ann["sessionToken"])
    assert stored["originalSecret"] == "s3cret" and stored["objectSecret"] == "s3cret"
    refused = await api.delete(f"/classes/Chart/{chart}", session_token=ann["sessionToken"])
    assert refused.body == {"code": 142, "error": "secret: s3cret"}


@with_options()
async def test_delete_triggers_do_not_see_fields_protected_from_the_caller(api: Client) -> None:
    await chart_class(api)
    ann = await signup(api, "ann")
    chart = await make_chart(api, ann)
    refused = await api.delete(f"/classes/Chart/{chart}", session_token=ann["sessionToken"])
    assert refused.body == {"code": 142, "error": "secret: hidden"}
    as_master = await api.delete(f"/classes/Chart/{chart}", master=True)
    assert as_master.body == {"code": 142, "error": "secret: s3cret"}


@with_options()
async def test_save_response_carries_protected_fields_a_trigger_set_by_default(api: Client) -> None:
    await chart_class(api)
    ann = await signup(api, "ann")
    created = await api.post("/classes/Chart", {"title": "t"}, session_token=ann["sessionToken"])
    assert created.status == 201 and created.body["stamp"] == "set by the server", created.body


@with_options(protectedFieldsSaveResponseExempt=False)
async def test_save_response_exempt_false_strips_them(api: Client) -> None:
    await chart_class(api)
    ann = await signup(api, "ann")
    created = await api.post("/classes/Chart", {"title": "t"}, session_token=ann["sessionToken"])
    assert created.status == 201 and "stamp" not in created.body and created.body["objectId"], created.body
    master = await api.post("/classes/Chart", {"title": "t"}, master=True)
    assert master.body["stamp"] == "set by the server"
