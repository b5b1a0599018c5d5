"""Sign in with Apple and Google: the client's ID token (a JWT) is verified with the provider's JWKS.

authData: apple `{"id": <sub>, "token": <identity token>}`; google `{"id": <sub>, "id_token": <jwt>}`.
Options: `clientId` (a string or a list: the accepted audiences; required), `cacheMaxAge` (ms, JWKS
cache when the provider sends no max-age), `jwksUrl` (the key set, for tests).
"""

from __future__ import annotations

from typing import Any

from .base import AuthAdapter, AuthFailure
from .jwt_tokens import DEFAULT_MAX_AGE, invalid, verify_id_token


def audiences(options: dict[str, Any]) -> list[str]:
    client_id = options.get("clientId")
    values = client_id if isinstance(client_id, list) else [client_id]
    if not values or not all(isinstance(value, str) and value for value in values):
        # parse-compat: Parse skips the audience check without clientId; we refuse to start instead
        raise AuthFailure("clientId is required (the app's client id(s) at the provider)")
    return [str(value) for value in values]


class OpenIdTokenAdapter(AuthAdapter):
    jwks_default = ""
    issuers: tuple[str, ...] = ()
    token_field = "token"

    def validate_options(self, options: dict[str, Any]) -> None:
        self.audiences = audiences(options)
        max_age_ms = options.get("cacheMaxAge")
        self.max_age = float(max_age_ms) / 1000 if isinstance(max_age_ms, (int, float)) and max_age_ms > 0 \
            else DEFAULT_MAX_AGE

    async def validate_auth_data(self, auth_data: dict[str, Any], options: dict[str, Any], request: Any) -> None:
        claims = await verify_id_token(self.tools.jwks, auth_data.get(self.token_field),
                                       jwks_url=self.url("jwksUrl", self.jwks_default),
                                       audiences=self.audiences, issuers=self.issuers, max_age=self.max_age)
        if claims.get("sub") != auth_data.get("id"):
            raise invalid("auth data is invalid for this user.")

    def validate_app_id(self, app_ids: Any, auth_data: dict[str, Any], options: dict[str, Any], request: Any) -> None:
        return None


class AppleAdapter(OpenIdTokenAdapter):
    jwks_default = "https://appleid.apple.com/auth/keys"
    issuers = ("https://appleid.apple.com",)
    token_field = "token"


class GoogleAdapter(OpenIdTokenAdapter):
    jwks_default = "https://www.googleapis.com/oauth2/v3/certs"
    issuers = ("accounts.google.com", "https://accounts.google.com")
    token_field = "id_token"
