"""Apple Game Center: the signature a device made with `generateIdentityVerificationSignature` is
checked with the certificate at `publicKeyUrl`, which must be an apple.com URL and must be issued
by the configured root certificate (DigiCert's code-signing CA by default, as Parse).

authData: `{"id": <playerId>, "publicKeyUrl", "timestamp", "signature", "salt", "bundleId"}`
(signature and salt in base64). The signed bytes are playerId + bundleId (UTF-8) + timestamp
(uint64, big-endian) + salt. Options: `rootCertificateUrl` (PEM), `publicKeyUrlPattern` (a regex,
for tests; default: https on apple.com, a `.cer` file). Certificates are cached by URL (max-age).
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import re
import time
from datetime import UTC, datetime
from typing import Any

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from .base import AuthAdapter
from .jwt_tokens import DEFAULT_MAX_AGE, MAX_AGE_RE, invalid
from .provider_http import ProviderUnavailable

ROOT_URL = "https://cacerts.digicert.com/DigiCertTrustedG4CodeSigningRSA4096SHA3842021CA1.crt.pem"
PUBLIC_KEY_URL = r"^https://(?:[-_A-Za-z0-9]+\.)*apple\.com/.*\.cer$"
CERT_TYPES = ("application/x-x509-ca-cert", "application/pkix-cert")
MAX_CERT_BYTES = 10000


def signed_payload(auth_data: dict[str, Any]) -> bytes:
    timestamp = int(auth_data["timestamp"])
    salt = base64.b64decode(str(auth_data["salt"]), validate=True)
    return (str(auth_data["id"]).encode() + str(auth_data["bundleId"]).encode()
            + timestamp.to_bytes(8, "big") + salt)


def verify_leaf(root: x509.Certificate, leaf: x509.Certificate, signature: bytes, payload: bytes) -> bool:
    """CPU work (run in a thread): the leaf is issued by the root, valid now, and signed the payload."""
    try:
        leaf.verify_directly_issued_by(root)
    except (ValueError, TypeError, InvalidSignature):
        return False
    now = datetime.now(UTC)
    if not leaf.not_valid_before_utc <= now <= leaf.not_valid_after_utc:
        return False
    key = leaf.public_key()
    if not isinstance(key, rsa.RSAPublicKey):
        return False
    try:
        key.verify(signature, payload, padding.PKCS1v15(), hashes.SHA256())
    except InvalidSignature:
        return False
    return True


class GameCenterAdapter(AuthAdapter):
    def validate_options(self, options: dict[str, Any]) -> None:
        self.url_pattern = re.compile(str(options.get("publicKeyUrlPattern") or PUBLIC_KEY_URL))
        self._root: x509.Certificate | None = None
        self._certs: dict[str, tuple[float, x509.Certificate]] = {}

    async def _root_certificate(self) -> x509.Certificate:
        if self._root is None:
            url = self.url("rootCertificateUrl", ROOT_URL)
            try:
                status, raw, _ = await self.tools.http.request_raw("GET", url)
                if status != 200 or len(raw) > MAX_CERT_BYTES:
                    raise ValueError("unusable root certificate")
                self._root = x509.load_pem_x509_certificate(raw)
            except (ProviderUnavailable, ValueError) as exc:
                raise invalid("Apple Game Center auth adapter parameter `rootCertificateURL` is invalid.") from exc
        return self._root

    async def _certificate(self, url: Any) -> x509.Certificate:
        refused = invalid(f"Apple Game Center - invalid publicKeyUrl: {url}")
        if not isinstance(url, str) or not self.url_pattern.match(url):
            raise refused
        cached = self._certs.get(url)
        if cached is not None and cached[0] > time.monotonic():
            return cached[1]
        try:
            status, raw, headers = await self.tools.http.request_raw("GET", url)
        except ProviderUnavailable as exc:
            raise refused from exc
        content_type = headers.get("Content-Type", "").split(";")[0].strip()
        if status != 200 or content_type not in CERT_TYPES or len(raw) > MAX_CERT_BYTES:
            raise refused
        try:
            cert = x509.load_der_x509_certificate(raw)
        except ValueError as exc:
            raise refused from exc
        match = MAX_AGE_RE.search(headers.get("Cache-Control", ""))
        self._certs[url] = (time.monotonic() + (float(match.group(1)) if match else DEFAULT_MAX_AGE), cert)
        return cert

    async def validate_auth_data(self, auth_data: dict[str, Any], options: dict[str, Any], request: Any) -> None:
        if not auth_data.get("id"):
            raise invalid("Apple Game Center - authData id missing")
        try:
            payload = signed_payload(auth_data)
            signature = base64.b64decode(str(auth_data.get("signature")), validate=True)
        except (KeyError, ValueError, TypeError, OverflowError, binascii.Error) as exc:
            raise invalid("Apple Game Center - invalid signature") from exc
        root = await self._root_certificate()
        leaf = await self._certificate(auth_data.get("publicKeyUrl"))
        if not await asyncio.to_thread(verify_leaf, root, leaf, signature, payload):
            raise invalid("Apple Game Center - invalid signature")

    def validate_app_id(self, app_ids: Any, auth_data: dict[str, Any], options: dict[str, Any], request: Any) -> None:
        return None
