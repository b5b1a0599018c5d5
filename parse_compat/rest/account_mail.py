"""Password reset and email verification: single-use, expiring, hashed tokens on `_User`, mail
sent through the durable outbox (parse_compat/outbox.py), and the token endpoints links lead to.

- `/requestPasswordReset {email}` and `/verificationEmailRequest {email}` only queue a row, for
  known and unknown addresses alike, so both answer `{}` with the same status and cost (Parse's
  `resetPasswordSuccessOnInvalidEmail` / `emailVerifySuccessOnInvalidEmail`, default true);
  at most one mail per account and kind per `accountMailInterval` seconds;
- the outbox handler issues the token when it sends: a fresh random token whose SHA-256 alone is
  stored (`_perishable_token` / `_email_verify_token`, with `_perishable_token_expires_at` /
  `_email_verify_token_expires_at`), so a new token replaces the old one and a database reader
  learns nothing usable; links go to `<publicServerURL>/apps/<appId>/request_password_reset`
  and `/verify_email` with the token only (no username, as in Parse 7+);
- tokens expire (`passwordPolicy.resetTokenValidityDuration`, `emailVerifyTokenValidityDuration`;
  finite defaults here), are consumed by a conditional update (single use), and are dropped by a
  password change or an email change (`account_changed`); a verify token also records a digest
  of the address it was sent to (`_email_verify_address`) and verifies that address only;
- with `emailVerifyTokenReuseIfValid` (Parse's) a verify token is derived from a stored random
  nonce (`_email_verify_nonce`) and the master key, so a new request while it is valid for the
  same address mails the same link again instead of replacing it.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from ..auth.passwords import hash_password
from ..auth.policy import check_password
from ..codec.dates import date_value, parse_iso
from ..errors import EMAIL_NOT_FOUND, OTHER_CAUSE, ParseError
from ..mail import Email, mail_of
from ..outbox import Outbox
from ..pages_option import pages_endpoint
from ..storage.base import Document, FindOptions
from .context import RequestContext

# parse-compat: Parse leaves both lifetimes unlimited when unset; here links always run out.
DEFAULT_RESET_SECONDS = 3600
DEFAULT_VERIFY_SECONDS = 86400
RESET, VERIFY = "password_reset", "verify_email"
TOKEN_FIELDS = {RESET: ("_perishable_token", "_perishable_token_expires_at"),
                VERIFY: ("_email_verify_token", "_email_verify_token_expires_at", "_email_verify_address",
                          "_email_verify_nonce")}
# Other one-time links that set a password (auth/invites.py): they die with the same changes.
OTHER_LINK_FIELDS = ("_invite_token_hash", "_invite_expires_at")
VERIFY_SUBJECT = "Please verify your email address"
VERIFY_TEXT = "Confirm your email address here: {link}\n"
INVALID_LINK = "Failed to reset password: the link is invalid or has expired."


def new_token() -> str:
    return secrets.token_urlsafe(24)


def digest(value: str) -> str:
    return hashlib.sha256(value.encode("utf-8")).hexdigest()


def _expired(value: Any) -> bool:
    if not (isinstance(value, dict) and isinstance(value.get("iso"), str)):
        return False
    return parse_iso(value["iso"]) <= datetime.now(UTC)


def forget_tokens(kinds: tuple[str, ...] = (RESET, VERIFY)) -> dict[str, Any]:
    return {name: {"__op": "Delete"} for kind in kinds for name in TOKEN_FIELDS[kind]}


class AccountMail:
    def __init__(self, state: Any) -> None:
        self.state = state
        settings = state.settings
        self.outbox: Outbox = state.services.outbox or Outbox(
            state, interval=float(getattr(settings, "accountMailInterval", 60) or 0))
        state.services.outbox = self.outbox
        self.outbox.handlers["account"] = self.deliver

    def _schema(self) -> Any:
        schema = self.state.schemas.get("_User")
        assert schema is not None
        return schema

    async def _user(self, where: dict[str, Any]) -> Document | None:
        docs = await self.state.storage.find(self._schema(), where, FindOptions(limit=1))
        return docs[0] if docs else None

    def lifetime(self, kind: str) -> float:
        settings = self.state.settings
        if kind == RESET:
            value = (settings.passwordPolicy or {}).get("resetTokenValidityDuration")
            return float(value) if value else DEFAULT_RESET_SECONDS
        value = getattr(settings, "emailVerifyTokenValidityDuration", None)
        return float(value) if value else DEFAULT_VERIFY_SECONDS

    def _link(self, page: str, token: str) -> str:
        settings = self.state.settings
        base = (settings.publicServerURL or "").rstrip("/")
        endpoint = pages_endpoint(settings.pages)  # Parse's pages.pagesEndpoint, default apps
        return f"{base}/{endpoint}/{settings.appId}/{page}?" + urlencode({"token": token})  # like Parse 7+: no username

    def _key(self, kind: str, who: str) -> str:
        secret = str(self.state.settings.masterKey).encode("utf-8")
        return f"{kind}:" + hmac.new(secret, who.encode("utf-8"), hashlib.sha256).hexdigest()[:40]

    # --- the request path: look up, queue, answer the same -----------------------------------------
    async def request(self, ctx: RequestContext | None, kind: str, email: str,
                      before_reset: Callable[[Document], Awaitable[None]] | None = None) -> None:
        """Queue the mail; `before_reset` (the beforePasswordResetRequest trigger) sees a reset's
        account first and may refuse it by raising."""
        where: dict[str, Any] = {"email": email}
        if kind == RESET:  # parse-compat: Parse also finds a user without email whose username is the address
            where = {"$or": [{"email": email}, {"username": email, "email": {"$exists": False}}]}
        user = await self._user(where)
        if user is not None and kind == RESET and before_reset is not None:
            await before_reset(user)
        settings = self.state.settings
        # One mail per account, address and kind per interval (a new address may be asked about at once).
        who = f"{user['objectId']}:{str(user.get('email') or '').lower()}" if user else "unknown:" + email.lower()
        if kind != VERIFY or settings.verifyUserEmails:  # Parse 9: no verification mail without verifyUserEmails
            await self.outbox.enqueue(self._key(kind, who), "account", f"{kind}:{user['objectId']}" if user else None)
        if user is None:
            option = "resetPasswordSuccessOnInvalidEmail" if kind == RESET else "emailVerifySuccessOnInvalidEmail"
            if getattr(settings, option, True) is False:
                raise ParseError(EMAIL_NOT_FOUND, f"No user found with email {email}.")
        elif kind == VERIFY and user.get("emailVerified") is True and \
                getattr(settings, "emailVerifySuccessOnInvalidEmail", True) is False:
            raise ParseError(OTHER_CAUSE, f"Email {email} is already verified.")

    async def request_verification(self, user_id: str, email: str) -> None:
        """A new address on an account (verifyUserEmails): keyed by that address, so no earlier mail delays it."""
        await self.outbox.enqueue(self._key(VERIFY, f"{user_id}:{email.lower()}"), "account", f"{VERIFY}:{user_id}")

    # --- the outbox handler: issue the token and send ------------------------------------------------
    async def deliver(self, row: Document) -> None:
        target = row.get("user")
        if not isinstance(target, str) or ":" not in target:
            return  # an unknown address: nothing to send
        kind, user_id = target.split(":", 1)
        user = await self._user({"objectId": user_id})
        if user is None or kind not in TOKEN_FIELDS:
            return
        email = user.get("email") if isinstance(user.get("email"), str) else None
        if kind == VERIFY and (email is None or user.get("emailVerified") is True
                               or not self.state.settings.verifyUserEmails):
            return
        if kind == VERIFY and self.state.settings.sendUserEmailVerification is False:
            return  # Parse's sendUserEmailVerification: no verification mail at all (the app sends its own)
        if kind == VERIFY and email is not None and self._reusable(user, email):
            token = self._derived_token(str(user["_email_verify_nonce"]))
            await mail_of(self.state).send(Email(to=email, subject=VERIFY_SUBJECT,
                                                 text=VERIFY_TEXT.format(link=self._link("verify_email", token))))
            return
        reuse = kind == VERIFY and self.state.settings.emailVerifyTokenReuseIfValid
        nonce = new_token()
        token = self._derived_token(nonce) if reuse else new_token()
        token_field, expires_field = TOKEN_FIELDS[kind][:2]
        expires = datetime.now(UTC) + timedelta(seconds=self.lifetime(kind))
        values = {token_field: digest(token), expires_field: date_value(expires)}
        if kind == VERIFY and email is not None:
            values["_email_verify_address"] = digest(email.lower())  # the one address this token verifies
        if reuse:
            values["_email_verify_nonce"] = nonce
        # Bound to the address read above: if it changed meanwhile, no token is issued for it.
        issued = await self.state.services.server_writes.update(
            self._schema(), {"objectId": user_id, "email": email} if email
            else {"objectId": user_id, "email": {"$exists": False}}, values)
        if issued is None:
            return
        username = str(user.get("username", ""))
        if kind == RESET:
            subject = "Password reset"
            text = ("Someone asked to reset the password of your account.\n\n"
                    f"Choose a new password here: {self._link('request_password_reset', token)}\n")
        else:
            subject = VERIFY_SUBJECT
            text = VERIFY_TEXT.format(link=self._link("verify_email", token))
        await mail_of(self.state).send(Email(to=email or username, subject=subject, text=text))

    def _derived_token(self, nonce: str) -> str:
        """emailVerifyTokenReuseIfValid: a token that can be sent again while it is valid, derived
        from a stored nonce and the master key (the database alone still yields no usable link)."""
        secret = str(self.state.settings.masterKey).encode("utf-8")
        return hmac.new(secret, f"verify_email:{nonce}".encode(), hashlib.sha256).hexdigest()[:40]

    def _reusable(self, user: Document, email: str) -> bool:
        """Parse's `emailVerifyTokenReuseIfValid`: the account's unexpired link for this very address."""
        nonce, expires = user.get("_email_verify_nonce"), user.get("_email_verify_token_expires_at")
        if not (self.state.settings.emailVerifyTokenReuseIfValid and isinstance(nonce, str) and nonce):
            return False
        if not (isinstance(expires, dict) and isinstance(expires.get("iso"), str)) or _expired(expires):
            return False
        return hmac.compare_digest(str(user.get("_email_verify_token") or ""), digest(self._derived_token(nonce))) \
            and hmac.compare_digest(str(user.get("_email_verify_address") or ""), digest(email.lower()))

    # --- the links ------------------------------------------------------------------------------------
    async def verify_email(self, token: str) -> bool:
        """Verify the address the link was sent to, if it is still the account's address."""
        if not token or not isinstance(token, str):
            return False
        hashed = digest(token)
        user = await self._user({"_email_verify_token": hashed})
        email = user.get("email") if user is not None else None
        if user is None or not isinstance(email, str) or _expired(user.get("_email_verify_token_expires_at")):
            return False
        if not hmac.compare_digest(str(user.get("_email_verify_address") or ""), digest(email.lower())):
            return False
        done = await self.state.services.server_writes.update(
            self._schema(), {"objectId": user["objectId"], "_email_verify_token": hashed, "email": email},
            {"emailVerified": True, **forget_tokens((VERIFY,))})
        if done is None:
            return False
        self.state.services.sessions.forget_user(user["objectId"])
        return True

    async def reset_password(self, token: str, new_password: str) -> None:
        if not token or not isinstance(token, str):
            raise ParseError(OTHER_CAUSE, INVALID_LINK)
        if not isinstance(new_password, str) or not new_password:
            raise ParseError(OTHER_CAUSE, "Failed to reset password: a new password is required.")
        hashed = digest(token)
        user = await self._user({"_perishable_token": hashed})
        if user is None or _expired(user.get("_perishable_token_expires_at")):
            raise ParseError(OTHER_CAUSE, INVALID_LINK)
        check_password(self.state.settings.passwordPolicy, new_password, user.get("username"))
        update = {"_hashed_password": await hash_password(new_password),
                  "_password_changed_at": date_value(datetime.now(UTC)), **forget_tokens((RESET,)),
                  "_failed_login_count": {"__op": "Delete"}, "_account_lockout_expires_at": {"__op": "Delete"}}
        # The token is consumed atomically: a second use of the same link finds nothing.
        done = await self.state.services.server_writes.update(
            self._schema(), {"objectId": user["objectId"], "_perishable_token": hashed}, update)
        if done is None:
            raise ParseError(OTHER_CAUSE, INVALID_LINK)
        sessions = self.state.services.sessions
        if getattr(self.state.settings, "revokeSessionOnPasswordReset", True) is not False:
            await sessions.revoke_user(user["objectId"])
        else:
            sessions.forget_user(user["objectId"])


async def account_created(ctx: RequestContext, object_id: str, body: dict[str, Any], only_anonymous: bool) -> None:
    """After a `_User` create (Parse's RestWrite): with `verifyUserEmails`, an account with an email
    and no third-party authData (anonymous aside) starts unverified — `emailVerified: false` unless
    the master key set it in the same write — and is mailed a verification link."""
    email = body.get("email")
    state = ctx.state
    mail = state.services.account_mail
    if not (isinstance(email, str) and only_anonymous and getattr(state.settings, "verifyUserEmails", False)):
        return
    if "emailVerified" not in body:
        users = state.schemas.get("_User")
        assert users is not None
        await state.services.server_writes.update(users, {"objectId": object_id}, {"emailVerified": False})
    if mail and body.get("emailVerified") is not True:
        await mail.request_verification(object_id, email)


async def account_changed(ctx: RequestContext, object_id: str, body: dict[str, Any], result: Any,
                          password_changed: bool) -> None:
    """After a `_User` update: a new password drops reset links; a new email drops every link,
    clears `emailVerified` (unless the master key set it in the same write) and, with
    `verifyUserEmails`, mails a link for the new address."""
    before = result.original or {}
    after = result.doc or {}
    email_changed = "email" in body and before.get("email") != after.get("email")
    if not (password_changed or email_changed):
        return
    update = forget_tokens() if email_changed else forget_tokens((RESET,))
    update.update({name: {"__op": "Delete"} for name in OTHER_LINK_FIELDS})  # a pending staff invitation
    if email_changed and "emailVerified" not in body:
        update["emailVerified"] = False
    state = ctx.state
    users = state.schemas.get("_User")
    assert users is not None
    await state.services.server_writes.update(users, {"objectId": object_id}, update)
    state.services.sessions.forget_user(object_id)
    new_email = after.get("email")
    mail = state.services.account_mail
    if email_changed and isinstance(new_email, str) and getattr(state.settings, "verifyUserEmails", False) and mail:
        await mail.request_verification(object_id, new_email)
