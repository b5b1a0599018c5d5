"""Live Query on one app: installs the websocket route, the write listener and the bus.

``install_live_query(state)`` (called from ``features.install_features``) puts a ``LiveQuery``
in ``state.services.livequery`` and:

- registers the websocket raw route (``endpoint``) — any websocket upgrade under the mount path,
  so the JS SDK's default ``ws://host:port/parse`` works unchanged;
- appends a listener to ``state.writer.listeners``: every successful write of a Live Query
  class (REST, batch, cloud-code SDK, jobs — they all go through the writer) is published on
  the bus as a ``Change``: documents stripped of internal and secret fields but keeping
  ``_rperm`` / ``_wperm``, plus the class's CLP at write time. ``_Role`` writes publish a role
  cache invalidation, ``_Session`` writes a session re-validation;
- listens to the session store (``SessionStore.listeners``) so that a logout or revocation in
  this process re-validates the tokens in use at once, and tells the other processes;
- starts the session watch and closes every socket on shutdown.

Its loops (bus listener, outbox, session watch, maintenance) run under the app's supervisor
(``parse_compat.supervisor``): restarted with back-off if they die, reported by ``/health``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from typing import Any

from ..rest.context import RequestContext
from ..state import AppState
from ..storage.base import Document
from ..supervisor import supervisor_of
from .bus import Bus, LocalBus, open_bus
from .client import CLOSE_GOING_AWAY, Client, Outbox, Transport
from .config import LiveQueryConfig, load_config
from .endpoint import websocket_route
from .fanout import Change, Fanout
from .gc_policy import GcPolicy
from .hub import Hub
from .operations import Operations
from .server_options import apply_log_level, separate_port, serves_websocket
from .sessions import SessionWatch

log = logging.getLogger("parse_compat.livequery")

KEEP_INTERNAL = ("_rperm", "_wperm")
MAINTENANCE_SECONDS = 1.0
SECRET_FIELDS = {"_Session": ("sessionToken",), "_User": ("authData", "sessionToken", "password")}


def bus_document(class_name: str, doc: Document | None) -> dict[str, Any] | None:
    """A storage document as it may travel: ACL lists kept, internal and secret fields dropped."""
    if doc is None:
        return None
    secrets = SECRET_FIELDS.get(class_name, ())
    return {key: value for key, value in doc.items()
            if (not key.startswith("_") or key in KEEP_INTERNAL) and key not in secrets}


class LiveQuery:
    def __init__(self, state: AppState, config: LiveQueryConfig, bus: Bus | None = None) -> None:
        self.state = state
        self.config = config
        self.hub = Hub()
        self.watch = SessionWatch(state, self.hub, config.session_check_interval)
        self.fanout = Fanout(state, self.hub)
        self.operations = Operations(state, config, self.hub, self.watch)
        self.supervisor = supervisor_of(state)
        spawn = self.supervisor.start
        self.bus = bus or open_bus(config.redis_url, state.settings.appId, config.max_pending_changes, spawn)
        self.origin = uuid.uuid4().hex
        self._applying_remote = False
        self._tasks: list[asyncio.Task[None]] = []
        self.gc = GcPolicy(enabled=config.gc_freeze)
        self.outbox = Outbox(spawn)

    # --- lifecycle -------------------------------------------------------------------------
    async def start(self) -> None:
        await self.bus.start(self._on_message)
        self._tasks += [self.supervisor.start("livequery.sessions", self.watch.run),
                        self.supervisor.start("livequery.maintenance", self._maintain)]

    async def _maintain(self) -> None:
        while True:
            await asyncio.sleep(MAINTENANCE_SECONDS)
            self.gc.tick(self.hub.client_count)

    async def shutdown(self) -> None:
        """Close every socket (before the HTTP server waits for its handlers to finish)."""
        for client in list(self.hub.clients.values()):
            client.drop(CLOSE_GOING_AWAY, "")

    async def close(self) -> None:
        await self.shutdown()
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks = []
        await self.outbox.close()
        await self.bus.close()

    def new_client(self, transport: Transport, ip: str | None = None) -> Client:
        config = self.config
        return Client(str(uuid.uuid4()), transport, max_queue=config.max_queue, max_bytes=config.max_queue_bytes,
                      send_timeout=config.send_timeout, on_drop=self._client_gone, outbox=self.outbox, ip=ip)

    def _client_gone(self, client: Client) -> None:
        self.hub.remove_client(client)
        self.gc.client_closed()

    # --- what happens elsewhere in the app -------------------------------------------------
    async def on_write(self, ctx: RequestContext, class_name: str, event: str, after: Document | None,
                       before: Document | None) -> None:
        """Writer listener: runs after every successful write; never waits for delivery."""
        if class_name == "_Role":
            self._announce({"t": "roles"})
        elif class_name == "_Session":
            self.watch.wake()
            self._announce({"t": "sessions", "userId": _user_of(before or after)})
        if not self.config.is_live(class_name):
            return
        schema = self.state.schemas.get(class_name)
        change = Change(class_name, event, bus_document(class_name, after), bus_document(class_name, before),
                        schema.class_level_permissions if schema else None)
        self.bus.publish(change.to_wire())

    def on_sessions_forgotten(self, token: str | None, user_id: str | None) -> None:
        """SessionStore listener: a token or a user's sessions were revoked or changed."""
        if self.watch.forgetting or self._applying_remote:
            return
        self.watch.wake()
        self._announce({"t": "sessions", "userId": user_id})

    def _announce(self, message: dict[str, Any]) -> None:
        """News for the other processes (nothing to do with only one)."""
        if isinstance(self.bus, LocalBus):
            return
        self.bus.publish({**message, "o": self.origin})

    async def _on_message(self, message: dict[str, Any]) -> None:
        kind = message.get("t")
        if kind == "change":
            await self.fanout.dispatch(Change.from_wire(message))
            return
        if message.get("o") == self.origin:
            return
        if kind == "roles":
            self.state.roles.clear()
        elif kind == "sessions":
            store = self.state.services.sessions
            user_id = message.get("userId")
            if store is not None and isinstance(user_id, str):
                self._applying_remote = True
                try:
                    store.forget_user(user_id)
                finally:
                    self._applying_remote = False
            self.watch.wake()


def _user_of(doc: Document | None) -> str | None:
    user = doc.get("user") if doc else None
    return user.get("objectId") if isinstance(user, dict) else None


async def install_live_query(state: AppState) -> LiveQuery:
    live = LiveQuery(state, load_config(state.settings))
    state.services.livequery = live
    state.writer.listeners.append(live.on_write)
    apply_log_level(state.settings)  # liveQueryServerOptions.logLevel
    if serves_websocket(state.settings) and separate_port(state.settings) is None:  # else: its own port (serving)
        state.services.raw_routes.append(websocket_route(live))
    listeners = getattr(state.services.sessions, "listeners", None)
    if isinstance(listeners, list):
        listeners.append(live.on_sessions_forgotten)
    state.services.on_shutdown.append(live.shutdown)
    state.services.on_close.append(live.close)
    await live.start()
    return live
