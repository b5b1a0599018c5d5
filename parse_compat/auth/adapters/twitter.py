"""Twitter (X): the client's OAuth 1.0a user token is checked by calling
`account/verify_credentials` signed with the app's consumer key and the user's token (HMAC-SHA1,
RFC 5849), and the answer's `id_str` must be `authData.id`.

authData: `{"id", "auth_token", "auth_token_secret"}` (+ `consumer_key` when several apps are
configured). Options: `{"consumer_key", "consumer_secret"}`, or a list of them (Parse's multiple
configurations, picked by `authData.consumer_key`); `apiUrl` (for tests).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import time
from typing import Any
from urllib.parse import quote

from .base import AuthAdapter, AuthFailure
from .jwt_tokens import invalid
from .provider_http import ProviderUnavailable

API_URL = "https://api.twitter.com"
INVALID = "Twitter auth is invalid for this user."


def pct(value: str) -> str:
    return quote(value, safe="~")


def oauth1_signature(method: str, url: str, params: dict[str, str], consumer_secret: str, token_secret: str) -> str:
    """RFC 5849 §3.4: HMAC-SHA1 over the signature base string, base64."""
    normalized = "&".join(f"{k}={v}" for k, v in sorted((pct(k), pct(v)) for k, v in params.items()))
    base = "&".join((method.upper(), pct(url), pct(normalized)))
    key = f"{pct(consumer_secret)}&{pct(token_secret)}".encode()
    return base64.b64encode(hmac.new(key, base.encode(), hashlib.sha1).digest()).decode()


def oauth1_header(method: str, url: str, query: dict[str, str], consumer_key: str, consumer_secret: str,
                  token: str, token_secret: str) -> str:
    oauth = {"oauth_consumer_key": consumer_key, "oauth_nonce": secrets.token_hex(16),
             "oauth_signature_method": "HMAC-SHA1", "oauth_timestamp": str(int(time.time())),
             "oauth_token": token, "oauth_version": "1.0"}
    oauth["oauth_signature"] = oauth1_signature(method, url, {**query, **oauth}, consumer_secret, token_secret)
    return "OAuth " + ", ".join(f'{pct(k)}="{pct(v)}"' for k, v in sorted(oauth.items()))


class TwitterAdapter(AuthAdapter):
    def validate_options(self, options: dict[str, Any]) -> None:
        configs = options.get("configurations", [options])
        usable = [c for c in configs if isinstance(c, dict) and c.get("consumer_key") and c.get("consumer_secret")]
        if not usable:
            raise AuthFailure("Twitter auth configuration missing (consumer_key, consumer_secret)")
        self.configs = usable

    def _config(self, auth_data: dict[str, Any]) -> dict[str, Any]:
        if len(self.configs) == 1:
            return self.configs[0]
        for config in self.configs:
            if config["consumer_key"] == auth_data.get("consumer_key"):
                return config
        raise invalid(INVALID)

    async def validate_auth_data(self, auth_data: dict[str, Any], options: dict[str, Any], request: Any) -> None:
        token, token_secret = auth_data.get("auth_token"), auth_data.get("auth_token_secret")
        if not isinstance(token, str) or not isinstance(token_secret, str) or auth_data.get("id") is None:
            raise invalid(INVALID)
        config = self._config(auth_data)
        own = config.get("apiUrl")
        base = own if isinstance(own, str) else self.url("apiUrl", API_URL)
        url = base.rstrip("/") + "/1.1/account/verify_credentials.json"
        header = oauth1_header("GET", url, {}, str(config["consumer_key"]), str(config["consumer_secret"]),
                               token, token_secret)
        try:
            status, body, _ = await self.fetch_json("GET", url, headers={"Authorization": header})
        except ProviderUnavailable as exc:
            raise invalid(INVALID) from exc
        if status != 200 or not isinstance(body, dict) or str(body.get("id_str")) != str(auth_data["id"]):
            raise invalid(INVALID)

    def validate_app_id(self, app_ids: Any, auth_data: dict[str, Any], options: dict[str, Any], request: Any) -> None:
        return None
