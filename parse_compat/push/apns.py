"""Apple Push Notification service (HTTP/2, token authentication): a push adapter for iOS.

Parse's option shape (parse-server-push-adapter's): `push: {"ios": {"token": {"key": <.p8 file
path or its PEM text>, "keyId": …, "teamId": …}, "topic": <bundle id>, "production": bool}}`.
Each device gets one `POST /3/device/<token>` with an ES256 provider token (renewed every 50
minutes), `apns-topic`, `apns-push-type`, `apns-priority` and `apns-expiration` from the push's
`expiration_time`; `apnsEndpoint` overrides Apple's host and `apnsCaFile` adds a CA (tests).
Certificate authentication is not supported. A refused device reports Apple's `reason`
(`BadDeviceToken`, `Unregistered`, …).
"""

from __future__ import annotations

import asyncio
import base64
import json
import ssl
import time
from pathlib import Path
from typing import Any
from urllib.parse import quote

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

from .http2 import Http2Client
from .results import device_of

PRODUCTION = "https://api.push.apple.com"
SANDBOX = "https://api.sandbox.push.apple.com"
TOKEN_LIFETIME = 50 * 60
MAX_PARALLEL = 16
APS_KEYS = ("alert", "badge", "sound", "content-available", "category", "mutable-content", "thread-id")


class ApnsConfigError(ValueError):
    """The `push.ios` option cannot build this adapter (the boot stops with the message)."""


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _key(value: Any) -> ec.EllipticCurvePrivateKey:
    if not isinstance(value, str) or not value:
        raise ApnsConfigError("push.ios.token.key must be a .p8 file path or its PEM text")
    text = value if "BEGIN" in value else None
    if text is None:
        try:
            text = Path(value).read_text(encoding="utf-8")
        except OSError as exc:
            raise ApnsConfigError("push.ios.token.key: the .p8 file cannot be read") from exc
    key = serialization.load_pem_private_key(text.encode("utf-8"), password=None)
    if not isinstance(key, ec.EllipticCurvePrivateKey):
        raise ApnsConfigError("push.ios.token.key is not an EC (.p8) key")
    return key


def provider_token(key: ec.EllipticCurvePrivateKey, key_id: str, team_id: str, now: float) -> str:
    header = _b64(json.dumps({"alg": "ES256", "kid": key_id}).encode())
    claims = _b64(json.dumps({"iss": team_id, "iat": int(now)}).encode())
    r, s = decode_dss_signature(key.sign(f"{header}.{claims}".encode("ascii"), ec.ECDSA(hashes.SHA256())))
    return f"{header}.{claims}.{_b64(r.to_bytes(32, 'big') + s.to_bytes(32, 'big'))}"


def apns_payload(body: dict[str, Any]) -> dict[str, Any]:
    """Parse's `data` → `{"aps": {...}, ...custom keys}`."""
    data = body.get("data") or {}
    aps = {key: data[key] for key in APS_KEYS if key in data}
    if isinstance(data.get("title"), str):
        alert = aps.get("alert")
        aps["alert"] = {**(alert if isinstance(alert, dict) else {"body": alert} if alert else {}),
                        "title": data["title"]}
    custom = {k: v for k, v in data.items() if k not in APS_KEYS and k != "title"}
    return {"aps": aps, **custom}


class ApnsPushAdapter:
    def __init__(self, options: dict[str, Any]) -> None:
        token = options.get("token")
        if not isinstance(token, dict):
            raise ApnsConfigError("push.ios needs token: {key, keyId, teamId} (certificates are not supported)")
        self.key = _key(token.get("key"))
        self.key_id, self.team_id = token.get("keyId"), token.get("teamId")
        self.topic = options.get("topic") or options.get("bundleId")
        if not all(isinstance(v, str) and v for v in (self.key_id, self.team_id, self.topic)):
            raise ApnsConfigError("push.ios needs token.keyId, token.teamId and topic (the bundle id)")
        endpoint = options.get("apnsEndpoint") or (PRODUCTION if options.get("production") else SANDBOX)
        context = None
        if options.get("apnsCaFile"):
            context = ssl.create_default_context(cafile=str(options["apnsCaFile"]))
        self.client = Http2Client(str(endpoint), context)
        self._token: tuple[str, float] | None = None

    def valid_push_types(self) -> list[str]:
        return ["ios"]

    def _provider_token(self) -> str:
        now = time.time()
        if self._token is None or self._token[1] < now:
            self._token = (provider_token(self.key, str(self.key_id), str(self.team_id), now), now + TOKEN_LIFETIME)
        return self._token[0]

    def _headers(self, body: dict[str, Any]) -> dict[str, str]:
        data = body.get("data") or {}
        background = bool(data.get("content-available")) and not data.get("alert")
        headers = {"authorization": f"bearer {self._provider_token()}", "apns-topic": str(self.topic),
                   "apns-push-type": "background" if background else "alert",
                   "apns-priority": "5" if background else "10", "content-type": "application/json"}
        expiration = body.get("expiration_time")
        if isinstance(expiration, int | float):
            headers["apns-expiration"] = str(int(expiration // 1000))
        return headers

    async def _send_one(self, device_token: str, headers: dict[str, str], payload: bytes) -> str | None:
        """None when Apple accepted the notification, else its reason."""
        try:
            status, answer = await self.client.post(f"/3/device/{quote(device_token, safe='')}", headers, payload)
        except (OSError, TimeoutError, ConnectionError) as exc:
            return type(exc).__name__
        if status == 200:
            return None
        try:
            reason = json.loads(answer.decode("utf-8", "replace")).get("reason")
        except (ValueError, AttributeError):
            reason = None
        return reason if isinstance(reason, str) else f"HTTP {status}"

    async def send(self, body: dict[str, Any], installations: list[dict[str, Any]],
                   push_status_id: str) -> list[dict[str, Any]]:
        headers = self._headers(body)
        payload = json.dumps(apns_payload(body)).encode("utf-8")
        gate = asyncio.Semaphore(MAX_PARALLEL)

        async def one(installation: dict[str, Any]) -> dict[str, Any]:
            async with gate:
                error = await self._send_one(str(installation.get("deviceToken") or ""), headers, payload)
            result: dict[str, Any] = {"device": device_of(installation), "transmitted": error is None}
            if error is not None:
                result["response"] = {"error": error}
            return result

        return list(await asyncio.gather(*(one(i) for i in installations)))

    async def close(self) -> None:
        await self.client.close()
