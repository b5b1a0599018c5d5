"""File references (issue 10, Deliver 6; exploits 2 and 13): a caller may put a protected file on
an object only if it may use it now — it uploaded the file, or it can read an object that
references it at this moment. Dotted keys, nested values and array ops are checked too, and a
signed url seen before a revocation is no longer a pass."""

from __future__ import annotations

from typing import Any

from parse_compat.auth.identity import Auth
from parse_compat.errors import ParseError
from parse_compat.files.rotation import rotate_keys
from parse_compat.rest.context import RequestContext

from .conftest import FilesEnv

XRAY = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8


def _file(name: str, url: str | None = None) -> dict[str, Any]:
    return {"__type": "File", "name": name, **({"url": url} if url else {})}


async def _victim(env: FilesEnv) -> tuple[str, str, str, str]:
    """A staff user's x-ray on an XRayLog only they can read: (owner id, owner token, file name, log id)."""
    owner_id, token = await env.user("owner")
    upload = await env.upload("xray.png", XRAY, "image/png", master=False, session_token=token)
    assert upload.status == 201, upload.body
    log_id = await env.xray(token, owner_id, upload.body["name"], upload.body["url"])
    return owner_id, token, upload.body["name"], log_id


async def _count(env: FilesEnv, class_name: str = "XRayLog") -> int:
    reply = await env.client.get(f"/classes/{class_name}", params={"count": 1, "limit": 0}, master=True)
    return int(reply.body["count"])


async def _image_of(env: FilesEnv, log_id: str) -> Any:
    return (await env.client.get(f"/classes/XRayLog/{log_id}", master=True)).body.get("image", {}).get("name")


async def test_the_uploader_attaches_a_fresh_upload_by_name_alone(env: FilesEnv) -> None:
    # Parse's REST guide: upload, then {"__type": "File", "name": …} — no url needed
    owner_id, token = await env.user("owner")
    upload = await env.upload("xray.png", XRAY, "image/png", master=False, session_token=token)
    name = upload.body["name"]
    log_id = await env.xray(token, owner_id, name)
    assert await _image_of(env, log_id) == name
    status, body, _ = await env.fetch(env.bare(name), {"X-Parse-Session-Token": token})
    assert status == 200 and body == XRAY


async def test_another_user_cannot_attach_by_name(env: FilesEnv) -> None:
    _, _, name, _ = await _victim(env)
    thief_id, thief = await env.user("thief")
    before = await _count(env)
    patient = await env.client.post("/classes/Patient", {"name": "T", "email": "t@example.com", "phone": "9"},
                                    session_token=thief)
    refused = await env.client.post("/classes/XRayLog", {
        "patient": {"__type": "Pointer", "className": "Patient", "objectId": patient.body["objectId"]},
        "xrayDate": {"__type": "Date", "iso": "2024-05-01T10:00:00.000Z"}, "fileUrl": "-",
        "image": _file(name), "ACL": {thief_id: {"read": True, "write": True}}}, session_token=thief)
    assert refused.status == 400 and refused.body["code"] == 107
    assert await _count(env) == before


async def test_exploit_2_a_dotted_name_key_does_not_retarget_a_file(env: FilesEnv) -> None:
    _, _, victim_file, _ = await _victim(env)
    thief_id, thief = await env.user("thief")
    own = await env.upload("mine.png", b"\x89PNGmine", "image/png", master=False, session_token=thief)
    own_log = await env.xray(thief, thief_id, own.body["name"], own.body["url"])
    reply = await env.client.put(f"/classes/XRayLog/{own_log}", {"image.name": victim_file}, session_token=thief)
    assert reply.status == 400 and isinstance(reply.body.get("code"), int), reply.body
    assert await _image_of(env, own_log) == own.body["name"]
    status, body, _ = await env.fetch(env.bare(victim_file), {"X-Parse-Session-Token": thief})
    assert status == 403 and XRAY not in body


async def test_exploit_13_a_signed_url_seen_before_a_revocation_attaches_nothing(env: FilesEnv) -> None:
    owner_id, owner, name, log_id = await _victim(env)
    colleague_id, colleague = await env.user("colleague")
    shared = await env.client.put(f"/classes/XRayLog/{log_id}", {"ACL": {
        owner_id: {"read": True, "write": True}, colleague_id: {"read": True}}}, session_token=owner)
    assert shared.status == 200, shared.body
    seen = await env.client.get(f"/classes/XRayLog/{log_id}", session_token=colleague)
    signed_url = seen.body["image"]["url"]
    assert "sig=" in signed_url
    revoked = await env.client.put(f"/classes/XRayLog/{log_id}", {"ACL": {owner_id: {"read": True, "write": True}}},
                                   session_token=owner)
    assert revoked.status == 200
    before = await _count(env)
    patient = await env.client.post("/classes/Patient", {"name": "C", "email": "c@example.com", "phone": "2"},
                                    session_token=colleague)
    kept = await env.client.post("/classes/XRayLog", {
        "patient": {"__type": "Pointer", "className": "Patient", "objectId": patient.body["objectId"]},
        "xrayDate": {"__type": "Date", "iso": "2024-05-01T10:00:00.000Z"}, "fileUrl": "-",
        "image": _file(name, signed_url), "ACL": {colleague_id: {"read": True, "write": True}}},
        session_token=colleague)
    assert kept.status == 400 and kept.body["code"] == 107
    assert await _count(env) == before
    status, body, _ = await env.fetch(env.bare(name), {"X-Parse-Session-Token": colleague})
    assert status == 403 and XRAY not in body


async def test_a_reader_of_a_referencing_object_may_attach_while_it_can_read_it(env: FilesEnv) -> None:
    owner_id, owner, name, log_id = await _victim(env)
    colleague_id, colleague = await env.user("colleague")
    await env.client.put(f"/classes/XRayLog/{log_id}", {"ACL": {
        owner_id: {"read": True, "write": True}, colleague_id: {"read": True}}}, session_token=owner)
    copy = await env.xray(colleague, colleague_id, name)
    assert await _image_of(env, copy) == name


async def _checker_ctx(env: FilesEnv, user_id: str) -> RequestContext:
    user = (await env.client.get(f"/users/{user_id}", master=True)).body
    return RequestContext(env.state, Auth(user=user))


async def test_the_check_alone_finds_files_anywhere_in_a_body(env: FilesEnv) -> None:
    _, _, victim_file, _ = await _victim(env)
    thief_id, thief = await env.user("thief")
    own = await env.upload("mine.png", b"\x89PNGmine", "image/png", master=False, session_token=thief)
    check = env.state.services.file_reference_check
    ctx = await _checker_ctx(env, thief_id)
    victim = _file(victim_file)
    hostile = [
        {"image.name": victim_file},
        {"a.b.image.name": victim_file},
        {"meta": {"scan": victim}},
        {"meta.scan": victim},
        {"images": [victim]},
        {"images": [[{"deep": victim}]]},
        {"images": {"__op": "Add", "objects": [victim]}},
        {"images": {"__op": "AddUnique", "objects": [{"nested": victim}]}},
        {"image": _file(victim_file, "https://example.com/?exp=9999999999&sig=forged")},
    ]
    for body in hostile:
        try:
            await check(ctx, body)
        except ParseError as exc:
            assert exc.code == 107, body
        else:
            raise AssertionError(f"not refused: {body}")
    allowed = [
        {"image": _file(own.body["name"])},
        {"meta": {"scan": _file(own.body["name"])}},
        {"contact.name": "O'Brien"}, {"contact.name": "Dr Smith"},  # plain strings, not files
        {"images": {"__op": "Remove", "objects": [victim]}},  # removing is not attaching
    ]
    for body in allowed:
        await check(ctx, body)
    master = RequestContext(env.state, Auth(is_master=True))
    await check(master, {"image": victim})


async def test_a_master_upload_is_attached_by_the_master_only(env: FilesEnv) -> None:
    upload = await env.upload("m.png", b"\x89PNGmaster", "image/png")
    user_id, _ = await env.user("user1")
    check = env.state.services.file_reference_check
    ctx = await _checker_ctx(env, user_id)
    try:
        await check(ctx, {"image": _file(upload.body["name"])})
    except ParseError as exc:
        assert exc.code == 107
    else:
        raise AssertionError("a user attached a master upload")


async def test_the_uploader_is_recorded_by_the_server_and_survives_key_rotation(env: FilesEnv) -> None:
    user_id, token = await env.user("uploader")
    # a client-supplied "owner" in the file's metadata is only metadata
    reply = await env.upload("a.png", b"\x89PNGa", "image/png", master=False, session_token=token,
                             headers={"X-Parse-Upload-Mode": "stream", "X-Parse-File-Metadata": '{"owner": "x"}'})
    assert reply.status == 201, reply.body
    adapter = env.files.store.adapter
    record = await adapter.stat(reply.body["name"])
    assert record.owner == f"user:{user_id}" and record.metadata == {"owner": "x"}
    report = await rotate_keys(adapter, None, "a-new-key")
    assert report.rotated == [reply.body["name"]]
    assert (await adapter.stat(reply.body["name"])).owner == f"user:{user_id}"
    master_upload = await env.upload("m.png", b"\x89PNGm", "image/png")
    assert (await adapter.stat(master_upload.body["name"])).owner is None


async def test_a_new_session_cannot_carry_someone_elses_file(env: FilesEnv) -> None:
    _, _, victim_file, _ = await _victim(env)
    _, thief = await env.user("thief")
    reply = await env.client.post("/sessions", {"scan": _file(victim_file)}, session_token=thief)
    assert reply.status == 400 and reply.body["code"] == 107, reply.body
    status, body, _ = await env.fetch(env.bare(victim_file), {"X-Parse-Session-Token": thief})
    assert status == 403 and XRAY not in body
