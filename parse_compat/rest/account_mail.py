"""Password reset and email verification: tokens on `_User`, links mailed through the app's
mail adapter, and the token endpoints the links lead to.

- `/requestPasswordReset {email}` sets `_perishable_token` (+ `_perishable_token_expires_at` when
  `passwordPolicy.resetTokenValidityDuration` is set) and mails
  `<publicServerURL>/apps/<appId>/request_password_reset?token=…&username=…`;
- `/verificationEmailRequest {email}` sets `_email_verify_token` and mails
  `<publicServerURL>/apps/<appId>/verify_email?token=…&username=…`;
- unknown emails answer `{}` like Parse's defaults, so the endpoints reveal nothing.
"""

from __future__ import annotations

import secrets
import string
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from ..auth.passwords import hash_password
from ..auth.policy import check_password
from ..codec.dates import date_value, parse_iso
from ..errors import OTHER_CAUSE, ParseError
from ..mail import Email, mail_of
from ..storage.base import Document, FindOptions
from .context import RequestContext

TOKEN_ALPHABET = string.ascii_letters + string.digits


def new_token() -> str:
    return "".join(secrets.choice(TOKEN_ALPHABET) for _ in range(25))


class AccountMail:
    def __init__(self, state: Any) -> None:
        self.state = state

    def _schema(self) -> Any:
        schema = self.state.schemas.get("_User")
        assert schema is not None
        return schema

    async def _user(self, where: dict[str, Any]) -> Document | None:
        docs = await self.state.storage.find(self._schema(), where, FindOptions(limit=1))
        return docs[0] if docs else None

    def _link(self, page: str, token: str, username: str) -> str:
        settings = self.state.settings
        base = (settings.publicServerURL or "").rstrip("/")
        return f"{base}/apps/{settings.appId}/{page}?" + urlencode({"token": token, "username": username})

    async def request(self, ctx: RequestContext, kind: str, email: str) -> None:
        user = await self._user({"email": email})
        if user is None and kind == "password_reset":
            user = await self._user({"username": email, "email": {"$exists": False}})
        if user is None or (kind == "verify_email" and user.get("emailVerified") is True):
            return
        token = new_token()
        username = str(user.get("username", ""))
        if kind == "password_reset":
            update: dict[str, Any] = {"_perishable_token": token}
            policy = self.state.settings.passwordPolicy or {}
            if policy.get("resetTokenValidityDuration"):
                expires = datetime.now(UTC) + timedelta(seconds=float(policy["resetTokenValidityDuration"]))
                update["_perishable_token_expires_at"] = date_value(expires)
            subject = "Password reset"
            text = ("Someone asked to reset the password of your account.\n\n"
                    f"Choose a new password here: {self._link('request_password_reset', token, username)}\n")
        else:
            update = {"_email_verify_token": token}
            subject = "Please verify your email address"
            text = f"Confirm your email address here: {self._link('verify_email', token, username)}\n"
        await self.state.storage.update(self._schema(), {"objectId": user["objectId"]}, update)
        target = user.get("email") if isinstance(user.get("email"), str) else email
        await mail_of(self.state).send(Email(to=target, subject=subject, text=text))

    async def verify_email(self, token: str) -> bool:
        if not token:
            return False
        user = await self._user({"_email_verify_token": token})
        if user is None:
            return False
        await self.state.storage.update(self._schema(), {"objectId": user["objectId"]},
                                        {"emailVerified": True, "_email_verify_token": {"__op": "Delete"}})
        self.state.extras["sessions"].forget_user(user["objectId"])
        return True

    async def reset_password(self, token: str, new_password: str) -> None:
        if not token or not isinstance(token, str):
            raise ParseError(OTHER_CAUSE, "Failed to reset password: the link is invalid or has expired.")
        if not isinstance(new_password, str) or not new_password:
            raise ParseError(OTHER_CAUSE, "Failed to reset password: a new password is required.")
        user = await self._user({"_perishable_token": token})
        expires = user.get("_perishable_token_expires_at") if user else None
        expired = isinstance(expires, dict) and parse_iso(expires["iso"]) < datetime.now(UTC)
        if user is None or expired:
            raise ParseError(OTHER_CAUSE, "Failed to reset password: the link is invalid or has expired.")
        check_password(self.state.settings.passwordPolicy, new_password, user.get("username"))
        update = {"_hashed_password": await hash_password(new_password),
                  "_password_changed_at": date_value(datetime.now(UTC)),
                  "_perishable_token": {"__op": "Delete"}, "_perishable_token_expires_at": {"__op": "Delete"},
                  "_failed_login_count": {"__op": "Delete"}, "_account_lockout_expires_at": {"__op": "Delete"}}
        # The token is consumed atomically: a second use of the same link finds nothing.
        done = await self.state.storage.update(self._schema(), {"objectId": user["objectId"],
                                                                "_perishable_token": token}, update)
        if done is None:
            raise ParseError(OTHER_CAUSE, "Failed to reset password: the link is invalid or has expired.")
        await self.state.extras["sessions"].revoke_user(user["objectId"])
