"""Build and run one app: storage, schema, features and routes wired onto an aiohttp application."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from pathlib import Path
from typing import Any

from aiohttp import web

from .auth.roles import RoleResolver
from .http.api import Router
from .http.graphql_route import install_graphql_routes
from .http.routes import register_all
from .http.safety import install_security_headers
from .http.server import HttpEdge
from .logsafe import redact_uri
from .looplag import LoopLagMonitor
from .openapi.explorer import install_explorer_routes
from .rest.write import Writer
from .rest.write.server_owned import ServerOwnedWrites
from .rest.write.store import StorageWrites
from .schema.bootstrap import load_schema_file
from .schema.registry import REFRESH_SECONDS, SchemaRegistry
from .security_check import log_security_report
from .settings import Settings
from .state import AppState
from .storage.base import StorageAdapter
from .storage.loader import open_storage
from .webapp import install_webapp, web_app_enabled

log = logging.getLogger("parse_compat")
STATE_KEY: web.AppKey[AppState] = web.AppKey("parse_compat_state", AppState)
EDGE_KEY: web.AppKey[HttpEdge] = web.AppKey("parse_compat_edge", HttpEdge)


async def build_state(settings: Settings, storage: StorageAdapter | None = None) -> AppState:
    storage = storage or open_storage(settings.databaseURI or "sqlite:///data/parse.db", settings.databaseOptions,
                                      collations=not settings.enableCollationCaseComparison)
    await storage.connect()
    writes = StorageWrites(storage)  # the store step: the one place writes reach storage
    schemas = SchemaRegistry(storage, writes)
    await schemas.load()
    state = AppState(settings, storage, schemas, RoleResolver(storage, schemas), Writer(writes))
    state.services.server_writes = ServerOwnedWrites(writes, settings.objectIdSize)
    from .features import install_features

    await install_features(state)
    if settings.schema:
        await load_schema_file(settings.schema, schemas)
    cloud = state.services.cloud
    if cloud is not None:  # the cloud code's on_boot handlers (e.g. the template's own roles)
        await cloud.boot()
    start_schema_refresh(state)
    return state


def start_schema_refresh(state: AppState) -> None:
    """Re-read schemas every few seconds so CLP and field changes made through another server
    process (``--workers``, or several hosts on one database) reach this one."""

    async def refresh() -> None:
        while True:
            await asyncio.sleep(REFRESH_SECONDS)
            try:
                await state.schemas.refresh()
            except Exception:  # noqa: BLE001 - a failed refresh keeps the last good schemas
                log.warning("schema refresh failed; keeping the cached schemas", exc_info=True)

    task = asyncio.get_running_loop().create_task(refresh())

    async def stop() -> None:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task

    state.services.on_close.insert(0, stop)


def start_loop_lag_monitor(state: AppState) -> None:
    """The longest event-loop stall since boot, shown by GET /health (``loopLag``)."""
    monitor = LoopLagMonitor(interval=0.01)
    monitor.start()
    state.services.loop_lag = monitor
    state.services.on_close.insert(0, monitor.stop)


def create_app(settings: Settings, storage: StorageAdapter | None = None) -> web.Application:
    app = web.Application(client_max_size=settings.maxUploadSize + 1024)
    router = Router()
    register_all(router)

    async def startup(app: web.Application) -> None:
        state = await build_state(settings, storage)
        app[STATE_KEY] = state
        edge = HttpEdge(state, router)
        state.services.router = router
        app[EDGE_KEY] = edge
        start_loop_lag_monitor(state)
        log_security_report(state.settings)  # Parse's security.enableCheckLog, after the cloud code's defaults

    async def shutdown(app: web.Application) -> None:
        # Long-lived connections (Live Query websockets) close here, before aiohttp waits for handlers.
        state = app.get(STATE_KEY)
        for closer in state.services.on_shutdown if state is not None else []:
            await closer()

    async def cleanup(app: web.Application) -> None:
        state = app.get(STATE_KEY)
        if state is not None:
            for closer in state.services.on_close:
                await closer()
            await state.storage.close()

    async def handle(request: web.Request) -> web.StreamResponse:
        edge = request.app[EDGE_KEY]
        return await edge.handle(request)

    install_security_headers(app)
    app.on_startup.append(startup)
    app.on_shutdown.append(shutdown)
    app.on_cleanup.append(cleanup)
    if web_app_enabled(settings):
        install_webapp(app, settings)
    mount = settings.mountPath
    app.router.add_route("*", "/health", handle)
    install_graphql_routes(app, settings, router, lambda application: application[STATE_KEY])  # before the mount
    install_explorer_routes(app, settings)  # the REST explorer, beside the GraphQL playground
    # Any character after the mount, newlines too (`.` would not match one): an objectId with an
    # encoded newline reaches the API and gets Parse's JSON answer (Express routes it too).
    tail = "/{tail:[\\s\\S]*}"
    app.router.add_route("*", mount + tail if mount else tail, handle)
    if mount:  # the mount path itself: the JS SDK opens its Live Query websocket on ws://host:port/parse
        app.router.add_route("GET", mount, handle)
    return app


def banner(settings: Settings) -> str:
    """What the server prints once it listens. It never holds a secret (stdout ends up in logs):
    the master key is named by where it is kept, the database URI loses its password."""
    url = f"http://localhost:{settings.port}{settings.mountPath}"
    web_app = f"  web app:   http://localhost:{settings.port}/app/\n" if web_app_enabled(settings) else ""
    stored = _stored_master_key_file(settings)
    if stored is not None:
        where = f"in {stored}"
        key = (f"$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[\"masterKey\"])' {stored})")
    else:
        where, key = "as configured", "<your master key>"
    return (
        f"parse-compat listening on {url}\n"
        f"  appId:     {settings.appId}\n"
        f"  masterKey: not printed ({where})\n"
        f"  database:  {redact_uri(settings.databaseURI)}\n"
        f"{web_app}"
        f"Try:\n  curl -H 'X-Parse-Application-Id: {settings.appId}' "
        f"-H \"X-Parse-Master-Key: {key}\" {url}/schemas\n"
    )


def _stored_master_key_file(settings: Settings) -> Path | None:
    """`<dataDir>/credentials.json` when it holds this server's master key (generated at first start)."""
    path = Path(settings.dataDir) / "credentials.json"
    try:
        stored = json.loads(path.read_text(encoding="utf-8")).get("masterKey")
    except (OSError, ValueError, AttributeError):
        return None
    return path if stored and stored == settings.masterKey else None


def run_server(settings: Settings, **kwargs: Any) -> None:
    app = create_app(settings)
    print(banner(settings), flush=True)
    web.run_app(app, host=settings.host, port=settings.port, print=None, access_log=None, **kwargs)
