"""Role resolution: the `role:Name` entries a user holds, directly or through nested roles.

Users in role A's `users` relation hold A; roles in A's `roles` relation also receive A.
Results are cached per user on the app, cleared whenever any `_Role` changes here, and kept at
most `CACHE_SECONDS` (Parse's cacheTTL) so role changes made by another server process apply too.
"""

from __future__ import annotations

import time

from ..schema.registry import SchemaRegistry
from ..storage.base import FindOptions, StorageAdapter

MAX_ROLE_DEPTH = 32
CACHE_SECONDS = 5.0


class RoleResolver:
    def __init__(self, storage: StorageAdapter, schemas: SchemaRegistry) -> None:
        self._storage = storage
        self._schemas = schemas
        self._cache: dict[str, tuple[float, list[str]]] = {}

    def clear(self) -> None:
        self._cache.clear()

    async def roles_for(self, user_id: str) -> list[str]:
        cached = self._cache.get(user_id)
        if cached is not None and cached[0] > time.monotonic():
            return cached[1]
        found: set[str] = set(await self._storage.owning_ids("_Role", "users", [user_id]))
        frontier = set(found)
        for _ in range(MAX_ROLE_DEPTH):
            if not frontier:
                break
            parents = set(await self._storage.owning_ids("_Role", "roles", sorted(frontier)))
            frontier = parents - found
            found |= parents
        names: list[str] = []
        schema = self._schemas.get("_Role")
        if found and schema is not None:
            docs = await self._storage.find(schema, {"objectId": {"$in": sorted(found)}},
                                            FindOptions(keys={"name"}))
            names = sorted(f"role:{doc['name']}" for doc in docs if isinstance(doc.get("name"), str))
        if len(self._cache) > 10000:
            self._cache.clear()
        self._cache[user_id] = (time.monotonic() + CACHE_SECONDS, names)
        return names
