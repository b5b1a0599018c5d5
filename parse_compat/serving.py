"""Running one server process: boot, listen, and stop cleanly.

``serve(settings)`` is what ``parse-compat`` (and each ``--workers`` process) runs:

- **boot**: the app starts (storage connection, schema, features) before the port is bound. Any
  failure there — an unsupported ``databaseURI``, a database that cannot be reached or opened,
  a malformed option the app rejects, a port in use — raises ``BootError`` with one sentence
  (``cli`` prints it and exits with status 2; the traceback goes to the log at debug level);
- **SIGTERM / SIGINT**: the first one stops accepting connections, lets in-flight requests
  finish within ``grace`` seconds, then cancels what is left, asks the storage to interrupt
  running statements, runs the app's shutdown and cleanup hooks and returns 0. Further signals
  while stopping are ignored: aiohttp's own ``run_app`` raises ``GracefulExit`` (exit status 1)
  on a second SIGTERM in the middle of its clean-up, which is what made a ``--workers`` process
  exit with 1 when its parent relayed the signal twice.
"""

from __future__ import annotations

import asyncio
import logging
import signal
import sqlite3
from collections.abc import Callable

from aiohttp import web

from . import gc_tuning
from .logsafe import redact_uri
from .settings import Settings

log = logging.getLogger("parse_compat")
SHUTDOWN_GRACE = 10.0
STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)


class BootError(Exception):
    """The server cannot start; the message is one sentence for the operator."""


def describe_boot_failure(exc: BaseException, settings: Settings, listening: bool = False) -> str:
    """One sentence for a failure while the app starts (``listening``: while binding the port)."""
    uri = redact_uri(settings.databaseURI)
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    text = text.split(" (configured timeouts")[0].split(", Timeout:")[0]  # PyMongo's long tail
    module = type(exc).__module__.split(".", 1)[0]
    if listening:
        return f"cannot listen on {settings.host}:{settings.port}: {text}"
    if isinstance(exc, ValueError) and "databaseURI" in text:
        return text
    if isinstance(exc, sqlite3.Error) or (isinstance(exc, OSError) and uri.startswith("sqlite:")):
        return f"cannot open the SQLite database {uri}: {text}"
    if module == "redis":
        return f"cannot reach Redis: {text}"
    if module in ("pymongo", "motor", "mongomock_motor") or isinstance(exc, (ConnectionError, TimeoutError)):
        return f"cannot reach the database {uri}: {text}"
    if isinstance(exc, ValueError):
        return f"bad configuration: {text}"
    return f"{type(exc).__name__}: {text}"


async def _stop_runner(runner: web.AppRunner, grace: float) -> None:
    """Stop accepting, give in-flight requests ``grace`` seconds, interrupt what still runs."""
    app = runner.app
    from .app import STATE_KEY

    state = app.get(STATE_KEY)
    interrupt = getattr(state.storage, "interrupt", None) if state is not None else None
    timer = asyncio.get_running_loop().call_later(grace, interrupt) if callable(interrupt) else None
    try:
        await runner.cleanup()
    finally:
        if timer is not None:
            timer.cancel()


async def run(settings: Settings, *, reuse_port: bool = False, grace: float = SHUTDOWN_GRACE,
              on_ready: Callable[[], None] | None = None) -> int:
    """Boot the app, serve until SIGTERM/SIGINT, stop gracefully; the process exit status."""
    from .app import create_app

    loop = asyncio.get_running_loop()
    stop = asyncio.Event()

    def request_stop(signum: int) -> None:
        if stop.is_set():
            log.info("already stopping; %s ignored", signal.Signals(signum).name)
            return
        log.info("%s received: stopping (grace %.0fs)", signal.Signals(signum).name, grace)
        stop.set()

    for signum in STOP_SIGNALS:
        loop.add_signal_handler(signum, request_stop, signum)
    runner = web.AppRunner(create_app(settings), access_log=None, shutdown_timeout=grace)
    listening = False
    live_runner = None
    try:
        await runner.setup()
        site = web.TCPSite(runner, settings.host, settings.port, reuse_port=reuse_port or None)
        listening = True
        await site.start()
        listening = False
        live_runner = await start_live_query_port(runner.app, settings, reuse_port)  # liveQueryServerOptions.port
    except Exception as exc:  # noqa: BLE001 - every boot failure becomes one sentence
        log.debug("boot failed", exc_info=exc)
        try:
            await runner.cleanup()
        except Exception:  # noqa: BLE001 - a half-started app may not clean up; the boot error matters
            log.debug("clean-up after a failed boot failed", exc_info=True)
        from .cloud.loader import CloudCodeError

        if isinstance(exc, CloudCodeError):
            raise
        raise BootError(describe_boot_failure(exc, settings, listening)) from exc
    gc_tuning.tune()  # after boot: what the app built is frozen, collections spaced out
    if on_ready is not None:
        on_ready()
    check = None
    if settings.verifyServerUrl:  # Parse's verifyServerUrl: one GET of <serverURL>/health, a warning if it fails
        from .server_url_check import verify_server_url

        check = loop.create_task(verify_server_url(settings.serverURL))
    await stop.wait()
    if check is not None:
        check.cancel()
    await _stop_runner(runner, grace)  # closes the Live Query sockets, on its own port too
    if live_runner is not None:
        await live_runner.cleanup()
    return 0


async def start_live_query_port(app: web.Application, settings: Settings,
                                reuse_port: bool) -> web.AppRunner | None:
    """The Live Query websocket on its own port when liveQueryServerOptions.port asks for one."""
    from .app import STATE_KEY
    from .livequery.endpoint import start_own_listener
    from .livequery.server_options import separate_port

    port = separate_port(settings)
    live = app[STATE_KEY].services.livequery
    if port is None or live is None:
        return None
    return await start_own_listener(live, settings.host, port, reuse_port)


def event_loop_factory() -> Callable[[], asyncio.AbstractEventLoop] | None:
    """uvloop's loop when it is installed (the same asyncio API, its I/O in C), else asyncio's."""
    try:
        import uvloop
    except ImportError:
        return None
    return uvloop.new_event_loop  # type: ignore[no-any-return]


def serve(settings: Settings, *, reuse_port: bool = False, grace: float = SHUTDOWN_GRACE,
          on_ready: Callable[[], None] | None = None) -> int:
    with asyncio.Runner(loop_factory=event_loop_factory()) as runner:
        return runner.run(run(settings, reuse_port=reuse_port, grace=grace, on_ready=on_ready))
