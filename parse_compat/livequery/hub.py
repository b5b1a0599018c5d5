"""The subscription registry of one process: clients, and subscriptions grouped by query hash.

Subscriptions with the same ``(className, where)`` share one ``Subscription``, so a change is
matched once per distinct query, not once per subscriber (as Parse Server's ``queryHash``).

Queries with a top-level equality on a plain value (``{"room": "hot", ...}``, or
``{"room": {"$in": ["hot", "cold"]}}``) are also indexed by that (field, value) — each value of
the ``$in`` — so a change is matched only against the queries whose value it holds (either
version, or any element of an array field) plus the queries without such an equality.
The index only narrows candidates; the shared matcher still decides. The hub only indexes;
deciding and sending events is ``fanout``'s job. It also counts subscriptions and sockets per
user, for ``operations``' limits.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from typing import Any

from .client import Client, SubscriptionInfo

# Keys whose equality the matcher does not decide by plain value (dates compare by instant).
UNINDEXED_KEYS = frozenset({"createdAt", "updatedAt"})
Scalar = str | int | float | bool | None


def _plain(value: Any) -> bool:
    return value is None or isinstance(value, (str, int, float, bool))


def equality_key(where: dict[str, Any]) -> tuple[str, tuple[Scalar, ...]] | None:
    """The first top-level ``field: plain value`` (or ``field: {"$in": [plain values]}``)
    constraint, if any: the index key, with every value an object must hold one of to match."""
    fallback: tuple[str, tuple[Scalar, ...]] | None = None
    for key in sorted(where):
        value = where[key]
        if key.startswith("$") or key.startswith("_") or "." in key or key in UNINDEXED_KEYS:
            continue
        if _plain(value):
            return key, (value,)
        if fallback is None and isinstance(value, dict) and isinstance(value.get("$in"), list) and value["$in"] \
                and all(_plain(item) for item in value["$in"]):
            fallback = key, tuple(dict.fromkeys(value["$in"]))
    return fallback


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
        # user id -> subscriptions held for that user (any socket); -> ids of sockets connected as them
        self._user_subscriptions: dict[str, int] = {}
        self._user_clients: dict[str, set[str]] = {}

    # --- clients ---------------------------------------------------------------------------
    def add_client(self, client: Client) -> None:
        self.clients[client.id] = client
        if client.user_id is not None:
            self._user_clients.setdefault(client.user_id, set()).add(client.id)

    def remove_client(self, client: Client) -> None:
        """Forget the client and every subscription it holds."""
        self.clients.pop(client.id, None)
        ids = self._user_clients.get(client.user_id) if client.user_id is not None else None
        if ids is not None:
            ids.discard(client.id)
            if not ids:
                del self._user_clients[client.user_id]  # type: ignore[arg-type]
        for request_id in list(client.subscriptions):
            self.unsubscribe(client, request_id)

    def clients_of(self, user_id: str) -> int:
        return len(self._user_clients.get(user_id, ()))

    def subscriptions_of(self, user_id: str) -> int:
        return self._user_subscriptions.get(user_id, 0)

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
        if info.user_id is not None:
            self._user_subscriptions[info.user_id] = self._user_subscriptions.get(info.user_id, 0) + 1

    def unsubscribe(self, client: Client, request_id: int | float) -> SubscriptionInfo | None:
        info = client.subscriptions.pop(request_id, None)
        if info is None:
            return None
        if info.user_id is not None:
            left = self._user_subscriptions.get(info.user_id, 1) - 1
            if left > 0:
                self._user_subscriptions[info.user_id] = left
            else:
                self._user_subscriptions.pop(info.user_id, None)
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
            if add:
                hashes.add(subscription.hash)
            else:
                hashes.discard(subscription.hash)
                if not hashes:
                    del self._scan[name]
            return
        field, values = key
        for value in values:
            if add:
                self._by_value.setdefault(name, {}).setdefault(field, {}).setdefault(value, set()).add(
                    subscription.hash)
                continue
            fields = self._by_value[name]
            hashes = fields[field][value]
            hashes.discard(subscription.hash)
            if hashes:
                continue
            del fields[field][value]
            if not fields[field]:
                del fields[field]
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
