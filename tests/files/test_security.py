"""Protected x-rays (issue 6): who may download, signed URLs, and hostile file names."""

from __future__ import annotations

import json
import time
from urllib.parse import parse_qs, urlsplit

from yarl import URL

from tests.api.conftest import APP_ID, MASTER_KEY

from .conftest import FilesEnv

XRAY = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 40


async def _protected_xray(env: FilesEnv) -> tuple[str, str, str, str]:
    """A staff user's x-ray attached to an XRayLog only they can read: (name, url, owner token, log id)."""
    owner_id, token = await env.user("owner")
    reply = await env.upload("xray.png", XRAY, "image/png", master=False, session_token=token)
    assert reply.status == 201, reply.body
    log_id = await env.xray(token, owner_id, reply.body["name"], reply.body["url"])
    return reply.body["name"], reply.body["url"], token, log_id


async def test_anonymous_get_of_a_protected_xray_is_refused(env: FilesEnv) -> None:
    name, _, _, _ = await _protected_xray(env)
    status, body, _ = await env.fetch(env.bare(name))
    assert status == 403 and json.loads(body) == {"code": 119, "error": "Permission denied"}
    status, body, _ = await env.fetch(env.bare(name), {"X-Parse-Application-Id": APP_ID})
    assert status == 403 and XRAY not in body


async def test_owner_session_and_master_key_may_download(env: FilesEnv) -> None:
    name, _, token, _ = await _protected_xray(env)
    status, body, headers = await env.fetch(env.bare(name), {"X-Parse-Session-Token": token})
    assert status == 200 and body == XRAY
    assert headers["Cache-Control"] == "private, no-store"  # no copy left in the browser after sign-out
    status, body, _ = await env.fetch(env.bare(name), {"X-Parse-Master-Key": MASTER_KEY})
    assert status == 200 and body == XRAY
    status, _, _ = await env.fetch(env.bare(name), {"X-Parse-Session-Token": "r:not-a-session"})
    assert status == 400  # 209 Invalid session token, as on every route


async def test_a_user_who_cannot_read_the_xraylog_is_refused(env: FilesEnv) -> None:
    name, _, _, log_id = await _protected_xray(env)
    _, other = await env.user("other")
    assert (await env.client.get(f"/classes/XRayLog/{log_id}", session_token=other)).status == 404
    status, body, _ = await env.fetch(env.bare(name), {"X-Parse-Session-Token": other})
    assert status == 403 and XRAY not in body


async def test_access_follows_the_object_acl(env: FilesEnv) -> None:
    name, _, owner, log_id = await _protected_xray(env)
    other_id, other = await env.user("colleague")
    grant = await env.client.put(f"/classes/XRayLog/{log_id}", {"ACL": {
        other_id: {"read": True}, (await env.client.get("/users/me", session_token=owner)).body["objectId"]:
        {"read": True, "write": True}}}, session_token=owner)
    assert grant.status == 200, grant.body
    status, body, _ = await env.fetch(env.bare(name), {"X-Parse-Session-Token": other})
    assert status == 200 and body == XRAY
    # an uploaded file no object references yet: only its signed URL (returned to the uploader) opens it
    stray = await env.upload("stray.png", b"\x89PNGstray", "image/png", master=False, session_token=owner)
    assert (await env.fetch(env.bare(stray.body["name"]), {"X-Parse-Session-Token": owner}))[0] == 403
    assert (await env.fetch(stray.body["url"]))[0] == 200


async def test_signed_url_expired_tampered_or_for_another_file_is_refused(env: FilesEnv) -> None:
    name, url, token, _ = await _protected_xray(env)
    other = await env.upload("other.png", b"\x89PNGother", "image/png", master=False, session_token=token)
    signer = env.files.signer
    query = parse_qs(urlsplit(url).query)
    exp, sig = query["exp"][0], query["sig"][0]
    assert int(exp) > time.time()
    assert (await env.fetch(url))[:2] == (200, XRAY)

    past = int(time.time()) - 5
    expired = f"{env.bare(name)}?exp={past}&sig={signer.signature(name, past)}"
    tampered_sig = f"{env.bare(name)}?exp={exp}&sig={sig[:-2]}{'AA' if sig[-2:] != 'AA' else 'BB'}"
    tampered_exp = f"{env.bare(name)}?exp={int(exp) + 3600}&sig={sig}"
    other_files_sig = f"{env.bare(name)}?{urlsplit(other.body['url']).query}"
    no_exp = f"{env.bare(name)}?sig={sig}"
    for bad in (expired, tampered_sig, tampered_exp, other_files_sig, no_exp):
        status, body, _ = await env.fetch(bad)
        assert status == 403, bad
        assert json.loads(body) == {"code": 119, "error": "Invalid or expired file signature."}


async def test_path_traversal_in_download_names_is_refused(env: FilesEnv) -> None:
    await _protected_xray(env)
    secret = env.tmp_path / "secret.txt"
    secret.write_bytes(b"TOP SECRET")
    raw_paths = [
        f"/files/{APP_ID}/..%2fsecret.txt", f"/files/{APP_ID}/%2e%2e%2fsecret.txt",
        f"/files/{APP_ID}/%2e%2e/secret.txt", f"/files/{APP_ID}/..%2F..%2F..%2Fetc%2Fpasswd",
        f"/files/{APP_ID}/%2Fetc%2Fpasswd", f"/files/{APP_ID}/%2f{str(secret).lstrip('/').replace('/', '%2f')}",
        f"/files/{APP_ID}/secret.txt%00.png", f"/files/{APP_ID}/.meta", f"/files/{APP_ID}/..",
        f"/files/{APP_ID}/%5c..%5csecret.txt",
    ]
    for raw in raw_paths:
        # encoded=True: the bytes go out as written, no client-side dot-segment normalisation
        async with env.session.get(URL(env.base + raw, encoded=True), headers={"X-Parse-Master-Key": MASTER_KEY}) \
                as resp:
            body = await resp.read()
            assert resp.status in (400, 403, 404), raw
            assert b"TOP SECRET" not in body and b"root:" not in body, raw
    for raw in raw_paths[:3]:
        signed = f"{env.base}{raw}?exp=9999999999&sig=x"
        async with env.session.get(URL(signed, encoded=True)) as resp:
            assert resp.status in (400, 403, 404)
            assert b"TOP SECRET" not in await resp.read()


async def test_path_traversal_in_upload_and_delete_names_is_refused(env: FilesEnv) -> None:
    secret = env.tmp_path / "keep.txt"
    secret.write_bytes(b"keep me")
    for name in ("..%2fkeep.txt", "%2e%2e%2fkeep.txt", "%2Ftmp%2Fx.txt", "x%00.txt", "..", "%2e%2e",
                 "..%5ckeep.txt"):
        url = URL(f"{env.base}/files/{name}", encoded=True)
        headers = {"X-Parse-Application-Id": APP_ID, "X-Parse-Master-Key": MASTER_KEY}
        async with env.session.post(url, data=b"overwrite", headers=headers) as resp:
            assert resp.status == 400 and (await resp.json())["code"] == 122, name
        async with env.session.delete(url, headers=headers) as resp:
            assert resp.status == 400 and (await resp.json())["code"] == 122, name
    assert secret.read_bytes() == b"keep me"
    assert [n async for n in env.files.store.adapter.names()] == []


async def test_html_upload_is_refused_by_default(env: FilesEnv) -> None:
    _, token = await env.user("author")
    reply = await env.upload("x.html", b"<script>steal()</script>", "text/html", master=False, session_token=token)
    assert reply.body == {"code": 130, "error": "File upload of extension html is disabled."}


async def test_a_file_cannot_be_attached_without_access_to_it(env: FilesEnv) -> None:
    name, url, _, _ = await _protected_xray(env)
    thief_id, thief = await env.user("thief")
    patient = await env.client.post("/classes/Patient", {"name": "T", "email": "t@example.com", "phone": "9"},
                                    session_token=thief)
    body = {"patient": {"__type": "Pointer", "className": "Patient", "objectId": patient.body["objectId"]},
            "xrayDate": {"__type": "Date", "iso": "2024-05-01T10:00:00.000Z"}, "fileUrl": "-",
            "image": {"__type": "File", "name": name}}
    refused = await env.client.post("/classes/XRayLog", body, session_token=thief)
    assert refused.status == 400 and refused.body["code"] == 107
    forged = dict(body, image={"__type": "File", "name": name, "url": url.replace("sig=", "sig=x")})
    assert (await env.client.post("/classes/XRayLog", forged, session_token=thief)).status == 400
    count = await env.client.get("/classes/XRayLog", params={"count": 1, "limit": 0}, master=True)
    assert count.body["count"] == 1
    status, body_bytes, _ = await env.fetch(env.bare(name), {"X-Parse-Session-Token": thief})
    assert status == 403 and XRAY not in body_bytes
    assert thief_id
