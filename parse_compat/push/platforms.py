"""Parse's per-platform `push` option (`{"android": {...}, "ios": {...}}`, as parse-server-push-adapter
takes it): each device type gets its sender — FCM HTTP v1 for a `firebaseServiceAccount`, APNs for
a `token` — and a push is split by `deviceType` between them. A device type without a sender is
reported not transmitted, with Parse's message."""

from __future__ import annotations

import asyncio
from typing import Any

from .apns import ApnsPushAdapter
from .fcm import FcmPushAdapter
from .results import device_of

PLATFORMS = ("android", "ios", "osx", "tvos")
SHARED_KEYS = ("fcmEndpoint",)


class PushConfigError(ValueError):
    """The `push` option names no sender this server can build."""


def is_platform_option(spec: Any) -> bool:
    return isinstance(spec, dict) and "adapter" not in spec and "module" not in spec and any(
        isinstance(spec.get(p), dict) for p in PLATFORMS)


class PlatformPushAdapter:
    def __init__(self, spec: dict[str, Any]) -> None:
        self.senders: dict[str, Any] = {}
        fcm_types = [p for p in PLATFORMS if isinstance(spec.get(p), dict) and "firebaseServiceAccount" in spec[p]]
        if fcm_types:
            fcm = FcmPushAdapter({**{p: spec[p] for p in fcm_types}, **{k: spec[k] for k in SHARED_KEYS if k in spec}})
            self.senders.update(dict.fromkeys(fcm_types, fcm))
        for platform in PLATFORMS:
            config = spec.get(platform)
            if not isinstance(config, dict) or platform in self.senders:
                continue
            if platform == "android" or "token" not in config:
                raise PushConfigError(f"push.{platform}: give a firebaseServiceAccount (FCM)"
                                      + ("" if platform == "android" else " or an APNs token"))
            self.senders[platform] = ApnsPushAdapter(config)

    def valid_push_types(self) -> list[str]:
        return list(self.senders)

    async def send(self, body: dict[str, Any], installations: list[dict[str, Any]],
                   push_status_id: str) -> list[dict[str, Any]]:
        groups: dict[int, tuple[Any, list[dict[str, Any]]]] = {}
        results: list[dict[str, Any]] = []
        for installation in installations:
            sender = self.senders.get(str(installation.get("deviceType")))
            if sender is None:
                results.append({"device": device_of(installation), "transmitted": False, "response": {
                    "error": f"Can not find sender for push type {installation.get('deviceType')}"}})
                continue
            groups.setdefault(id(sender), (sender, []))[1].append(installation)
        sent = await asyncio.gather(*(sender.send(body, members, push_status_id)
                                      for sender, members in groups.values()))
        for batch in sent:
            results.extend(batch or [])
        return results

    async def close(self) -> None:
        for sender in {id(s): s for s in self.senders.values()}.values():
            await sender.close()
