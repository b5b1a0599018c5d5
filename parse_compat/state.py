"""Everything one app instance owns: settings, storage, schema registry, caches, writer, hooks.

Lives on the aiohttp application; nothing is shared between two apps in one process.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from .auth.roles import RoleResolver
from .schema.registry import SchemaRegistry
from .settings import Settings
from .storage.base import StorageAdapter

if TYPE_CHECKING:
    from .rest.write import Writer


@dataclass
class AppState:
    settings: Settings
    storage: StorageAdapter
    schemas: SchemaRegistry
    roles: RoleResolver
    writer: Writer
    # Filled by features that need a place on the app (session cache, hooks, live query...).
    extras: dict[str, Any] = field(default_factory=dict)

    def file_url(self, name: str) -> str:
        signed = self.extras.get("file_url")  # the files feature (protected files: signed URLs)
        if signed is not None:
            return str(signed(name))
        base = (self.settings.publicServerURL or "").rstrip("/")
        return f"{base}/files/{self.settings.appId}/{quote(name)}"
