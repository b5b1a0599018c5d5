"""The generic OAuth2 adapter (RFC 7662 token introspection), enabled for any provider name with
`"oauth2": true` in its options, as in Parse.

Options: `tokenIntrospectionEndpointUrl` (required), `useridField` (the introspection field that
must equal `authData.id`), `appidField` + `appIds` (the token's client must be one of them),
`authorizationHeader` (sent to the endpoint).
"""

from __future__ import annotations

from typing import Any

from .base import AuthAdapter
from .jwt_tokens import invalid
from .provider_http import ProviderUnavailable

INVALID_ACCESS = "OAuth2 access token is invalid for this user."
INVALID_APPID = ("OAuth2: the access_token's appID is empty or is not in the list of permitted appIDs in the "
                 "auth configuration.")
MISSING_APPIDS = 'OAuth2 configuration is missing the client app IDs ("appIds" config parameter).'
MISSING_URL = "OAuth2 token introspection endpoint URL is missing from configuration!"


class OAuth2Adapter(AuthAdapter):
    def validate_options(self, options: dict[str, Any]) -> None:
        if not isinstance(options.get("tokenIntrospectionEndpointUrl"), str):
            raise invalid(MISSING_URL)

    async def _introspect(self, auth_data: dict[str, Any]) -> dict[str, Any]:
        token = auth_data.get("access_token")
        if not isinstance(token, str) or not token:
            raise invalid(INVALID_ACCESS)
        headers = {"Accept": "application/json"}
        if isinstance(self.options.get("authorizationHeader"), str):
            headers["Authorization"] = self.options["authorizationHeader"]
        try:
            status, body, _ = await self.fetch_json(
                "POST", self.options["tokenIntrospectionEndpointUrl"], data={"token": token}, headers=headers)
        except ProviderUnavailable as exc:
            raise invalid(INVALID_ACCESS) from exc
        if status != 200 or not isinstance(body, dict) or body.get("active") is not True:
            raise invalid(INVALID_ACCESS)
        return body

    async def validate_auth_data(self, auth_data: dict[str, Any], options: dict[str, Any], request: Any) -> None:
        info = await self._introspect(auth_data)
        field = self.options.get("useridField")
        if field and str(info.get(field)) != str(auth_data.get("id")):
            raise invalid(INVALID_ACCESS)

    async def validate_app_id(self, app_ids: Any, auth_data: dict[str, Any], options: dict[str, Any],
                              request: Any) -> None:
        field = self.options.get("appidField")
        if not field:
            return
        if not app_ids:
            raise invalid(MISSING_APPIDS)
        info = await self._introspect(auth_data)
        value = info.get(field)
        values = value if isinstance(value, list) else [value]
        if not any(v is not None and v in app_ids for v in values):
            raise invalid(INVALID_APPID)
