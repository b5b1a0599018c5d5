"""Providers that answer "whose token is this?" from a profile endpoint called with the client's
access token: Microsoft Graph (`/v1.0/me`), LinkedIn (`/v2/me`), Google Play Games
(`/games/v1/players/<id>`) and Keycloak (the realm's OpenID `userinfo`, with roles and groups).

authData: `{"id", "access_token"}` (Keycloak: also `roles`, `groups`). Each base URL is an option
(`graphUrl`, `apiUrl`; Keycloak's comes from its `config`), so tests point them at local fakes.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from .base import AuthAdapter
from .jwt_tokens import invalid
from .provider_http import ProviderUnavailable


class BearerProfileAdapter(AuthAdapter):
    message = "auth is invalid for this user."
    id_field = "id"

    def profile_request(self, auth_data: dict[str, Any]) -> tuple[str, dict[str, str], dict[str, str]]:
        raise NotImplementedError

    def matches(self, profile: dict[str, Any], auth_data: dict[str, Any]) -> bool:
        return profile.get(self.id_field) is not None and str(profile[self.id_field]) == str(auth_data.get("id"))

    async def validate_auth_data(self, auth_data: dict[str, Any], options: dict[str, Any], request: Any) -> None:
        token = auth_data.get("access_token")
        if not isinstance(token, str) or not token or auth_data.get("id") is None:
            raise invalid(self.message)
        url, headers, params = self.profile_request(auth_data)
        try:
            status, body, _ = await self.fetch_json("GET", url, headers=headers, params=params)
        except ProviderUnavailable as exc:
            raise invalid(self.message) from exc
        if status != 200 or not isinstance(body, dict) or not self.matches(body, auth_data):
            raise invalid(self.message)

    def validate_app_id(self, app_ids: Any, auth_data: dict[str, Any], options: dict[str, Any], request: Any) -> None:
        return None


class MicrosoftAdapter(BearerProfileAdapter):
    message = "Microsoft Graph auth is invalid for this user."

    def profile_request(self, auth_data: dict[str, Any]) -> tuple[str, dict[str, str], dict[str, str]]:
        base = self.url("graphUrl", "https://graph.microsoft.com").rstrip("/")
        return f"{base}/v1.0/me", {"Authorization": f"Bearer {auth_data['access_token']}"}, {}


class LinkedinAdapter(BearerProfileAdapter):
    message = "Linkedin auth is invalid for this user."

    def profile_request(self, auth_data: dict[str, Any]) -> tuple[str, dict[str, str], dict[str, str]]:
        base = self.url("apiUrl", "https://api.linkedin.com").rstrip("/")
        headers = {"Authorization": f"Bearer {auth_data['access_token']}", "x-li-format": "json"}
        if auth_data.get("is_mobile_sdk"):
            headers["x-li-src"] = "msdk"
        return f"{base}/v2/me", headers, {}


class GooglePlayGamesAdapter(BearerProfileAdapter):
    message = "Google Play Games Services - authData is invalid for this user."
    id_field = "playerId"

    def profile_request(self, auth_data: dict[str, Any]) -> tuple[str, dict[str, str], dict[str, str]]:
        base = self.url("apiUrl", "https://www.googleapis.com").rstrip("/")
        player = quote(str(auth_data["id"]), safe="")
        return f"{base}/games/v1/players/{player}", {}, {"access_token": str(auth_data["access_token"])}


class KeycloakAdapter(BearerProfileAdapter):
    message = "Invalid authentication"
    id_field = "sub"

    def validate_options(self, options: dict[str, Any]) -> None:
        config = options.get("config")
        if not isinstance(config, dict) or not config.get("auth-server-url") or not config.get("realm"):
            raise invalid("Missing keycloak configuration")
        self.server = str(config["auth-server-url"]).rstrip("/")
        self.realm = quote(str(config["realm"]), safe="")

    def profile_request(self, auth_data: dict[str, Any]) -> tuple[str, dict[str, str], dict[str, str]]:
        url = f"{self.server}/realms/{self.realm}/protocol/openid-connect/userinfo"
        return url, {"Authorization": f"Bearer {auth_data['access_token']}"}, {}

    def matches(self, profile: dict[str, Any], auth_data: dict[str, Any]) -> bool:
        def same(a: Any, b: Any) -> bool:
            return isinstance(a, list) and isinstance(b, list) and sorted(map(str, a)) == sorted(map(str, b))
        data = profile.get("data", profile)  # parse-compat: Parse reads the userinfo answer's `data`
        return (isinstance(data, dict) and str(data.get("sub")) == str(auth_data.get("id"))
                and same(data.get("roles"), auth_data.get("roles"))
                and same(data.get("groups"), auth_data.get("groups")))
