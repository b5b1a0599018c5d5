"""The FCM HTTP v1 push adapter against a local fake of Google's token endpoint and FCM's
`messages:send` (issue 14): Parse's `push: {"android": {"firebaseServiceAccount": …}}` option,
a signed service-account assertion the fake verifies with the account's public key, one message
per device with the alert, data and TTL, the token reused, and FCM's errors counted as failures."""

from __future__ import annotations

import base64
import json
import time
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from .conftest import Client

KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class FakeGoogle:
    def __init__(self) -> None:
        self.token_requests = 0
        self.messages: list[dict[str, Any]] = []
        self.server: TestServer | None = None

    @property
    def base(self) -> str:
        assert self.server is not None
        return f"http://127.0.0.1:{self.server.port}"

    async def token(self, request: web.Request) -> web.Response:
        form = await request.post()
        assert form["grant_type"] == "urn:ietf:params:oauth:grant-type:jwt-bearer"
        header, claims, signature = str(form["assertion"]).split(".")
        KEY.public_key().verify(_unb64(signature), f"{header}.{claims}".encode(), padding.PKCS1v15(),
                                hashes.SHA256())  # raises on a bad signature → 500 → test fails
        payload = json.loads(_unb64(claims))
        assert payload["iss"] == "push@example.iam.gserviceaccount.com"
        assert payload["scope"] == "https://www.googleapis.com/auth/firebase.messaging"
        assert payload["aud"] == f"{self.base}/token" and payload["exp"] - payload["iat"] == 3600
        self.token_requests += 1
        return web.json_response({"access_token": f"tok-{self.token_requests}", "expires_in": 3600})

    async def send(self, request: web.Request) -> web.Response:
        assert request.match_info["project"] == "demo-project"
        if request.headers.get("Authorization") != "Bearer tok-1":
            return web.json_response({"error": {"status": "UNAUTHENTICATED"}}, status=401)
        message = (await request.json())["message"]
        self.messages.append(message)
        if message["token"] == "gone":
            return web.json_response({"error": {"code": 404, "status": "UNREGISTERED"}}, status=404)
        return web.json_response({"name": f"projects/demo-project/messages/{len(self.messages)}"})


@pytest.fixture
async def google() -> AsyncIterator[FakeGoogle]:
    fake = FakeGoogle()
    app = web.Application()
    app.router.add_post("/token", fake.token)
    app.router.add_post("/v1/projects/{project}/messages:send", fake.send)
    fake.server = TestServer(app, host="127.0.0.1")
    await fake.server.start_server()
    yield fake
    await fake.server.close()


@pytest.fixture
def settings_overrides(google: FakeGoogle) -> dict[str, Any]:
    pem = KEY.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption()).decode()
    account = {"type": "service_account", "project_id": "demo-project", "private_key": pem,
               "client_email": "push@example.iam.gserviceaccount.com", "token_uri": f"{google.base}/token"}
    return {"schema": None, "push": {"android": {"firebaseServiceAccount": account}, "fcmEndpoint": google.base}}


async def _install(api: Client, number: int, kind: str, token: str) -> None:
    reply = await api.post("/installations", {"installationId": f"00000000-0000-0000-0000-00000000000{number}",
                                              "deviceType": kind, "deviceToken": token}, master=True)
    assert reply.status == 201, reply.body


@pytest.mark.asyncio
async def test_pushes_go_through_fcm_v1_and_failures_are_counted(api: Client, google: FakeGoogle) -> None:
    await _install(api, 1, "android", "good-1")
    await _install(api, 2, "android", "gone")
    await _install(api, 3, "ios", "apple-1")  # no sender configured for iOS
    expires = int(time.time()) + 600
    reply = await api.post("/push", {"where": {}, "data": {"alert": "Hi", "title": "T", "extra": {"n": 1}},
                                     "expiration_time": expires}, master=True)
    status_id = reply.headers["X-Parse-Push-Status-Id"]
    assert api.state is not None
    await api.state.services.push.wait_idle()
    status = (await api.get(f"/classes/_PushStatus/{status_id}", master=True)).body
    assert status["status"] == "succeeded" and status["numSent"] == 1 and status["numFailed"] == 2
    assert status["sentPerType"] == {"android": 1} and status["failedPerType"] == {"android": 1, "ios": 1}
    good = next(m for m in google.messages if m["token"] == "good-1")
    assert good["notification"] == {"title": "T", "body": "Hi"}
    assert good["data"] == {"alert": "Hi", "title": "T", "extra": '{"n": 1}', "push_id": status_id}
    assert good["android"]["priority"] == "high" and 590 <= int(good["android"]["ttl"].rstrip("s")) <= 600
    assert [m["token"] for m in google.messages].count("apple-1") == 0
    # a second push reuses the access token
    await api.post("/push", {"where": {"deviceToken": "good-1"}, "data": {"alert": "again"}}, master=True)
    await api.state.services.push.wait_idle()
    assert google.token_requests == 1 and len(google.messages) == 3


@pytest.mark.parametrize("option", [
    {"android": {"firebaseServiceAccount": {"project_id": "p"}}},
    {"android": {"firebaseServiceAccount": "/no/such/file.json"}},
    {"adapter": "no_such_module_here"},
    {"adapter": "json"},  # a module without create_adapter
])
def test_a_push_option_that_cannot_work_stops_the_boot(option: dict[str, Any]) -> None:
    from parse_compat.push.adapter import build_push_adapter

    with pytest.raises(ValueError, match="push"):
        build_push_adapter(option)
