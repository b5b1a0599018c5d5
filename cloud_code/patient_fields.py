"""What the template accepts in a patient's contact fields, and the practice's own details.

Patient fields are checked on every save (the master key included: these values end up in
emails): `email` a plain address (no spaces, line breaks, quotes or angle brackets), `name`
letters, spaces and `' - .` only (no digits, line breaks, URLs or markup), at most 80
characters and 6 words, `phone` digits and `+ ( ) - . /` and spaces.

The practice's name and phone number for the reminder mail come from Parse Config
(`PUT /config` with the master key): `practiceName`, `practicePhone`, and the daily caps
`reminderDailyCap` (whole practice, default 500) and `reminderDailyCapPerRecipient` (default 2).
"""

from __future__ import annotations

import re
from typing import Any

from parse_compat.cloud import CloudRequest, ParseError
from parse_compat.errors import VALIDATION_ERROR

EMAIL_RE = re.compile(r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
                      r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$")
NAME_RE = re.compile(r"^[^\W\d_]+(?:[ '.\-]+[^\W\d_]+)*\.?$")
DOMAIN_LIKE = re.compile(r"[^\W\d_]{2,}\.[^\W\d_]{2,}")
PHONE_RE = re.compile(r"^[0-9+()./ -]{3,32}$")
MAX_NAME = 80
MAX_WORDS = 6
DEFAULTS: dict[str, Any] = {"practiceName": "your dental practice", "practicePhone": "", "reminderDailyCap": 500,
            "reminderDailyCapPerRecipient": 2}


def valid_email(value: Any) -> bool:
    return isinstance(value, str) and len(value) <= 254 and bool(EMAIL_RE.fullmatch(value))


def valid_name(value: Any) -> bool:
    return (isinstance(value, str) and 0 < len(value) <= MAX_NAME and len(value.split()) <= MAX_WORDS
            and bool(NAME_RE.fullmatch(value)) and not DOMAIN_LIKE.search(value))


def check_patient_fields(fields: dict[str, Any]) -> None:
    """ParseError 142 naming the first field that the template refuses."""
    if "name" in fields and not valid_name(fields["name"]):
        raise ParseError(VALIDATION_ERROR, "name may hold letters, spaces and ' - . only (no digits, line "
                                           f"breaks, links or markup), at most {MAX_NAME} characters.")
    if "email" in fields and not valid_email(fields["email"]):
        raise ParseError(VALIDATION_ERROR, "email must be a plain email address.")
    if "phone" in fields and not (isinstance(fields["phone"], str) and PHONE_RE.fullmatch(fields["phone"])):
        raise ParseError(VALIDATION_ERROR, "phone may hold digits, spaces and + ( ) - . / only.")


async def practice_settings(request: CloudRequest) -> dict[str, Any]:
    """`name`, `phone`, `cap`, `capPerRecipient` from Parse Config, with the template's defaults."""
    params = {**DEFAULTS, **await request.sdk.as_master().config()}

    def text(key: str) -> str:
        value = params.get(key)
        # Config is set with the master key, but it goes into mail: one line, plain text.
        return " ".join(str(value).split())[:120] if isinstance(value, str) else str(DEFAULTS[key])

    def number(key: str) -> int:
        value = params.get(key)
        return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else int(DEFAULTS[key])

    return {"name": text("practiceName"), "phone": text("practicePhone"), "cap": number("reminderDailyCap"),
            "capPerRecipient": number("reminderDailyCapPerRecipient")}
