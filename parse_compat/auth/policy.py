"""`accountLockout` and `passwordPolicy`: failed-login counting and password rules.

Lockout counters live on the user (`_failed_login_count`, `_account_lockout_expires_at`) and
are updated with atomic storage operations, so concurrent bad logins all count.
"""

from __future__ import annotations

import math
import re
from datetime import UTC, datetime, timedelta
from typing import Any

from ..codec.dates import date_value, parse_iso
from ..errors import OBJECT_NOT_FOUND, VALIDATION_ERROR, ParseError
from ..schema.registry import SchemaRegistry
from ..storage.base import Document, StorageAdapter


def check_password(policy: dict[str, Any] | None, password: str, username: str | None) -> None:
    if not policy:
        return
    message = policy.get("validationError") or "Password does not meet the Password Policy requirements."
    pattern = policy.get("validatorPattern")
    if isinstance(pattern, str) and not re.search(pattern, password):
        raise ParseError(VALIDATION_ERROR, message)
    if policy.get("doNotAllowUsername") and username and username in password:
        raise ParseError(VALIDATION_ERROR, "Password cannot contain your username.")
    callback = policy.get("validatorCallback")  # Parse's option: a function set by code, not by JSON
    if callable(callback) and not callback(password):
        raise ParseError(VALIDATION_ERROR, message)


def _moment(value: Any) -> datetime | None:
    if isinstance(value, dict) and isinstance(value.get("iso"), str):
        return parse_iso(value["iso"])
    return None


class Lockout:
    """Counts failed logins and locks the account for `duration` minutes at `threshold`."""

    def __init__(self, options: dict[str, Any] | None, storage: StorageAdapter, schemas: SchemaRegistry) -> None:
        options = options or {}
        self.threshold = int(options.get("threshold") or 0)
        self.duration = float(options.get("duration") or 5)
        self.storage = storage
        self.schemas = schemas

    @property
    def enabled(self) -> bool:
        return self.threshold > 0

    def _error(self) -> ParseError:
        minutes = math.ceil(self.duration)
        return ParseError(OBJECT_NOT_FOUND, "Your account is locked due to multiple failed login attempts. "
                                            f"Please try again after {minutes} minute(s)")

    def check_locked(self, user: Document) -> None:
        if not self.enabled:
            return
        until = _moment(user.get("_account_lockout_expires_at"))
        if until is not None and until > datetime.now(UTC):
            raise self._error()

    async def failed(self, user: Document) -> None:
        if not self.enabled:
            return
        schema = self.schemas.get("_User")
        assert schema is not None
        after = await self.storage.update(schema, {"objectId": user["objectId"]},
                                          {"_failed_login_count": {"__op": "Increment", "amount": 1}})
        if after and int(after.get("_failed_login_count", 0)) >= self.threshold:
            until = datetime.now(UTC) + timedelta(minutes=self.duration)
            await self.storage.update(schema, {"objectId": user["objectId"]},
                                      {"_account_lockout_expires_at": date_value(until), "_failed_login_count": 0})
            raise self._error()

    async def succeeded(self, user: Document) -> None:
        if not self.enabled or not (user.get("_failed_login_count") or user.get("_account_lockout_expires_at")):
            return
        schema = self.schemas.get("_User")
        assert schema is not None
        await self.storage.update(schema, {"objectId": user["objectId"]},
                                  {"_failed_login_count": {"__op": "Delete"},
                                   "_account_lockout_expires_at": {"__op": "Delete"}})


def password_expired(policy: dict[str, Any] | None, user: Document) -> bool:
    if not policy or not policy.get("maxPasswordAge"):
        return False
    changed = _moment(user.get("_password_changed_at"))
    if changed is None:
        return False
    return changed + timedelta(days=float(policy["maxPasswordAge"])) < datetime.now(UTC)
