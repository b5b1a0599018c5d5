"""The device part of a push adapter's per-device result (Parse's `{device: {deviceToken, deviceType}}`)."""

from __future__ import annotations

from typing import Any


def device_of(installation: dict[str, Any]) -> dict[str, Any]:
    return {"deviceToken": installation.get("deviceToken"), "deviceType": installation.get("deviceType")}
