"""`accountLockout` and `passwordPolicy`: failed-login counting and password rules.

Lockout counters live on the user (`_failed_login_count`, `_account_lockout_expires_at`). Each
login attempt is counted atomically before its password is checked, and the count after the
increment decides, so concurrent attempts (parallel requests or `/batch` items) all count.
"""

from __future__ import annotations

import math
import re
from datetime import UTC, datetime, timedelta
from typing import Any

from ..codec.dates import date_value, parse_iso
from ..errors import OBJECT_NOT_FOUND, VALIDATION_ERROR, ParseError
from ..schema.registry import SchemaRegistry
from ..storage.base import Document, RecordWrites


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
    """Counts login attempts and locks the account for `duration` minutes at `threshold` failures.

    Every attempt is counted *before* its password is checked, with an atomic increment, and the
    count the store returns decides: attempts beyond the threshold are refused without checking
    the password, so N parallel attempts count as N and at most `threshold` passwords are tried
    per lockout window, whether they come as separate requests or as items of one `/batch`.
    A success clears the count only while no lock is set (a conditional update).
    """

    def __init__(self, options: dict[str, Any] | None, writes: RecordWrites, schemas: SchemaRegistry) -> None:
        options = options or {}
        self.threshold = int(options.get("threshold") or 0)
        self.duration = float(options.get("duration") or 5)
        self.writes = writes  # server-owned writes (rest/write/server_owned.py)
        self.schemas = schemas

    @property
    def enabled(self) -> bool:
        return self.threshold > 0

    def _schema(self) -> Any:
        schema = self.schemas.get("_User")
        assert schema is not None
        return schema

    def _error(self) -> ParseError:
        minutes = math.ceil(self.duration)
        return ParseError(OBJECT_NOT_FOUND, "Your account is locked due to multiple failed login attempts. "
                                            f"Please try again after {minutes} minute(s)")

    @staticmethod
    def _locked(user: Document, now: datetime) -> bool:
        until = _moment(user.get("_account_lockout_expires_at"))
        return until is not None and until > now

    async def attempt(self, user: Document) -> int:
        """Count one attempt; the count after it. Raises the lockout error when locked."""
        if not self.enabled:
            return 0
        now = datetime.now(UTC)
        if self._locked(user, now):
            raise self._error()
        where = {"objectId": user["objectId"]}
        if user.get("_account_lockout_expires_at") is not None:
            # The lock has run out: a fresh window. Conditional, so only one attempt clears it.
            await self.writes.update(self._schema(), {**where, "_account_lockout_expires_at": {"$exists": True}},
                                      {"_failed_login_count": {"__op": "Delete"},
                                       "_account_lockout_expires_at": {"__op": "Delete"}})
        after = await self.writes.update(self._schema(), where,
                                          {"_failed_login_count": {"__op": "Increment", "amount": 1}})
        if after is None:
            raise ParseError(OBJECT_NOT_FOUND, "Invalid username/password.")
        count = int(after.get("_failed_login_count") or 0)
        if self._locked(after, now) or count > self.threshold:
            raise self._error()
        return count

    async def failed(self, user: Document, count: int) -> None:
        """The password was wrong: lock once the attempts counted reach the threshold."""
        if not self.enabled or count < self.threshold:
            return
        until = datetime.now(UTC) + timedelta(minutes=self.duration)
        await self.writes.update(self._schema(), {"objectId": user["objectId"],
                                                   "_account_lockout_expires_at": {"$exists": False}},
                                  {"_account_lockout_expires_at": date_value(until)})
        raise self._error()

    async def succeeded(self, user: Document) -> None:
        """The password was right: clear the count, unless a parallel failure locked the account."""
        if not self.enabled:
            return
        done = await self.writes.update(self._schema(), {"objectId": user["objectId"],
                                                          "_account_lockout_expires_at": {"$exists": False}},
                                         {"_failed_login_count": {"__op": "Delete"}})
        if done is None:
            raise self._error()


def password_expired(policy: dict[str, Any] | None, user: Document) -> bool:
    if not policy or not policy.get("maxPasswordAge"):
        return False
    changed = _moment(user.get("_password_changed_at"))
    if changed is None:
        return False
    return changed + timedelta(days=float(policy["maxPasswordAge"])) < datetime.now(UTC)
