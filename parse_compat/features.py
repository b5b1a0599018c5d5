"""Optional features installed on a fresh app state (users and sessions, cloud code, live query...)."""

from __future__ import annotations

from .state import AppState


async def install_features(state: AppState) -> None:
    """Each feature registers its class rules, listeners and caches on `state`."""
    return None
