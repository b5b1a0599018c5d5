"""The subscription registry of one process: clients, and subscriptions grouped by query hash.

Subscriptions with the same ``(className, where)`` share one ``Subscription``, so a change is
matched once per distinct query, not once per subscriber (as Parse Server's ``queryHash``). The
hub only indexes; deciding and sending events is ``fanout``'s job.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from .client import Client, SubscriptionInfo


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
                if not by_hash:
                    del self._classes[info.class_name]
        return info

    def subscriptions_for(self, class_name: str) -> list[Subscription]:
        by_hash = self._classes.get(class_name)
        return list(by_hash.values()) if by_hash else []

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
