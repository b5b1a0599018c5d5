"""GitHub, Parse 8+'s code flow: the client sends the OAuth `code`; the server exchanges it for an
access token with `clientId`/`clientSecret` and asks GitHub's API whose token it is. With
`enableInsecureAuth: true` a client-held `{"id", "access_token"}` is accepted too (checked against
GET /user), as Parse allows for older apps.

Options: `clientId`, `clientSecret`, `enableInsecureAuth`, `tokenUrl`, `apiUrl` (for tests).
"""

from __future__ import annotations

from typing import Any

from ...errors import VALIDATION_ERROR, ParseError
from .base import AuthAdapter, AuthFailure
from .jwt_tokens import invalid
from .provider_http import ProviderUnavailable

TOKEN_URL = "https://github.com/login/oauth/access_token"
API_URL = "https://api.github.com"
INVALID = "Github auth is invalid for this user."


class GithubAdapter(AuthAdapter):
    def validate_options(self, options: dict[str, Any]) -> None:
        self.insecure = options.get("enableInsecureAuth") is True
        if not self.insecure and not (options.get("clientId") and options.get("clientSecret")):
            raise AuthFailure("auth.github needs clientId and clientSecret (or enableInsecureAuth: true)")

    async def _user_id(self, access_token: Any) -> str:
        if not isinstance(access_token, str) or not access_token:
            raise invalid(INVALID)
        try:
            status, body, _ = await self.fetch_json(
                "GET", self.url("apiUrl", API_URL).rstrip("/") + "/user",
                headers={"Authorization": f"Bearer {access_token}", "User-Agent": "parse-compat",
                         "Accept": "application/vnd.github+json"})
        except ProviderUnavailable as exc:
            raise invalid(INVALID) from exc
        if status != 200 or not isinstance(body, dict) or body.get("id") is None:
            raise invalid(INVALID)
        return str(body["id"])

    async def _exchange(self, auth_data: dict[str, Any]) -> str:
        form = {"client_id": str(self.options.get("clientId")), "client_secret": str(self.options.get("clientSecret")),
                "code": str(auth_data["code"])}
        if isinstance(auth_data.get("redirect_uri"), str):
            form["redirect_uri"] = auth_data["redirect_uri"]
        try:
            status, body, _ = await self.fetch_json("POST", self.url("tokenUrl", TOKEN_URL), data=form,
                                                                 headers={"Accept": "application/json"})
        except ProviderUnavailable as exc:
            raise invalid(INVALID) from exc
        token = body.get("access_token") if isinstance(body, dict) and status == 200 else None
        if not isinstance(token, str) or not token:
            raise invalid(INVALID)
        return token

    async def before_find(self, auth_data: dict[str, Any], options: dict[str, Any]) -> None:
        """Turns a `code` into `{id, access_token}` before the account is looked up by id."""
        if auth_data.get("code") is None:
            if not self.insecure:
                raise ParseError(VALIDATION_ERROR, "github code is required.")
            if await self._user_id(auth_data.get("access_token")) != str(auth_data.get("id")):
                raise invalid(INVALID)
            return
        if not isinstance(auth_data["code"], str) or self.insecure and not self.options.get("clientSecret"):
            raise invalid(INVALID)
        token = await self._exchange(auth_data)
        user_id = await self._user_id(token)
        if auth_data.get("id") is not None and str(auth_data["id"]) != user_id:
            raise invalid(INVALID)
        auth_data.pop("code", None)
        auth_data.pop("redirect_uri", None)
        auth_data.update({"id": user_id, "access_token": token})

    def validate_auth_data(self, auth_data: dict[str, Any], options: dict[str, Any], request: Any) -> None:
        return None  # checked in before_find, which every path runs first
