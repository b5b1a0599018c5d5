"""Facebook: a Graph API access token is checked by asking Graph who it belongs to (and, with
`appIds`, which app it was issued to); a Limited Login token (`authData.token`, a JWT) is verified
with Facebook's JWKS like an OpenID ID token.

authData: `{"id", "access_token"}` or `{"id", "token"}`. Options: `appIds` (list), `appSecret` (adds
`appsecret_proof`), `clientId` (Limited Login audience), `graphUrl`, `jwksUrl` (for tests).
"""

from __future__ import annotations

import hashlib
import hmac
from typing import Any

from .base import AuthAdapter
from .jwt_tokens import DEFAULT_MAX_AGE, invalid, verify_id_token
from .provider_http import ProviderUnavailable

GRAPH_URL = "https://graph.facebook.com/"
JWKS_URL = "https://www.facebook.com/.well-known/oauth/openid/jwks/"
ISSUER = "https://www.facebook.com"
INVALID = "Facebook auth is invalid for this user."


class FacebookAdapter(AuthAdapter):
    async def _graph(self, path: str, auth_data: dict[str, Any]) -> Any:
        token = auth_data.get("access_token")
        if not isinstance(token, str) or not token:
            raise invalid(INVALID)
        params = {"access_token": token}
        secret = self.options.get("appSecret")
        if isinstance(secret, str) and secret:
            params["appsecret_proof"] = hmac.new(secret.encode(), token.encode(), hashlib.sha256).hexdigest()
        base = self.url("graphUrl", GRAPH_URL).rstrip("/") + "/"
        try:
            status, body, _ = await self.fetch_json("GET", base + path, params=params)
        except ProviderUnavailable as exc:
            raise invalid(INVALID) from exc
        return body if status == 200 else None

    async def validate_auth_data(self, auth_data: dict[str, Any], options: dict[str, Any], request: Any) -> None:
        if auth_data.get("token") is not None:
            client_id = self.options.get("clientId")
            audience = client_id if isinstance(client_id, list) else [client_id] if client_id else []
            if not audience:
                raise invalid("Facebook Limited Login needs auth.facebook.clientId.")
            claims = await verify_id_token(self.tools.jwks, auth_data["token"], jwks_url=self.url("jwksUrl", JWKS_URL),
                                           audiences=[str(a) for a in audience], issuers=(ISSUER,),
                                           max_age=DEFAULT_MAX_AGE)
            if claims.get("sub") != auth_data.get("id"):
                raise invalid("auth data is invalid for this user.")
            return
        data = await self._graph("me", {**auth_data, "fields": "id"})
        if not isinstance(data, dict) or data.get("id") is None or str(data["id"]) != str(auth_data.get("id")):
            raise invalid(INVALID)

    async def validate_app_id(self, app_ids: Any, auth_data: dict[str, Any], options: dict[str, Any],
                              request: Any) -> None:
        if auth_data.get("token") is not None:
            return
        if not isinstance(app_ids, list):
            raise invalid("appIds must be an array.")
        if not app_ids:
            raise invalid("Facebook auth is not configured.")
        data = await self._graph("app", auth_data)
        if not isinstance(data, dict) or str(data.get("id")) not in [str(app_id) for app_id in app_ids]:
            raise invalid(INVALID)
