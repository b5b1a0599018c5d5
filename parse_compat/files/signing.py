"""Short-lived signed file URLs: `…/files/<appId>/<name>?exp=<unix>&sig=<HMAC>`.

The HMAC-SHA256 key is derived from the master key (never the master key itself), and the
signature covers the app id, the file name and the expiry, so a signature is good for one file
of one app until `exp` only. Expiries are rounded up to a step so that repeated reads within a
step give the same URL (browsers and SDK caches keep working).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import math
import time
from collections.abc import Callable

DEFAULT_TTL = 3600  # seconds a signed URL stays valid (at least; rounding adds < STEP)
STEP = 60


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


class UrlSigner:
    def __init__(self, master_key: str, app_id: str, ttl: int = DEFAULT_TTL,
                 clock: Callable[[], float] = time.time) -> None:
        self._key = hmac.new(master_key.encode("utf-8"), b"parse-compat/files/url-signing/v1",
                             hashlib.sha256).digest()
        self._app_id = app_id
        self.ttl = ttl
        self._clock = clock

    def signature(self, name: str, expires: int) -> str:
        message = f"{self._app_id}\n{name}\n{expires}".encode()
        return _b64(hmac.new(self._key, message, hashlib.sha256).digest())

    def sign(self, name: str) -> tuple[int, str]:
        expires = int(math.ceil((self._clock() + self.ttl) / STEP) * STEP)
        return expires, self.signature(name, expires)

    def verify(self, name: str, expires: str | None, signature: str | None) -> bool:
        if not expires or not signature or not expires.isdigit():
            return False
        if int(expires) < self._clock():
            return False
        return hmac.compare_digest(self.signature(name, int(expires)), signature)
