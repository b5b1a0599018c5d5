"""The subscription registry of one process: clients, and subscriptions grouped by query hash.

Subscriptions with the same ``(className, where)`` share one ``Subscription``, so a change is
matched once per distinct query, not once per subscriber (as Parse Server's ``queryHash``).

Queries with a top-level equality on a plain value (``{"room": "hot", ...}``) are also indexed
by that (field, value), so a change is matched only against the queries whose value it holds
(either version, or any element of an array field) plus the queries without such an equality.
The index only narrows candidates; the shared matcher still decides. The hub only indexes;
deciding and sending events is ``fanout``'s job.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from typing import Any

from .client import Client, SubscriptionInfo

# Keys whose equality the matcher does not decide by plain value (dates compare by instant).
UNINDEXED_KEYS = frozenset({"createdAt", "updatedAt"})
Scalar = str | int | float | bool | None


def equality_key(where: dict[str, Any]) -> tuple[str, Scalar] | None:
    """The first top-level ``field: plain value`` constraint, if any (the index key)."""
    for key in sorted(where):
        value = where[key]
        if key.startswith("$") or key.startswith("_") or "." in key or key in UNINDEXED_KEYS:
            continue
        if value is None or isinstance(value, (str, int, float, bool)):
            return key, value
    return None


def _values(doc: dict[str, Any] | None, field: str) -> Iterator[Scalar]:
    if doc is None:
        return
    value = doc.get(field)
    items = value if isinstance(value, list) else [value]
    for item in items:
        if item is None or isinstance(item, (str, int, float, bool)):
            yield item


def query_hash(class_name: str, where: dict[str, Any]) -> str:
    """A stable key for ``(className, where)``: key order in the JSON does not matter."""
    return json.dumps([class_name, where], sort_keys=True, separators=(",", ":"), ensure_ascii=False)


class Subscription:
    """One distinct query and the (client, requestId) pairs subscribed to it."""

    __slots__ = ("class_name", "where", "hash", "members")

    def __init__(self, class_name: str, where: dict[str, Any], hash_: str) -> None:
        self.class_name = class_name
        self.where = where
        self.hash = hash_
        self.members: dict[tuple[str, int | float], SubscriptionInfo] = {}


class Hub:
    def __init__(self) -> None:
        self.clients: dict[str, Client] = {}
        self._classes: dict[str, dict[str, Subscription]] = {}
        # class -> field -> value -> hashes; and class -> hashes that must always be matched
        self._by_value: dict[str, dict[str, dict[Scalar, set[str]]]] = {}
        self._scan: dict[str, set[str]] = {}

    # --- clients ---------------------------------------------------------------------------
    def add_client(self, client: Client) -> None:
        self.clients[client.id] = client

    def remove_client(self, client: Client) -> None:
        """Forget the client and every subscription it holds."""
        self.clients.pop(client.id, None)
        for request_id in list(client.subscriptions):
            self.unsubscribe(client, request_id)

    # --- subscriptions ---------------------------------------------------------------------
    def subscribe(self, info: SubscriptionInfo) -> None:
        """Register ``info``, replacing the client's subscription with the same requestId."""
        client = info.client
        self.unsubscribe(client, info.request_id)
        by_hash = self._classes.setdefault(info.class_name, {})
        subscription = by_hash.get(info.query_hash)
        if subscription is None:
            subscription = by_hash[info.query_hash] = Subscription(info.class_name, info.where, info.query_hash)
            self._index(subscription, add=True)
        subscription.members[(client.id, info.request_id)] = info
        client.subscriptions[info.request_id] = info

    def unsubscribe(self, client: Client, request_id: int | float) -> SubscriptionInfo | None:
        info = client.subscriptions.pop(request_id, None)
        if info is None:
            return None
        by_hash = self._classes.get(info.class_name)
        subscription = by_hash.get(info.query_hash) if by_hash else None
        if subscription is not None and by_hash is not None:
            subscription.members.pop((client.id, request_id), None)
            if not subscription.members:
                del by_hash[info.query_hash]
                self._index(subscription, add=False)
                if not by_hash:
                    del self._classes[info.class_name]
        return info

    def _index(self, subscription: Subscription, add: bool) -> None:
        name = subscription.class_name
        key = equality_key(subscription.where)
        if key is None:
            hashes = self._scan.setdefault(name, set())
        else:
            hashes = self._by_value.setdefault(name, {}).setdefault(key[0], {}).setdefault(key[1], set())
        if add:
            hashes.add(subscription.hash)
            return
        hashes.discard(subscription.hash)
        if hashes or key is None:
            return
        fields = self._by_value[name]
        del fields[key[0]][key[1]]
        if not fields[key[0]]:
            del fields[key[0]]
            if not fields:
                del self._by_value[name]

    def subscriptions_for(self, class_name: str) -> list[Subscription]:
        by_hash = self._classes.get(class_name)
        return list(by_hash.values()) if by_hash else []

    def candidates(self, class_name: str, docs: Iterable[dict[str, Any] | None]) -> list[Subscription]:
        """The subscriptions a change to these document versions may concern."""
        by_hash = self._classes.get(class_name)
        if not by_hash:
            return []
        hashes = set(self._scan.get(class_name, ()))
        docs = list(docs)
        for field, by_value in self._by_value.get(class_name, {}).items():
            for doc in docs:
                for value in _values(doc, field):
                    hashes.update(by_value.get(value, ()))
        return [by_hash[h] for h in hashes if h in by_hash]

    def infos(self) -> Iterator[SubscriptionInfo]:
        for client in list(self.clients.values()):
            yield from list(client.subscriptions.values())

    # --- counts (for hooks and tests) ------------------------------------------------------
    @property
    def client_count(self) -> int:
        return len(self.clients)

    @property
    def subscription_count(self) -> int:
        return sum(len(by_hash) for by_hash in self._classes.values())
