"""Localized pushes, as Parse's PushWorker does them: `data` may carry `alert-<locale>` and
`title-<locale>`; an installation whose `localeIdentifier` starts with a listed locale gets that
text as `alert` / `title`, the others the default, and no device gets the `-<locale>` keys."""

from __future__ import annotations

import copy
from typing import Any

LOCALIZABLE = ("alert", "title")
Batch = list[dict[str, Any]]


def locales_of(body: dict[str, Any]) -> list[str]:
    data = body.get("data") or {}
    found: list[str] = []
    for key in data:
        for name in LOCALIZABLE:
            prefix = f"{name}-"
            if key.startswith(prefix) and key[len(prefix):] and key[len(prefix):] not in found:
                found.append(key[len(prefix):])
    return found


def _stripped(body: dict[str, Any]) -> dict[str, Any]:
    data = body.get("data") or {}
    body["data"] = {k: v for k, v in data.items() if not any(k.startswith(f"{name}-") for name in LOCALIZABLE)}
    return body


def for_locale(body: dict[str, Any], locale: str) -> dict[str, Any]:
    localized = copy.deepcopy(body)
    data = localized.get("data") or {}
    for name in LOCALIZABLE:
        value = data.get(f"{name}-{locale}")
        if value:
            data[name] = value
    return _stripped(localized)


def split_by_locale(body: dict[str, Any], installations: Batch) -> list[tuple[dict[str, Any], Batch]]:
    """(body, installations) pairs: one per locale present, and the default."""
    locales = locales_of(body)
    if not locales:
        return [(body, installations)]
    groups: dict[str, Batch] = {}
    for installation in installations:
        identifier = installation.get("localeIdentifier")
        match = next((locale for locale in locales if isinstance(identifier, str) and identifier.startswith(locale)),
                     None)
        groups.setdefault(match or "", []).append(installation)
    out = []
    for locale, members in groups.items():
        out.append((for_locale(body, locale) if locale else _stripped(copy.deepcopy(body)), members))
    return out
