"""`mfa`: time-based one-time passwords (TOTP) as a second factor, Parse 9's `mfa` adapter.

Options (`auth.mfa`): `{"enabled": true, "options": ["TOTP"], "digits": 6, "period": 30,
"algorithm": "SHA1"}`.

- set up (logged in, `PUT /users/<id>`): `{"authData": {"mfa": {"secret": <base32, ≥ 20 chars>,
  "token": <current code>}}}` → stored `{secret, recovery: [two codes]}`, answered under
  `authDataResponse.mfa.recovery` ("code1, code2");
- login: the account's `mfa` is an "additional" provider, so `POST /login` (or an authData login)
  must carry `{"authData": {"mfa": {"token": <code or a recovery code>}}}` (else -1 "Missing
  additional authData mfa");
- change: `{"mfa": {"secret", "token", "old": <current code>}}`; the master key may set or clear it;
- reading: the user sees `{"mfa": {"status": "enabled"}}`, never the secret (the master key sees all).
"""

from __future__ import annotations

import hashlib
import secrets
import string
from typing import Any

import pyotp

from .base import AuthAdapter, AuthFailure

ALGORITHMS = {"SHA1": hashlib.sha1, "SHA256": hashlib.sha256, "SHA512": hashlib.sha512}
RECOVERY_ALPHABET = string.ascii_letters + string.digits


def recovery_code() -> str:
    return "".join(secrets.choice(RECOVERY_ALPHABET) for _ in range(30))


class MfaAdapter(AuthAdapter):
    def validate_options(self, options: dict[str, Any]) -> None:
        kinds = options.get("options")
        if not isinstance(kinds, list):
            raise AuthFailure("mfa.options must be an array")
        if "TOTP" not in kinds:
            # parse-compat: SMS one-time codes need a sendSMS callback; only TOTP is offered here
            raise AuthFailure("mfa.options must include TOTP")
        digits, period = options.get("digits", 6), options.get("period", 30)
        if not isinstance(digits, int) or not 4 <= digits <= 10:
            raise AuthFailure("mfa.digits must be between 4 and 10")
        if not isinstance(period, int) or period < 10:
            raise AuthFailure("mfa.period must be greater than 10")
        algorithm = str(options.get("algorithm", "SHA1")).upper()
        if algorithm not in ALGORITHMS:
            raise AuthFailure("mfa.algorithm must be SHA1, SHA256 or SHA512")
        self.digits, self.period, self.digest = digits, period, ALGORITHMS[algorithm]

    def _totp(self, secret: str) -> pyotp.TOTP:
        return pyotp.TOTP(secret, digits=self.digits, interval=self.period, digest=self.digest)

    def _valid(self, secret: str, token: str) -> bool:
        try:
            return bool(self._totp(secret).verify(token, valid_window=1))
        except (ValueError, TypeError):
            return False

    @staticmethod
    def policy(request: Any, auth_data: Any) -> str:
        return "additional"

    def validate_set_up(self, auth_data: dict[str, Any], options: dict[str, Any], request: Any) -> dict[str, Any]:
        secret, token = auth_data.get("secret"), auth_data.get("token")
        if not isinstance(secret, str) or not isinstance(token, str) or len(secret) < 20:
            raise AuthFailure("Invalid MFA data")
        if not self._valid(secret, token):
            raise AuthFailure("Invalid MFA token")
        recovery = [recovery_code(), recovery_code()]
        return {"response": {"recovery": ", ".join(recovery)}, "save": {"secret": secret, "recovery": recovery}}

    def validate_login(self, auth_data: dict[str, Any], options: dict[str, Any], request: Any) -> dict[str, Any]:
        token = auth_data.get("token")
        if not isinstance(token, str):
            raise AuthFailure("Invalid MFA token")
        stored = ((request.original or {}).get("authData") or {}).get("mfa") or {}
        secret, recovery = stored.get("secret"), stored.get("recovery") or []
        if not secret:
            return {"doNotSave": True}
        if token in recovery:
            # parse-compat: a recovery code works once (Parse 9 lets it be reused)
            return {"save": {"secret": secret, "recovery": [code for code in recovery if code != token]}}
        if not self._valid(secret, token):
            raise AuthFailure("Invalid MFA token")
        return {"doNotSave": True}

    def validate_update(self, auth_data: dict[str, Any], options: dict[str, Any], request: Any) -> Any:
        if request.master:
            return None
        self.validate_login({"token": auth_data.get("old")}, options, request)
        return self.validate_set_up(auth_data, options, request)

    def after_find(self, request: Any, auth_data: Any, options: dict[str, Any]) -> Any:
        if request.master:
            return None
        enabled = isinstance(auth_data, dict) and bool(auth_data.get("secret"))
        return {"status": "enabled" if enabled else "disabled"}
