"""Firebase Cloud Messaging, HTTP v1 API: a push adapter for Android and iOS devices.

Chosen with Parse's option shape, `push: {"android": {"firebaseServiceAccount": <the service
account JSON, or the path of its file>}, "ios": {...the same...}}` — each device type listed gets
FCM. The adapter signs a service-account assertion (RS256), exchanges it at the account's
`token_uri` for an access token (kept until a minute before it expires) and POSTs one
`messages:send` per device (`fcmEndpoint` overrides `https://fcm.googleapis.com`, for tests).
Each call is bounded (`CALL_TIMEOUT`), `MAX_PARALLEL` run at once; a device whose call fails is
reported with FCM's error status (`UNREGISTERED`, `INVALID_ARGUMENT`, …).
"""

from __future__ import annotations

import asyncio
import base64
import json
import time
from pathlib import Path
from typing import Any

import aiohttp
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from .results import device_of

SCOPE = "https://www.googleapis.com/auth/firebase.messaging"
DEFAULT_ENDPOINT = "https://fcm.googleapis.com"
CALL_TIMEOUT = 10.0
MAX_PARALLEL = 16
MAX_ANSWER = 64 * 1024
APS_KEYS = ("badge", "sound", "content-available", "category", "mutable-content")


class PushConfigError(ValueError):
    """The push option cannot build this adapter (the boot stops with the message)."""


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def load_service_account(value: Any) -> dict[str, Any]:
    if isinstance(value, str):
        try:
            value = json.loads(Path(value).read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise PushConfigError("push: firebaseServiceAccount file cannot be read as JSON") from exc
    if not isinstance(value, dict) or not all(isinstance(value.get(k), str) for k in
                                              ("client_email", "private_key", "project_id")):
        raise PushConfigError("push: firebaseServiceAccount needs client_email, private_key and project_id")
    return value


def signed_assertion(account: dict[str, Any], now: float) -> str:
    """The service account's OAuth2 JWT assertion, RS256."""
    key = serialization.load_pem_private_key(account["private_key"].encode("utf-8"), password=None)
    if not isinstance(key, rsa.RSAPrivateKey):
        raise PushConfigError("push: the service account's private_key is not an RSA key")
    header = {"alg": "RS256", "typ": "JWT"}
    claims = {"iss": account["client_email"], "scope": SCOPE, "aud": account.get("token_uri"),
              "iat": int(now), "exp": int(now) + 3600}
    signing_input = _b64(json.dumps(header).encode()) + "." + _b64(json.dumps(claims).encode())
    signature = key.sign(signing_input.encode("ascii"), padding.PKCS1v15(), hashes.SHA256())
    return signing_input + "." + _b64(signature)


def _strings(values: dict[str, Any]) -> dict[str, str]:
    """FCM's `data` takes string values only."""
    return {str(k): v if isinstance(v, str) else json.dumps(v) for k, v in values.items()}


def fcm_message(body: dict[str, Any], installation: dict[str, Any], push_status_id: str,
                now_ms: int) -> dict[str, Any]:
    data = body.get("data") or {}
    message: dict[str, Any] = {"token": installation.get("deviceToken"),
                               "data": _strings({**data, "push_id": push_status_id})}
    alert, title = data.get("alert"), data.get("title")
    if isinstance(alert, str) or isinstance(title, str):
        message["notification"] = {k: v for k, v in (("title", title), ("body", alert)) if isinstance(v, str)}
    expiration = body.get("expiration_time")
    if installation.get("deviceType") == "android":
        android: dict[str, Any] = {"priority": "high"}
        if isinstance(expiration, int | float):
            android["ttl"] = f"{max(0, int((expiration - now_ms) // 1000))}s"
        message["android"] = android
    else:
        aps = {key: data[key] for key in APS_KEYS if key in data}
        if isinstance(alert, str | dict):
            aps["alert"] = alert
        apns: dict[str, Any] = {"payload": {"aps": aps}}
        if isinstance(expiration, int | float):
            apns["headers"] = {"apns-expiration": str(int(expiration // 1000))}
        message["apns"] = apns
    return {"message": message}


class FcmPushAdapter:
    def __init__(self, options: dict[str, Any]) -> None:
        self.types = [t for t in ("android", "ios", "osx", "tvos") if isinstance(options.get(t), dict)]
        if not self.types:
            raise PushConfigError('push: give "android" and/or "ios" with a firebaseServiceAccount')
        accounts = {json.dumps(options[t].get("firebaseServiceAccount"), sort_keys=True) for t in self.types}
        if len(accounts) != 1:
            raise PushConfigError("push: every device type must use the same firebaseServiceAccount")
        self.account = load_service_account(options[self.types[0]].get("firebaseServiceAccount"))
        endpoint = options.get("fcmEndpoint", DEFAULT_ENDPOINT)
        self.url = f"{str(endpoint).rstrip('/')}/v1/projects/{self.account['project_id']}/messages:send"
        self._token: tuple[str, float] | None = None
        self._token_lock = asyncio.Lock()
        self._session: aiohttp.ClientSession | None = None

    def valid_push_types(self) -> list[str]:
        return list(self.types)

    def _http(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=CALL_TIMEOUT))
        return self._session

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()

    async def access_token(self) -> str:
        async with self._token_lock:
            now = time.time()
            if self._token is not None and self._token[1] > now + 60:
                return self._token[0]
            form = {"grant_type": "urn:ietf:params:oauth:grant-type:jwt-bearer",
                    "assertion": signed_assertion(self.account, now)}
            async with self._http().post(self.account.get("token_uri", "https://oauth2.googleapis.com/token"),
                                         data=form) as resp:
                answer = json.loads((await resp.content.read(MAX_ANSWER)).decode("utf-8", "replace") or "{}")
                if resp.status != 200 or not isinstance(answer.get("access_token"), str):
                    raise ConnectionError(f"FCM token exchange failed ({resp.status})")
            self._token = (answer["access_token"], now + float(answer.get("expires_in", 3600)))
            return self._token[0]

    async def _send_one(self, token: str, message: dict[str, Any]) -> dict[str, Any] | None:
        """None when FCM accepted the message, else its error."""
        try:
            async with self._http().post(self.url, json=message,
                                         headers={"Authorization": f"Bearer {token}"}) as resp:
                raw = await resp.content.read(MAX_ANSWER)
                if resp.status == 200:
                    return None
        except (aiohttp.ClientError, TimeoutError) as exc:
            return {"error": type(exc).__name__}
        try:
            error = json.loads(raw.decode("utf-8", "replace")).get("error", {})
        except (ValueError, AttributeError):
            error = {}
        status = error.get("status") if isinstance(error, dict) else None
        return {"error": status if isinstance(status, str) else f"HTTP {resp.status}"}

    async def send(self, body: dict[str, Any], installations: list[dict[str, Any]],
                   push_status_id: str) -> list[dict[str, Any]]:
        token = await self.access_token()
        now_ms = int(time.time() * 1000)
        gate = asyncio.Semaphore(MAX_PARALLEL)

        async def one(installation: dict[str, Any]) -> dict[str, Any]:
            device = device_of(installation)
            if installation.get("deviceType") not in self.types:
                return {"device": device, "transmitted": False,
                        "response": {"error": f"Can not find sender for push type {device['deviceType']}"}}
            async with gate:
                error = await self._send_one(token, fcm_message(body, installation, push_status_id, now_ms))
            return {"device": device, "transmitted": error is None, **({"response": error} if error else {})}

        return list(await asyncio.gather(*(one(i) for i in installations)))
