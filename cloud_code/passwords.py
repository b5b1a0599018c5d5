"""The template's password rules: at least 12 characters, not containing the username, and not
one of the common passwords in `common_passwords.txt` (shipped with the template)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

COMMON_FILE = Path(__file__).with_name("common_passwords.txt")
MIN_LENGTH = 12


def load_common(path: Path = COMMON_FILE) -> frozenset[str]:
    lines = path.read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip().lower() for line in lines if line.strip() and not line.startswith("#"))


def not_common(common: frozenset[str]) -> Callable[[str], bool]:
    """Parse's `passwordPolicy.validatorCallback`: true when the password may be used."""

    def check(password: str) -> bool:
        return password.strip().lower() not in common

    return check


def password_policy() -> dict[str, Any]:
    return {
        "validatorPattern": f"^[\\s\\S]{{{MIN_LENGTH},}}$",
        "validatorCallback": not_common(load_common()),
        "validationError": f"Passwords need at least {MIN_LENGTH} characters and must not be a common password.",
        "doNotAllowUsername": True,
    }
